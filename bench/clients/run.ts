// Raw ceiling of each Kafka client candidate (weir issue 10, item 4): what
// kafkajs and @platformatic/kafka can do on this broker with weir taken out,
// so that the client's ceiling and weir's own cost can be told apart.
// docs/kafka-clients.md has the numbers and the commands. Run against a broker:
//   node --import tsx bench/clients/run.ts <benchmark> [--records N] [--value-bytes B] [--rounds R] [--only kafkajs|platformatic]
// benchmarks:
//   consume     read_committed group consumer of a preloaded topic (kafkajs eachBatch, platformatic stream)
//   fetch       read_committed Fetch loop from given offsets through weir's own port (fetchMany of KafkaLogClientImpl / PlatformaticKafkaLogClient);
//               --fetch-records 2000 asks for as many records a partition as weir's engine does
//   txproduce   transactional produce, --per-transaction records a transaction (default 1000 and 5000), commit included
//   loop        consume -> transform -> produce in transactions with the input offsets in them, every 100 ms
// Each benchmark alternates the clients (kafkajs, platformatic, kafkajs, ...) and prints one JSON line per run.
import { parseArgs } from "node:util";
import {
  Admin as PltAdmin,
  Consumer as PltConsumer,
  Producer as PltProducer,
  FetchIsolationLevels,
  ProduceAcks,
} from "@platformatic/kafka";
import { Kafka, logLevel } from "kafkajs";
import { KafkaLogClientImpl } from "../../runtime/internal/kafka-log-client-impl.ts";
import { PlatformaticKafkaLogClient } from "../../runtime/internal/kafka-log-client-platformatic.ts";
import type { KafkaLogClient } from "../../runtime/internal/kafka-log-client.ts";
import type { LogRecord } from "../../runtime/internal/log-client.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    records: { type: "string", default: "500000" },
    "value-bytes": { type: "string", default: "10" },
    "key-bytes": { type: "string", default: "8" },
    rounds: { type: "string", default: "2" },
    "per-transaction": { type: "string" },
    only: { type: "string" },
    "fetch-records": { type: "string", default: "100000" },
    topic: { type: "string" },
  },
});
const benchmark = positionals[0] ?? "";
const brokers = (process.env.WEIR_TEST_BROKERS ?? "127.0.0.1:9092").split(",");
const RECORDS = Number(values.records);
const VALUE_BYTES = Number(values["value-bytes"]);
const KEY_BYTES = Number(values["key-bytes"]);
const ROUNDS = Number(values.rounds);
const PARTITIONS = 4;
/** Records a partition per Fetch in the fetch benchmark (weir's engine asks for 2000; bytes stay 1 MB a partition). */
const FETCH_RECORDS = Number(values["fetch-records"]);
const CLIENTS = (values.only ? [values.only] : ["kafkajs", "platformatic"]) as Client[];
type Client = "kafkajs" | "platformatic";

// Both clients retry as weir configures kafkajs (retryInitialMs 10, doubling up
// to 500 ms): back-to-back transactions meet CONCURRENT_TRANSACTIONS while the
// previous commit's markers are written, and a long first retry stalls them.
const kafka = new Kafka({ clientId: "weir-bench-clients", brokers, logLevel: logLevel.NOTHING, retry: { initialRetryTime: 10, maxRetryTime: 500, retries: 20 } });
const pltRetry = { retries: 20, retryDelay: (_client: unknown, _operation: string, attempt: number) => Math.min(10 * 2 ** attempt, 500) };
const admin = kafka.admin();
await admin.connect();
const runId = Date.now().toString(36);

/** Wordcount-like records: an 8-byte word as key, a short count as value. */
function key(i: number): Buffer {
  return Buffer.from(`w${String(i % 100_000).padStart(KEY_BYTES - 1, "0")}`);
}
function value(i: number): Buffer {
  return Buffer.from(String(i).padStart(VALUE_BYTES, "0").slice(-VALUE_BYTES));
}
const recordBytes = KEY_BYTES + VALUE_BYTES;

async function createTopic(name: string): Promise<void> {
  await admin.createTopics({ topics: [{ topic: name, numPartitions: PARTITIONS }], waitForLeaders: true });
}

