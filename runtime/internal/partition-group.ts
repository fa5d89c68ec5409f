// A task's input partitions (one per source topic of its sub-topology) and the
// choice of which record to process next: the head record with the lowest
// timestamp, ties going to the partition whose topic the sub-topology lists
// first. Processing in timestamp order across topics is what makes a run
// deterministic (and, later, joins correct), as in Kafka Streams' PartitionGroup.
//
// A task waits while any of its partitions has nothing buffered but is not
// known to be at its end: choosing without that partition's head could pick a
// later record first. (Kafka Streams bounds this wait with max.task.idle.ms;
// on the embedded log the end is always known after one fetch.)
import { WeirRuntimeError } from "../errors.ts";
import type { LogRecord, TopicPartition } from "./log-client.ts";
import type { SourceRecord } from "./processors.ts";

export class RecordQueue {
  private buffer: LogRecord[] = [];
  private index = 0;
  private preparedHead: SourceRecord | undefined;
  /** The next offset to fetch. */
  fetchPosition: number;
  /** The next offset to process: last processed + 1, what a commit records. */
  consumedPosition: number;
  /** Whether the last fetch found the end of the partition. */
  caughtUp = false;

  constructor(
    readonly partition: TopicPartition,
    /** Rank of the topic among the sub-topology's sources: breaks timestamp ties. */
    readonly order: number,
    private readonly prepare: (raw: LogRecord) => SourceRecord,
    startOffset: number,
  ) {
    this.fetchPosition = startOffset;
    this.consumedPosition = startOffset;
  }

  get size(): number {
    return this.buffer.length - this.index;
  }

  /**
   * Adds fetched records; `nextOffset` is where the fetch ended (past markers
   * and gaps), `caughtUp` whether it reached the end of the partition.
   */
  add(records: readonly LogRecord[], caughtUp: boolean, nextOffset?: number): void {
    if (records.length > 0) {
      // Kafka offsets have gaps (transaction markers, aborted or compacted records), never steps back.
      if (records[0]!.offset < this.fetchPosition) {
        throw new WeirRuntimeError(`${this.partition.topic}-${this.partition.partition}: fetched offset ${records[0]!.offset}, expected ${this.fetchPosition} or later`);
      }
      this.buffer = this.index === this.buffer.length ? [...records] : this.buffer.slice(this.index).concat(records);
      this.index = 0;
      this.fetchPosition = records[records.length - 1]!.offset + 1;
    }
    if (nextOffset !== undefined && nextOffset > this.fetchPosition) this.fetchPosition = nextOffset;
    this.caughtUp = caughtUp;
  }

  head(): SourceRecord | undefined {
    if (this.preparedHead === undefined && this.index < this.buffer.length) {
      this.preparedHead = this.prepare(this.buffer[this.index]!);
    }
    return this.preparedHead;
  }

  poll(): SourceRecord {
    const head = this.head();
    if (head === undefined) throw new WeirRuntimeError(`${this.partition.topic}-${this.partition.partition}: poll on an empty queue`);
    this.preparedHead = undefined;
    this.index++;
    this.consumedPosition = head.raw.offset + 1;
    return head;
  }

  /** Drops buffered records and rewinds fetching to the last processed position. */
  reset(): void {
    this.buffer = [];
    this.index = 0;
    this.preparedHead = undefined;
    this.fetchPosition = this.consumedPosition;
    this.caughtUp = false;
  }
}

export class PartitionGroup {
  constructor(readonly queues: readonly RecordQueue[]) {}

  /** The next record in timestamp order, or undefined when none can be chosen yet. */
  next(): SourceRecord | undefined {
    let best: RecordQueue | undefined;
    let bestTimestamp = 0;
    for (const queue of this.queues) {
      const head = queue.head();
      if (head === undefined) {
        if (!queue.caughtUp) return undefined;
        continue;
      }
      const timestamp = head.kind === "record" ? head.record.timestamp : head.timestamp;
      if (best === undefined || timestamp < bestTimestamp || (timestamp === bestTimestamp && queue.order < best.order)) {
        best = queue;
        bestTimestamp = timestamp;
      }
    }
    return best?.poll();
  }

  get buffered(): number {
    let total = 0;
    for (const queue of this.queues) total += queue.size;
    return total;
  }
}
