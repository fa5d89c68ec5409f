// Buffers a task's output records until the commit writes them, choosing each
// record's partition as Kafka's producer would (murmur2 of the key bytes; no
// key: round-robin), so the embedded and the Kafka engine place keys alike.
import { WeirRuntimeError } from "../errors.ts";
import type { ProducerRecord, RecordHeaders } from "./log-client.ts";
import { partitionForKey, RoundRobinPartitioner } from "./partitioner.ts";

export interface RecordCollector {
  /** `partitionKey`: the bytes that choose the partition, when not the key's (a windowed key is partitioned by its key alone). */
  send(topic: string, key: Buffer | null, value: Buffer | null, timestamp: number, headers?: RecordHeaders, partitionKey?: Buffer): void;
  /** Whether the topic is known to exist (a record sent to another is a bug). */
  knows(topic: string): boolean;
}

export class RecordCollectorImpl implements RecordCollector {
  private readonly buffer: ProducerRecord[] = [];
  private readonly roundRobin = new RoundRobinPartitioner();
  /** Where the record being processed started in the buffer, to drop its outputs if it fails. */
  private recordStart = 0;

  constructor(
    /** Partition counts of every topic the task writes to. */
    private readonly partitionsOf: (topic: string) => number | undefined,
  ) {}

  send(topic: string, key: Buffer | null, value: Buffer | null, timestamp: number, headers?: RecordHeaders, partitionKey?: Buffer): void {
    const partitions = this.partitionsOf(topic);
    if (partitions === undefined) throw new WeirRuntimeError(`no partition count known for topic "${topic}"`);
    const partitionBy = partitionKey ?? key;
    const partition = partitionBy === null ? this.roundRobin.partition(topic, partitions) : partitionForKey(partitionBy, partitions);
    this.buffer.push(headers ? { topic, partition, key, value, timestamp, headers } : { topic, partition, key, value, timestamp });
  }

  knows(topic: string): boolean {
    return this.partitionsOf(topic) !== undefined;
  }

  beginRecord(): void {
    this.recordStart = this.buffer.length;
  }

  /** Drops the outputs of the record being processed. */
  rollback(): void {
    this.buffer.length = this.recordStart;
  }

  get pending(): number {
    return this.buffer.length;
  }

  /** Everything sent since the last drain, in send order. */
  drain(): ProducerRecord[] {
    this.recordStart = 0;
    return this.buffer.splice(0);
  }

  /** Forgets unsent records (a task closed without committing). */
  clear(): void {
    this.buffer.length = 0;
    this.recordStart = 0;
  }
}