/** N records in 4 partitions, written by committed transactions of 5,000 (as weir's upstream writes them: markers included). */
async function preload(name: string, count: number): Promise<void> {
  await createTopic(name);
  const producer = new PltProducer({ clientId: "weir-bench-preload", bootstrapBrokers: brokers, ...pltRetry, transactionalId: `${name}-preload`, idempotent: true, acks: ProduceAcks.ALL });
  try {
    for (let start = 0; start < count; start += 5000) {
      const transaction = await producer.beginTransaction();
      const messages = [];
      for (let i = start; i < Math.min(count, start + 5000); i++) messages.push({ topic: name, partition: i % PARTITIONS, key: key(i), value: value(i) });
      await transaction.send({ messages });
      await transaction.commit();
    }
  } finally {
    await producer.close();
  }
}

function report(result: Record<string, unknown> & { client: Client; records: number; ms: number }): void {
  const seconds = result.ms / 1000;
  console.log(
    JSON.stringify({
      benchmark,
      ...result,
      ms: Math.round(result.ms),
      recordsPerSecond: Math.round(result.records / seconds),
      payloadMBPerSecond: Number(((result.records * recordBytes) / seconds / 1e6).toFixed(2)),
      keyBytes: KEY_BYTES,
      valueBytes: VALUE_BYTES,
    }),
  );
}

// ---------------------------------------------------------------- consume

async function consumeKafkajs(topic: string, expected: number): Promise<number> {
  const consumer = kafka.consumer({ groupId: `${topic}-kjs-${Math.random()}`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  // The clock starts when the member has joined (both clients): fetching and decoding are timed, the group's forming is not.
  let first = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => (first = performance.now()));
  let bytes = 0;
  const done = new Promise<number>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) bytes += (m.value?.length ?? 0) + (m.key?.length ?? 0);
        seen += batch.messages.length;
        if (seen >= expected) resolve(performance.now() - first);
      },
    });
  });
  const ms = await done;
  await consumer.disconnect();
  if (bytes < expected * recordBytes) throw new Error("short read");
  return ms;
}

async function consumePlatformatic(topic: string, expected: number): Promise<number> {
  const consumer = new PltConsumer({ clientId: "weir-bench", groupId: `${topic}-plt-${Math.random()}`, bootstrapBrokers: brokers, isolationLevel: FetchIsolationLevels.READ_COMMITTED });
  let first = 0;
  consumer.on("consumer:group:join", () => (first = performance.now()));
  const stream = await consumer.consume({ topics: [topic], mode: "earliest", autocommit: false, isolationLevel: FetchIsolationLevels.READ_COMMITTED });
  let seen = 0;
  let bytes = 0;
  const ms = await new Promise<number>((resolve, reject) => {
    stream.on("error", reject);
    stream.on("data", (m: { key?: Buffer; value?: Buffer }) => {
      bytes += (m.value?.length ?? 0) + (m.key?.length ?? 0);
      if (++seen === expected) resolve(performance.now() - first);
    });
  });
  await stream.close();
  await consumer.close(true);
  if (bytes < expected * recordBytes) throw new Error("short read");
  return ms;
}

// ---------------------------------------------------------------- fetch (weir's read path)

interface Fetcher {
  /** Fetches every partition from its offset once; returns the records read and moves the offsets. */
  fetchAll(offsets: number[]): Promise<number>;
  close(): Promise<void>;
}

/**
 * weir's own read path for either client: the port's fetchMany
 * (KafkaLogClientImpl over kafkajs, PlatformaticKafkaLogClient over
 * platformatic's Fetch), READ_COMMITTED, 1 MB a partition, decoded into
 * LogRecords with aborted transactions and markers dropped, and what a fetch
 * decoded beyond maxRecords kept for the next one.
 */
function portClient(client: Client): KafkaLogClient {
  const settings = { brokers, clientId: "weir-bench", transactionTimeoutMs: 60_000, retryInitialMs: 10 };
  return client === "kafkajs" ? new KafkaLogClientImpl(settings) : new PlatformaticKafkaLogClient(settings);
}

async function portFetcher(client: Client, topic: string, maxRecords: number): Promise<Fetcher & { read(offsets: number[]): Promise<LogRecord[]> }> {
  const port = portClient(client);
  await port.connect();
  const read = async (offsets: number[]) => {
    const results = await port.fetchMany(
      offsets.map((offset, partition) => ({ partition: { topic, partition }, offset })),
      maxRecords,
    );
    results.forEach((r, p) => (offsets[p] = r.nextOffset));
    return results.flatMap((r) => r.records);
  };
  return {
    read,
    fetchAll: async (offsets) => (await read(offsets)).length,
    close: () => port.close(),
  };
}

