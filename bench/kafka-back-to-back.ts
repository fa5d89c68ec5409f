// GUIDE fact 5, measured: back-to-back transactions on one transactional
// producer (a record and an offset each, committed one after the other), as a
// busy task commits. Run against a broker (npm run kafka:start):
//   node --import tsx bench/kafka-back-to-back.ts [RETRY_INITIAL_MS] [TRANSACTIONS]
import { KafkaLogClientImpl } from "../runtime/internal/kafka-log-client-impl.ts";

const [retry = "10", count = "100"] = process.argv.slice(2);
const brokers = (process.env.WEIR_TEST_BROKERS ?? "127.0.0.1:9092").split(",");
const client = new KafkaLogClientImpl({ brokers, clientId: "weir-bench", transactionTimeoutMs: 60_000, retryInitialMs: Number(retry) });
const topic = `weir-bench-b2b-${Date.now().toString(36)}`;
await client.createTopic({ name: topic, partitions: 1 });
const producer = await client.initTransactions(`${topic}-tx`);
const durations: number[] = [];
const started = performance.now();
for (let i = 0; i < Number(count); i++) {
  const t0 = performance.now();
  const transaction = producer.beginTransaction();
  transaction.send([{ topic, partition: 0, key: null, value: Buffer.from(String(i)), timestamp: Date.now() }]);
  transaction.sendOffsets(`${topic}-group`, [{ topic, partition: 0, offset: i + 1 }]);
  await transaction.commit();
  durations.push(performance.now() - t0);
}
const total = performance.now() - started;
await client.close();
durations.sort((a, b) => a - b);
const at = (q: number) => durations[Math.min(durations.length - 1, Math.floor(q * durations.length))]!.toFixed(1);
console.log(
  JSON.stringify({
    retryInitialMs: Number(retry),
    transactions: durations.length,
    commitMs: { median: at(0.5), p90: at(0.9), max: durations.at(-1)!.toFixed(1) },
    transactionsPerSecond: Math.round(durations.length / (total / 1000)),
  }),
);
