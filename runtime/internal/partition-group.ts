// A task's input partitions (one per source topic of its sub-topology) and the
// choice of which record to process next: the head record with the lowest
// timestamp, ties going to the partition whose topic the sub-topology lists
// first. Processing in timestamp order across topics is what makes a run
// deterministic (and, later, joins correct), as in Kafka Streams' PartitionGroup.
//
// When a partition has nothing buffered, the task may go ahead without it
// (readiness(), Kafka Streams' PartitionGroup.readyToProcess):
//  - never while the partition is not known to be at its end (records are on
//    the log that were not fetched yet): choosing without its head could pick
//    a later record first;
//  - at once if nothing more will come to it in this run (`finished`);
//  - else, at its end, only after `maxTaskIdleMs` spent waiting for more
//    (max.task.idle.ms): a record written to it a moment later, with an
//    earlier timestamp, is still taken in order. Going ahead once the wait is
//    over is "enforced processing", counted.
// With maxTaskIdleMs 0 (the embedded engine, which knows when an end is
// final) a partition at its end never holds the others up.
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
  private endReached = false;
  private noMoreRecords = false;

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

  /** Whether the last fetch found the end of the partition (and no engine said that more is on its way: expectMore). */
  get caughtUp(): boolean {
    return this.endReached;
  }

  /** Whether no record will come to this partition in this run any more (markFinished). */
  get finished(): boolean {
    return this.noMoreRecords;
  }

  /** The engine knows that nothing more comes to this partition in this run (the Kafka engine: a drain run's source at the end it had at the start). */
  markFinished(): void {
    this.noMoreRecords = true;
  }

  /**
   * The end the last fetch found is not final: records are on their way (the
   * embedded engine knows: the tasks writing this repartition topic are not
   * idle), so the task waits for them as for a partition not at its end.
   */
  expectMore(): void {
    this.endReached = false;
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
    this.endReached = caughtUp;
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
    this.endReached = false;
    this.noMoreRecords = false;
  }
}

/** Whether a task can choose its next record now, and the empty partitions it stops waiting for now (enforced processing). */
export type Readiness = { readonly ready: false } | { readonly ready: true; readonly enforced: readonly RecordQueue[] };

export class PartitionGroup {
  /** The wait of each empty partition at its end: until when, and whether it was already given up (and counted). */
  private readonly idle = new Map<RecordQueue, { until: number; enforced: boolean }>();
  /** Times the task went ahead without an empty partition because the wait for it was over: once per partition and wait. */
  enforcedProcessing = 0;

  constructor(
    readonly queues: readonly RecordQueue[],
    /** How long to wait for an empty partition at its end before going ahead without it; 0: not at all. */
    private readonly maxTaskIdleMs = 0,
  ) {}

  /**
   * Whether a record can be chosen at time `now` (see the top of this file).
   * The wait for a partition starts the first time it holds the task up at its
   * end, and starts afresh only once it has had records: a fetch that leaves
   * the partition out of its response (not at its end, as far as it knows)
   * says nothing new about it and must not restart the wait.
   */
  readiness(now: number): Readiness {
    let buffered = false;
    let waiting = false;
    const idle: RecordQueue[] = [];
    for (const queue of this.queues) {
      if (queue.size > 0 || queue.finished) this.idle.delete(queue);
      if (queue.size > 0) buffered = true;
      else if (!queue.caughtUp) waiting = true;
      else if (!queue.finished && this.maxTaskIdleMs > 0) idle.push(queue);
    }
    if (!buffered || waiting) return { ready: false };
    const enforced: RecordQueue[] = [];
    for (const queue of idle) {
      let wait = this.idle.get(queue);
      if (wait === undefined) this.idle.set(queue, (wait = { until: now + this.maxTaskIdleMs, enforced: false }));
      if (now < wait.until) return { ready: false };
      if (!wait.enforced) enforced.push(queue);
    }
    return { ready: true, enforced };
  }

  /**
   * The next record in timestamp order, or undefined when none can be chosen
   * yet at time `now`. `onEnforced` hears of each partition the task stops waiting for.
   */
  next(now = 0, onEnforced?: (partition: RecordQueue, waitedMs: number) => void): SourceRecord | undefined {
    const readiness = this.readiness(now);
    if (!readiness.ready) return undefined;
    for (const queue of readiness.enforced) {
      this.idle.get(queue)!.enforced = true;
      this.enforcedProcessing++;
      onEnforced?.(queue, this.maxTaskIdleMs);
    }
    let best: RecordQueue | undefined;
    let bestTimestamp = 0;
    for (const queue of this.queues) {
      const head = queue.head();
      if (head === undefined) continue;
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