async function readAll(fetcher: Fetcher, expected: number): Promise<number> {
  const offsets = Array.from({ length: PARTITIONS }, () => 0);
  let seen = 0;
  const started = performance.now();
  while (seen < expected) seen += await fetcher.fetchAll(offsets);
  return performance.now() - started;
}

// ---------------------------------------------------------------- transactional produce

interface TxProducer {
  /** One transaction: the records, [the offsets of group `groupId`], commit. */
  commit(records: { topic: string; partition: number; key: Buffer; value: Buffer }[], offsets?: { groupId: string; topic: string; offsets: number[] }): Promise<void>;
  close(): Promise<void>;
}

async function kafkajsTxProducer(transactionalId: string): Promise<TxProducer> {
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 60_000, retry: { initialRetryTime: 10, maxRetryTime: 500, retries: 20 } });
  await producer.connect();
  return {
    async commit(records, offsets) {
      const transaction = await producer.transaction();
      const byTopic = new Map<string, { key: Buffer; value: Buffer; partition: number }[]>();
      for (const r of records) {
        const list = byTopic.get(r.topic) ?? [];
        list.push({ key: r.key, value: r.value, partition: r.partition });
        byTopic.set(r.topic, list);
      }
      await transaction.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })), acks: -1 });
      if (offsets) {
        await transaction.sendOffsets({
          consumerGroupId: offsets.groupId,
          topics: [{ topic: offsets.topic, partitions: offsets.offsets.map((o, partition) => ({ partition, offset: String(o) })) }],
        });
      }
      await transaction.commit();
    },
    close: () => producer.disconnect(),
  };
}

async function platformaticTxProducer(transactionalId: string): Promise<TxProducer> {
  const producer = new PltProducer({ clientId: "weir-bench", bootstrapBrokers: brokers, ...pltRetry, transactionalId, idempotent: true, acks: ProduceAcks.ALL });
  let coordinatorId: number | undefined;
  return {
    async commit(records, offsets) {
      const transaction = await producer.beginTransaction();
      await transaction.send({ messages: records });
      if (offsets) {
        // platformatic adds offsets of messages a Consumer read; weir's offsets
        // are its own, so they travel as such messages (no group generation:
        // the commit of a task without a group member, as kafkajs sends it).
        coordinatorId ??= await groupCoordinator(offsets.groupId);
        await transaction.addConsumer({ groupId: offsets.groupId } as unknown as PltConsumer);
        for (const [partition, offset] of offsets.offsets.entries()) {
          await transaction.addOffset({
            topic: offsets.topic,
            partition,
            offset: BigInt(offset - 1),
            metadata: { consumer: { groupId: offsets.groupId, generationId: -1, memberId: "", coordinatorId } },
          } as never);
        }
      }
      await transaction.commit();
    },
    close: () => producer.close(),
  };
}

async function groupCoordinator(groupId: string): Promise<number> {
  const consumer = new PltConsumer({ clientId: "weir-bench", groupId, bootstrapBrokers: brokers });
  try {
    return await consumer.findGroupCoordinator();
  } finally {
    await consumer.close(true);
  }
}

const txProducer = (client: Client, id: string) => (client === "kafkajs" ? kafkajsTxProducer(id) : platformaticTxProducer(id));

async function produceRun(client: Client, perTransaction: number): Promise<void> {
  const topic = `weir-bench-txp-${runId}-${client}-${perTransaction}-${Math.random().toString(36).slice(2, 6)}`;
  await createTopic(topic);
  const producer = await txProducer(client, `${topic}-tx`);
  // Records made before the clock starts: the client's cost, not the bench's.
  const batches: { topic: string; partition: number; key: Buffer; value: Buffer }[][] = [];
  for (let start = 0; start < RECORDS; start += perTransaction) {
    const batch = [];
    for (let i = start; i < Math.min(RECORDS, start + perTransaction); i++) batch.push({ topic, partition: i % PARTITIONS, key: key(i), value: value(i) });
    batches.push(batch);
  }
  await producer.commit([{ topic, partition: 0, key: key(0), value: value(0) }]); // connect + InitProducerId off the clock
  const started = performance.now();
  for (const batch of batches) await producer.commit(batch);
  const ms = performance.now() - started;
  await producer.close();
  report({ client, records: RECORDS, ms, perTransaction, transactions: batches.length });
}

