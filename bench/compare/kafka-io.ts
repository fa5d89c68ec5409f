// The harness's own Kafka clients (kafkajs, as weir's tests use): topics,
// preloading, producing at a fixed rate, and the read_committed consumer that
// decides when a run has produced its final results and how late each output
// record became visible.
import { Kafka, logLevel, Partitioners, type Consumer, type Producer } from "kafkajs";
import type { InputRecord, Model, Workload } from "./workloads.ts";
import { PARTITIONS } from "./workloads.ts";

export class BenchKafka {
  readonly kafka: Kafka;
  private producer?: Producer;

  constructor(readonly brokers: readonly string[]) {
    this.kafka = new Kafka({ clientId: "weir-bench", brokers: [...brokers], logLevel: logLevel.NOTHING, retry: { initialRetryTime: 50, retries: 10 } });
  }

  async createTopics(names: readonly string[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: names.map((topic) => ({ topic, numPartitions: PARTITIONS })), waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  }

  async deleteTopics(prefix: string): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      if (topics.length > 0) await admin.deleteTopics({ topics });
    } finally {
      await admin.disconnect();
    }
  }

  private async getProducer(): Promise<Producer> {
    if (!this.producer) {
      this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
      await this.producer.connect();
    }
    return this.producer;
  }

  /** Writes records in order (topic names mapped by `topicOf`). */
  async send(records: readonly InputRecord[], topicOf: (logical: string) => string): Promise<void> {
    const producer = await this.getProducer();
    const batches: InputRecord[][] = [];
    for (let i = 0; i < records.length; i += 5000) batches.push(records.slice(i, i + 5000));
    // One batch at a time: batches in flight together may land in any order,
    // and timestamps going back within a partition make revenue's orders
    // late (dropped by both systems, as they should be).
    for (const batch of batches) {
      await producer.sendBatch({
        acks: -1,
        topicMessages: groupByTopic(batch).map(([topic, list]) => ({
          topic: topicOf(topic),
          messages: list.map((r) => ({ key: r.key, value: r.value, timestamp: String(r.timestamp), ...(r.partition === undefined ? {} : { partition: r.partition }) })),
        })),
      });
    }
  }

  /**
   * Produces the workload's stream at `rate` records/s for `durationMs`,
   * each record stamped with the wall clock when it is handed to the client
   * (so latency includes the produce path). Returns how many were sent.
   */
  async produceAtRate(workload: Workload, model: Model, firstIndex: number, rate: number, durationMs: number, topicOf: (logical: string) => string): Promise<number> {
    const started = Date.now();
    let sent = 0;
    for (;;) {
      const elapsed = Date.now() - started;
      if (elapsed >= durationMs) break;
      const due = Math.floor((rate * elapsed) / 1000);
      if (due > sent) {
        const now = Date.now();
        const batch: InputRecord[] = [];
        for (let i = sent; i < due; i++) {
          const record = workload.record(firstIndex + i, now);
          model.add(record);
          batch.push(record);
        }
        sent = due;
        await this.send(batch, topicOf);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return sent;
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
  }
}

function groupByTopic(records: readonly InputRecord[]): [string, InputRecord[]][] {
  const byTopic = new Map<string, InputRecord[]>();
  for (const record of records) {
    const list = byTopic.get(record.topic) ?? [];
    list.push(record);
    byTopic.set(record.topic, list);
  }
  return [...byTopic];
}

export interface WatchOutcome {
  /** Wall-clock time (ms) the consumer saw the record that completed the results. */
  readonly doneAt: number;
  readonly firstOutputAt: number;
  readonly outputRecords: number;
}

/**
 * Reads an output topic read_committed from the beginning, keeps the latest
 * value of each result key, and finishes when they equal the model's expected
 * results — no key missing, none extra, none different.
 */
export class OutputWatcher {
  private readonly latest = new Map<string, string>();
  private consumer?: Consumer;
  private lastChangeAt = 0;
  private firstOutputAt = 0;
  private records = 0;
  private crashed?: Error;
  /** Visible time − record timestamp of each output record stamped at or after this. */
  measureFrom = Number.POSITIVE_INFINITY;
  readonly latencies: number[] = [];

  constructor(private readonly bench: BenchKafka, private readonly topic: string, private readonly workload: Workload) {}

  async start(): Promise<void> {
    const consumer = this.bench.kafka.consumer({
      groupId: `${this.topic}-watcher`,
      maxWaitTimeInMs: 50,
      readUncommitted: false,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    consumer.on(consumer.events.CRASH, (event) => {
      this.crashed = event.payload.error;
    });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const visible = Date.now();
        for (const message of batch.messages) {
          const key = message.key?.toString() ?? "";
          const value = message.value?.toString() ?? "null";
          const [resultKey, canonical] = this.workload.canonical(key, value);
          this.latest.set(resultKey, canonical);
          const timestamp = Number(message.timestamp);
          if (timestamp >= this.measureFrom) this.latencies.push(visible - timestamp);
        }
        this.records += batch.messages.length;
        if (batch.messages.length > 0) {
          this.lastChangeAt = visible;
          if (this.firstOutputAt === 0) this.firstOutputAt = visible;
        }
      },
    });
    await joined;
  }

  /**
   * Waits until the output equals `model.expected`; throws with a summary of
   * the difference once no output has arrived for `idleMs` (a stalled or
   * wrong run: a right one keeps producing until it is done).
   */
  async waitDone(model: Model, idleMs: number): Promise<WatchOutcome> {
    const waitingSince = Date.now();
    for (;;) {
      if (this.crashed) throw new Error(`the output consumer failed: ${this.crashed.message}`);
      const seenAt = this.lastChangeAt;
      if (this.matches(model.expected)) return { doneAt: seenAt, firstOutputAt: this.firstOutputAt, outputRecords: this.records };
      if (Date.now() - Math.max(seenAt, waitingSince) > idleMs) throw new Error(`wrong or incomplete results, no output for ${Math.round(idleMs / 1000)} s: ${this.difference(model.expected)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  get outputRecords(): number {
    return this.records;
  }

  private matches(expected: ReadonlyMap<string, string>): boolean {
    if (this.latest.size !== expected.size) return false;
    for (const [key, value] of expected) if (this.latest.get(key) !== value) return false;
    return true;
  }

  private difference(expected: ReadonlyMap<string, string>): string {
    let missing = 0;
    let wrong = 0;
    let example = "";
    for (const [key, value] of expected) {
      const seen = this.latest.get(key);
      if (seen === undefined) missing++;
      else if (seen !== value) {
        wrong++;
        example ||= `${key}: expected ${value}, saw ${seen}`;
      }
    }
    const extra = [...this.latest.keys()].filter((key) => !expected.has(key)).length;
    return `${expected.size} results expected, ${missing} missing, ${wrong} different, ${extra} unexpected (${this.records} output records read)${example ? `; e.g. ${example}` : ""}`;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
