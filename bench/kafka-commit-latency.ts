// Commit latency and throughput of the Kafka engine, exactly-once, against a
// running broker (npm run kafka:start):
//   node --import tsx bench/kafka-commit-latency.ts [RETRY_INITIAL_MS] [LINES] [PARTITIONS] [COMMIT_INTERVAL_MS] [MAX_RECORDS_PER_COMMIT]
// Runs wordcount over LINES generated lines on a fresh application with
// commits every COMMIT_INTERVAL_MS (default 100) and prints the commit durations (median, p90, max)
// and records per second. RETRY_INITIAL_MS is the first retry delay of the
// transactional producers (kafkajs' default is 300; weir's is 10).
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { runKafka } from "../runtime/kafka.ts";
import { formats } from "../runtime/formats.ts";
import { defineTopology } from "../runtime/topology/dsl.ts";

const [retry = "10", count = "20000", partitionArg = "2", interval = "100", maxRecords] = process.argv.slice(2);
const brokers = (process.env.WEIR_TEST_BROKERS ?? "127.0.0.1:9092").split(",");
const partitions = Number(partitionArg);
const app = `weir-bench-${Date.now().toString(36)}`;
const input = `${app}-lines`;

const kafka = new Kafka({ clientId: "weir-bench", brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic: input, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
const words = Array.from({ length: 500 }, (_, i) => `w${i}`);
for (let start = 0; start < Number(count); start += 5000) {
  const messages = [];
  for (let i = start; i < Math.min(start + 5000, Number(count)); i++) {
    const line = Array.from({ length: 8 }, (_, j) => words[(i * 31 + j * 17) % words.length]).join(" ");
    messages.push({ key: `line-${i}`, value: line, timestamp: String(1000 + i) });
  }
  await producer.send({ topic: input, acks: -1, messages });
}
await producer.disconnect();
await admin.disconnect();

const topology = defineTopology(app, (builder) => {
  builder
    .stream("lines", { topic: input, key: formats.string(), value: formats.string() })
    .flatMapValues("split", (record) => record.value.split(" "))
    .selectKey("by-word", (record) => record.value)
    .repartition("words")
    .aggregate("count", { store: "counts", initializer: () => 0, adder: (n: number) => n + 1 })
    .to("sink", { topic: `${app}-counts`, key: formats.string(), value: formats.json<number>() });
});
const durations: number[] = [];
const summary = await runKafka(topology, {
  brokers,
  retryInitialMs: Number(retry),
  commitIntervalMs: Number(interval),
  ...(maxRecords ? { maxRecordsPerCommit: Number(maxRecords) } : {}),
  onCommit: (c) => durations.push(c.durationMs),
});
durations.sort((a, b) => a - b);
const at = (q: number) => durations[Math.min(durations.length - 1, Math.floor(q * durations.length))]!.toFixed(1);
console.log(
  JSON.stringify({
    retryInitialMs: Number(retry),
    partitions,
    commitIntervalMs: Number(interval),
    maxRecordsPerCommit: maxRecords ? Number(maxRecords) : null,
    lines: Number(count),
    recordsProcessed: summary.recordsProcessed,
    commits: summary.commits,
    commitMs: { median: at(0.5), p90: at(0.9), max: durations.at(-1)!.toFixed(1) },
    seconds: (summary.durationMs / 1000).toFixed(2),
    recordsPerSecond: Math.round(summary.recordsProcessed / (summary.durationMs / 1000)),
  }),
);