// ---------------------------------------------------------------- consume -> transform -> produce

/**
 * weir's client path, through its port for both clients: fetchMany as the
 * engine reads, and the port's transactions (records and input offsets,
 * sent as weir sends them) every 100 ms.
 */
async function loopRun(client: Client, input: string): Promise<void> {
  const output = `weir-bench-loop-out-${runId}-${client}-${Math.random().toString(36).slice(2, 6)}`;
  await createTopic(output);
  const groupId = `${output}-group`;
  const port = portClient(client);
  await port.connect();
  const producer = await port.initTransactions(`${output}-tx`);
  const reader = await portFetcher(client, input, LOOP_FETCH_RECORDS);
  const offsets = Array.from({ length: PARTITIONS }, () => 0);
  let transaction = producer.beginTransaction();
  let pending = 0;
  let processed = 0;
  let transactions = 0;
  let lastCommit = performance.now();
  const started = lastCommit;
  while (processed < RECORDS) {
    const records = await reader.read(offsets);
    // The transform: the value upper-cased into the output, to the input's partition.
    transaction.send(records.map((r) => ({ topic: output, partition: r.partition, key: r.key, value: Buffer.from(r.value!.toString("latin1").toUpperCase(), "latin1"), timestamp: r.timestamp })));
    pending += records.length;
    if (performance.now() - lastCommit >= 100 || processed + pending >= RECORDS) {
      transaction.sendOffsets(groupId, offsets.map((offset, partition) => ({ topic: input, partition, offset })));
      await transaction.commit();
      processed += pending;
      pending = 0;
      transactions++;
      transaction = producer.beginTransaction();
      lastCommit = performance.now();
    }
  }
  const ms = performance.now() - started;
  await producer.close();
  await reader.close();
  await port.close();
  report({ client, records: processed, ms, transactions, commitIntervalMs: 100 });
}

/** Records a partition per fetch in the loop: as many as weir's engine asks for (kafka-engine.ts FETCH_BATCH). */
const LOOP_FETCH_RECORDS = 2000;

// ---------------------------------------------------------------- main

function order(): Client[] {
  const runs: Client[] = [];
  for (let r = 0; r < ROUNDS; r++) runs.push(...CLIENTS);
  return runs;
}

try {
  if (benchmark === "consume" || benchmark === "fetch" || benchmark === "loop") {
    const input = values.topic ?? `weir-bench-in-${runId}-${VALUE_BYTES}b`;
    if (!values.topic) {
      const t0 = performance.now();
      await preload(input, RECORDS);
      console.error(`preloaded ${RECORDS} records into ${input} in ${Math.round(performance.now() - t0)} ms`);
    }
    for (const client of order()) {
      if (benchmark === "consume") {
        const ms = client === "kafkajs" ? await consumeKafkajs(input, RECORDS) : await consumePlatformatic(input, RECORDS);
        report({ client, records: RECORDS, ms });
      } else if (benchmark === "fetch") {
        const f = await portFetcher(client, input, FETCH_RECORDS);
        await f.fetchAll(Array.from({ length: PARTITIONS }, () => 0)); // connections and metadata off the clock
        const ms = await readAll(f, RECORDS);
        await f.close();
        report({ client, records: RECORDS, ms });
      } else {
        await loopRun(client, input);
      }
    }
  } else if (benchmark === "txproduce") {
    const sizes = values["per-transaction"] ? [Number(values["per-transaction"])] : [1000, 5000];
    for (const size of sizes) for (const client of order()) await produceRun(client, size);
  } else {
    console.error("usage: node --import tsx bench/clients/run.ts consume|fetch|txproduce|loop [--records N] [--value-bytes B] [--rounds R] [--only kafkajs|platformatic] [--topic T] [--fetch-records N] [--per-transaction N]");
    process.exitCode = 2;
  }
} finally {
  await admin.disconnect();
}
// platformatic keeps nothing open after close; kafkajs' cluster may keep a socket a moment.
process.exit(process.exitCode ?? 0);
