// Shared by the tests that run against the real broker (npm run kafka:start).
// They FAIL, never skip, when it does not answer.
import { randomUUID } from "node:crypto";
import { Kafka, logLevel, Partitioners, type Admin, type Producer } from "kafkajs";
import { formats } from "../../runtime/formats.ts";
import { KafkaLogClientImpl } from "../../runtime/internal/kafka-log-client-impl.ts";
import { defineTopology } from "../../runtime/topology/dsl.ts";
import type { Topology } from "../../runtime/topology/graph.ts";
import { splitWords } from "../runtime/fixtures/wordcount.ts";

export const BROKERS = (process.env.WEIR_TEST_BROKERS ?? "127.0.0.1:9092")
  .split(",")
  .map((b) => b.trim())
  .filter(Boolean);

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
}

export interface Broker {
  readonly admin: Admin;
  readonly producer: Producer;
  /** A read_committed reader (weir's own fetcher, over kafkajs' Fetch and Batch). */
  readonly reader: KafkaLogClientImpl;
  close(): Promise<void>;
}

/** Clients of the shared test broker (or of `brokers`: a test's private one, test/kafka/private-broker.ts). */
export async function connectBroker(brokers: readonly string[] = BROKERS): Promise<Broker> {
  const probe = new Kafka({ clientId: "weir-test-probe", brokers: [...brokers], connectionTimeout: 2000, requestTimeout: 5000, retry: { retries: 1 }, logLevel: logLevel.NOTHING }).admin();
  try {
    await probe.connect();
    await probe.listTopics();
  } catch (error) {
    throw new Error(
      `Kafka broker not reachable at ${brokers.join(",")}: run \`npm run kafka:start\` (or set WEIR_TEST_BROKERS). Cause: ${(error as Error).message}`,
    );
  } finally {
    await probe.disconnect().catch(() => {});
  }
  const kafka = new Kafka({ clientId: "weir-test", brokers: [...brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  // Idempotent: a send retried after a timeout (a loaded machine) must not write
  // its lines twice, or a test would count words its input does not have.
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const reader = new KafkaLogClientImpl({ brokers, clientId: "weir-test-reader", transactionTimeoutMs: 60_000, retryInitialMs: 10 });
  await reader.connect();
  return {
    admin,
    producer,
    reader,
    async close() {
      await producer.disconnect().catch(() => {});
      await admin.disconnect().catch(() => {});
      await reader.close();
    },
  };
}

export async function createTopic(broker: Broker, topic: string, partitions: number): Promise<void> {
  await broker.admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
}

/**
 * Record timestamps of the test data: recent ones. The broker's time-based
 * retention (log.retention.hours) and segment rolling (segment.ms) go by the
 * records' timestamps: with timestamps of January 1970 (as 1000 + N once
 * were) every batch rolled a segment and the next retention check deleted the
 * input, repartition and output records of a test still running, so a run
 * read fewer records than produced and the counts came out lower.
 */
const BASE_TIMESTAMP = Date.now();

/** Produces lines of text, keyed line-N (so spread over partitions by key), timestamps BASE_TIMESTAMP + N. */
export async function produceLines(broker: Broker, topic: string, lines: readonly string[], first = 0): Promise<void> {
  await broker.producer.send({
    topic,
    acks: -1,
    messages: lines.map((value, i) => ({ key: `line-${first + i}`, value, timestamp: String(BASE_TIMESTAMP + first + i) })),
  });
}

export interface ReadRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly timestamp: number;
  /** Only on records that have headers. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Every committed record of a topic (read_committed), partition by partition.
 * A commit returns once the transaction coordinator has decided it; the
 * markers that make its records readable follow shortly after. So first wait
 * until no transaction is pending on the topic (last stable offset = high
 * watermark): the tests read after their writers finished.
 */
export async function readCommitted(broker: Broker, topic: string): Promise<ReadRecord[]> {
  const metadata = await broker.reader.topic(topic);
  if (!metadata) throw new Error(`topic ${topic} does not exist`);
  const partitions = [...Array(metadata.partitions).keys()].map((partition) => ({ topic, partition }));
  for (let attempt = 0; ; attempt++) {
    const stable = await broker.reader.endOffsets(partitions);
    const high = (await broker.admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((p) => Number(p.high));
    if (stable.every((offset, i) => offset === high[i])) break;
    if (attempt >= 200) throw new Error(`${topic}: a transaction stays open (last stable offsets ${stable}, high watermarks ${high})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const records: ReadRecord[] = [];
  for (let partition = 0; partition < metadata.partitions; partition++) {
    const [end] = await broker.reader.endOffsets([{ topic, partition }]);
    let position = 0;
    while (position < end!) {
      const fetched = await broker.reader.fetch({ topic, partition }, position, 5000);
      for (const r of fetched.records) {
        const record = { partition, offset: r.offset, key: r.key?.toString("utf8") ?? null, value: r.value?.toString("utf8") ?? null, timestamp: r.timestamp };
        records.push(r.headers ? { ...record, headers: r.headers } : record);
      }
      if (fetched.nextOffset <= position) throw new Error(`${topic}-${partition} stuck at ${position} before ${end}`);
      position = fetched.nextOffset;
    }
  }
  return records;
}

/** The high watermark of every partition summed: every record written, committed, aborted or marker. */
export async function writtenOffsets(broker: Broker, topic: string): Promise<number> {
  const offsets = await broker.admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

/** The wordcount topology of test/runtime/fixtures, over topics of the test's own. */
export function wordcount(application: string, input: string, output: string): Topology {
  return defineTopology(application, (builder) => {
    builder
      .stream("lines", { topic: input, key: formats.string(), value: formats.string() })
      .flatMapValues("split", (record) => splitWords(record.value))
      .selectKey("by-word", (record) => record.value)
      .repartition("words")
      .aggregate("count", { store: "counts", initializer: () => 0, adder: (count: number) => count + 1 })
      .to("sink", { topic: output, key: formats.string(), value: formats.json<number>() });
  });
}

/** Each word's counts in output order (a word's records are all in one partition). */
export function countsByWord(records: readonly ReadRecord[]): Map<string, number[]> {
  const sequences = new Map<string, number[]>();
  for (const record of records) {
    const sequence = sequences.get(record.key!) ?? [];
    sequence.push(JSON.parse(record.value!) as number);
    sequences.set(record.key!, sequence);
  }
  return sequences;
}
