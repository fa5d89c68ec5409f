// A task runs one sub-topology over one partition number of its source topics:
// task 1_2 reads partition 2 of sub-topology 1's sources and owns partition 2
// of its stores' changelogs. It processes records in timestamp order, keeps
// its outputs and store changes until the commit, and dead-letters records
// that cannot be decoded or whose processing throws, so that a bad record
// never stops the application nor half-applies its effects.
import type { SubTopology, Topology } from "../topology/graph.ts";
import { deadLetterValue } from "./dead-letters.ts";
import type { PartitionOffset, ProducerRecord, TopicPartition } from "./log-client.ts";
import { PartitionGroup, RecordQueue } from "./partition-group.ts";
import { PickedTopicError } from "../processors/sink.ts";
import { buildProcessors, decodeSourceRecord, describeError, NodeFailure, type SourceRecord } from "./processors.ts";
import type { Output } from "../processors/processor.ts";
import type { LogRecord } from "./log-client.ts";
import type { NamedCache, RecordCacheBudget } from "./record-cache.ts";
import { RecordCollectorImpl } from "./record-collector.ts";
import { StateManager, type RegisteredStore } from "./state-manager.ts";
import { StateMachine, type Transitions } from "./state-machine.ts";

export type TaskState = "CREATED" | "RESTORING" | "RUNNING" | "SUSPENDED" | "CLOSED";

/** For each state, the states it may be entered from (Kafka Streams' Task.State; tasks are not recycled). */
export const TASK_TRANSITIONS: Transitions<TaskState> = {
  CREATED: [],
  RESTORING: ["CREATED", "SUSPENDED"],
  RUNNING: ["RESTORING"],
  SUSPENDED: ["CREATED", "RESTORING", "RUNNING"],
  CLOSED: ["SUSPENDED"],
};

export interface TaskOptions {
  readonly topology: Topology;
  readonly subtopology: SubTopology;
  readonly partition: number;
  /** Where each input partition starts: its committed offset, or 0. */
  readonly startOffsets: ReadonlyMap<string, number>;
  readonly partitionsOf: (topic: string) => number | undefined;
  /**
   * How long the task waits for an input partition that is empty at its end
   * before it goes ahead without it (partition-group.ts). Default 0: the
   * embedded engine decides when an end is final itself.
   */
  readonly maxTaskIdleMs?: number;
  /** Hears of each input partition the task stopped waiting for (enforced processing). */
  readonly onEnforcedProcessing?: (task: string, partition: TopicPartition, waitedMs: number) => void;
  /** The run's record cache budget, shared by its tasks (record-cache.ts); absent: no caches. */
  readonly recordCache?: RecordCacheBudget;
}

/** What a task hands to a commit. */
export interface TaskCommit {
  readonly task: string;
  /** Output and dead-letter records, then changelog records. */
  readonly records: readonly ProducerRecord[];
  /** Positions to commit: the next offset to read of each input partition that moved. */
  readonly offsets: readonly PartitionOffset[];
  readonly processed: number;
  readonly deadLettered: number;
  /** Of the dead letters, records dropped because every window they fall in had closed. */
  readonly late: number;
  /** Output records per topic (sinks and repartition topics; not changelogs, not dead letters). */
  readonly outputs: ReadonlyMap<string, number>;
}

export function taskId(subtopology: number, partition: number): string {
  return `${subtopology}_${partition}`;
}

export class StreamTask {
  readonly id: string;
  readonly partition: number;
  readonly subtopologyId: number;
  private readonly state: StateMachine<TaskState>;
  private readonly topology: Topology;
  private readonly group: PartitionGroup;
  private readonly collector: RecordCollectorImpl;
  private readonly stores: StateManager;
  private readonly entries: Map<string, (record: SourceRecord & { kind: "record" }) => void>;
  private readonly committed = new Map<RecordQueue, number>();
  private processedSinceCommit = 0;
  private deadLetteredSinceCommit = 0;
  private lateSinceCommit = 0;
  /**
   * The highest timestamp of the records this task has processed (Kafka
   * Streams' stream time). Window and dedup stores keep it, so that a restarted
   * task closes windows, drops late records and forgets dedup keys exactly as
   * the first run would have.
   */
  private streamTime = Number.NEGATIVE_INFINITY;
  private readonly onEnforced: ((queue: RecordQueue, waitedMs: number) => void) | undefined;
  /** Why the record being processed is late, if a windowed aggregation found it so. */
  private lateRecord: { node: string; detail: string } | undefined;
  /** Why a node left the record being processed behind, if one did (ProcessorContext.leftBehind). */
  private leftRecord: { node: string; reason: string; detail: string } | undefined;
  private readonly cacheBudget: RecordCacheBudget | undefined;

  constructor(options: TaskOptions) {
    const { topology, subtopology, partition } = options;
    this.id = taskId(subtopology.id, partition);
    this.partition = partition;
    this.subtopologyId = subtopology.id;
    this.topology = topology;
    this.state = new StateMachine(`task ${this.id}`, TASK_TRANSITIONS, "CREATED");
    this.collector = new RecordCollectorImpl(options.partitionsOf);

    this.cacheBudget = options.recordCache;
    this.stores = new StateManager(this.id, subtopology.stores, partition, options.recordCache);
    const processors = buildProcessors(topology, subtopology, {
      collector: this.collector,
      store: (name) => this.stores.store(name),
      storeOfKind: (name, kind) => this.stores.storeOfKind(name, kind),
      recordCache: (name, rows) => this.stores.recordCache(name, rows),
      streamTime: () => this.streamTime,
      reservedTopics: () =>
        new Set([...topology.sourceTopics, ...topology.repartitionTopics, ...topology.stores.map((s) => s.changelogTopic), topology.deadLetterTopic]),
      late: (node, detail) => {
        this.lateRecord ??= { node, detail };
      },
      leftBehind: (node, reason, detail) => {
        this.leftRecord ??= { node, reason, detail };
      },
    });
    this.entries = new Map([...processors].map(([source, forward]) => [source, (r) => forward(r.record)]));

    // Ties in timestamp go to the sources in this order: tables first, so that a
    // table update and a stream record with one timestamp join as "update, then record".
    const sources = subtopology.nodes.filter((n) => n.kind === "source");
    const ranked = [...sources.filter((n) => n.store !== undefined), ...sources.filter((n) => n.store === undefined)];
    const queues = subtopology.nodes.flatMap((node) => {
      if (node.kind !== "source") return [];
      const order = ranked.indexOf(node);
      const start = options.startOffsets.get(`${node.topic}-${partition}`) ?? 0;
      return [new RecordQueue({ topic: node.topic, partition }, order, (raw) => decodeSourceRecord(node, raw), start)];
    });
    this.group = new PartitionGroup(queues, options.maxTaskIdleMs ?? 0);
    this.onEnforced = options.onEnforcedProcessing
      ? (queue, waitedMs) => options.onEnforcedProcessing!(this.id, queue.partition, waitedMs)
      : undefined;
    for (const queue of queues) this.committed.set(queue, queue.consumedPosition);
  }

  get currentState(): TaskState {
    return this.state.state;
  }

  get inputQueues(): readonly RecordQueue[] {
    return this.group.queues;
  }

  /** The stores to restore before processing, with their changelog partitions. */
  get changelogs(): RegisteredStore[] {
    return this.stores.changelogs;
  }

  startRestoring(): void {
    this.state.transitionTo("RESTORING");
  }

  completeRestoration(): void {
    this.streamTime = Math.max(this.streamTime, this.stores.restoredStreamTime);
    this.state.transitionTo("RUNNING");
  }

  get buffered(): number {
    return this.group.buffered;
  }

  /** Whether offsets moved or records wait to be written since the last commit. */
  get hasUncommittedWork(): boolean {
    return this.processedSinceCommit > 0;
  }

  /** Times the task went ahead without an input partition it had waited for (PartitionGroup.enforcedProcessing). */
  get enforcedProcessing(): number {
    return this.group.enforcedProcessing;
  }

  /** Processes up to `maxRecords` records in timestamp order; returns how many. `now` (ms) times the waits for empty partitions. */
  process(maxRecords: number, now = performance.now()): number {
    this.state.assertIn("process records", "RUNNING");
    let processed = 0;
    while (processed < maxRecords) {
      const next = this.group.next(now, this.onEnforced);
      if (next === undefined) break;
      processed++;
      if (next.kind === "dead-letter") {
        this.deadLetter(next, next.reason, next.node);
      } else {
        this.processOne(next);
      }
    }
    this.processedSinceCommit += processed;
    return processed;
  }

  private processOne(next: SourceRecord & { kind: "record" }): void {
    // Stream time moves with every record read, whatever becomes of it, as
    // in Kafka Streams; it is logged before the record starts, so a failure
    // of the record does not roll it back.
    if (next.record.timestamp > this.streamTime) {
      this.streamTime = next.record.timestamp;
      this.stores.recordStreamTime(this.streamTime);
    }
    for (const cache of this.stores.caches) cache.touched = false;
    this.runRecord(next.record.timestamp, () => this.entries.get(next.source)!(next), next);
    // Over budget: the caches this record put into flush (Kafka Streams'
    // ThreadCache evicts from the cache that was put into).
    if (this.cacheBudget?.over) this.evictWhileOver();
  }

  /**
   * Runs one record through the processors (a source's record, or a change a
   * cache flushes) as a unit: if a node fails, its changes to stores, caches
   * and outputs are undone and `source` is dead-lettered (a function: made
   * only then, as a flushed change has no input record to point to).
   */
  private runRecord(timestamp: number, run: () => void, source: SourceRecord | (() => SourceRecord)): void {
    this.stores.beginRecord(timestamp);
    this.collector.beginRecord();
    this.lateRecord = undefined;
    this.leftRecord = undefined;
    try {
      run();
    } catch (error) {
      // Anything else is a bug in weir, not in the record: let it stop the run
      // (nothing of this commit is written, so it will be redone).
      if (!(error instanceof NodeFailure)) throw error;
      this.stores.rollback();
      this.collector.rollback();
      const failed = typeof source === "function" ? source() : source;
      if (error.cause instanceof PickedTopicError) this.deadLetter(failed, error.cause.reason, error.node, error.cause.message);
      else this.deadLetter(failed, `processing failed: ${describeError(error.cause)}`, error.node);
      return;
    }
    // Set by the processors through the context, which TypeScript cannot see.
    const late = this.lateRecord as { node: string; detail: string } | undefined;
    const left = this.leftRecord as { node: string; reason: string; detail: string } | undefined;
    if (late) {
      this.deadLetter(typeof source === "function" ? source() : source, "late", late.node, late.detail);
      this.lateSinceCommit++;
    } else if (left) {
      this.deadLetter(typeof source === "function" ? source() : source, left.reason, left.node, left.detail);
    }
  }

  /** Flushes a cache's pending changes downstream, each as a record of its own. */
  private flushCache(cache: NamedCache): void {
    cache.touched = false;
    for (const change of cache.takeFlushed()) {
      this.runRecord(change.timestamp, () => cache.forwardFlushed(change), () => this.flushedSource(cache, change));
    }
  }

  /**
   * Flushes every cache of the task, until all are empty: a cache's changes
   * may go into caches downstream (an aggregation of a table's changes).
   */
  private flushCaches(): void {
    for (let flushed = true; flushed; ) {
      flushed = false;
      for (const cache of this.stores.caches) {
        if (cache.size === 0) continue;
        flushed = true;
        this.flushCache(cache);
      }
    }
  }

  /**
   * Evicts while the run's caches are over budget: a cache put into since the
   * record began flushes all its changes (its eldest is always pending: see
   * record-cache.ts); the caches downstream that the flush put into follow.
   * Caches of other tasks are left alone, as Kafka Streams leaves other named caches.
   */
  private evictWhileOver(): void {
    while (this.cacheBudget!.over) {
      const cache = this.stores.caches.find((c) => c.touched && c.size > 0);
      if (!cache) return;
      this.flushCache(cache);
    }
  }

  /**
   * What a flushed change that fails downstream is dead-lettered as: the
   * store's change as a record of its changelog (key and value as JSON text),
   * with offset -1, as it was never read from a topic.
   */
  private flushedSource(cache: NamedCache, change: Output): SourceRecord {
    const raw: LogRecord = {
      topic: this.stores.changelogOf(cache.name),
      partition: this.partition,
      offset: -1,
      key: Buffer.from(JSON.stringify(change.window ? [change.key, change.window.start] : change.key) ?? "null", "utf8"),
      value: change.value === null || change.value === undefined ? null : Buffer.from(JSON.stringify(change.value), "utf8"),
      timestamp: change.timestamp,
    };
    return { kind: "record", raw, source: cache.name, record: { key: change.key, value: change.value, timestamp: change.timestamp } };
  }

  private deadLetter(source: SourceRecord, reason: string, node: string | undefined, detail?: string): void {
    const { raw } = source;
    this.collector.send(this.topology.deadLetterTopic, raw.key, deadLetterValue(raw, reason, node, detail), raw.timestamp);
    this.deadLetteredSinceCommit++;
  }

  /**
   * Hands over what the next commit must write: the outputs and dead letters
   * collected, the store changes as changelog records (after the store's shape
   * record, in the first commit of a partition that has none), and the input
   * positions. The record caches are flushed first (GUIDE fact 11): their
   * changes go downstream and into the stores' changelogs in this commit.
   */
  prepareCommit(): TaskCommit {
    this.state.assertIn("prepare a commit", "RUNNING", "SUSPENDED");
    this.flushCaches();
    const records = this.collector.drain();
    const outputs = new Map<string, number>();
    for (const record of records) {
      if (record.topic !== this.topology.deadLetterTopic) outputs.set(record.topic, (outputs.get(record.topic) ?? 0) + 1);
    }
    this.stores.appendChangelogRecords(records);
    const offsets: PartitionOffset[] = [];
    for (const queue of this.group.queues) {
      if (queue.consumedPosition !== this.committed.get(queue)) offsets.push({ ...queue.partition, offset: queue.consumedPosition });
    }
    return {
      task: this.id,
      records,
      offsets,
      processed: this.processedSinceCommit,
      deadLettered: this.deadLetteredSinceCommit,
      late: this.lateSinceCommit,
      outputs,
    };
  }

  /** The commit succeeded: its offsets are now the task's committed positions. */
  postCommit(commit: TaskCommit): void {
    this.stores.postCommit();
    for (const queue of this.group.queues) {
      const moved = commit.offsets.find((o) => o.topic === queue.partition.topic);
      if (moved) this.committed.set(queue, moved.offset);
    }
    this.processedSinceCommit -= commit.processed;
    this.deadLetteredSinceCommit -= commit.deadLettered;
    this.lateSinceCommit -= commit.late;
  }

  /** Stops processing; a suspended task can still be committed. */
  suspend(): void {
    if (!this.state.is("SUSPENDED")) this.state.transitionTo("SUSPENDED");
  }

  /**
   * Closes the task. Unless `clean` (everything committed), its state and
   * buffered outputs are dropped: they may be ahead of the log, and whoever
   * runs the task next rebuilds them from the changelog.
   */
  close(clean: boolean): void {
    this.suspend();
    // Clean, they are empty (the commit flushed them); dirty, their changes were never committed.
    this.stores.dropCaches();
    if (!clean) {
      this.stores.clear();
      this.streamTime = Number.NEGATIVE_INFINITY;
      this.collector.clear();
      for (const queue of this.group.queues) queue.reset();
    }
    this.state.transitionTo("CLOSED");
  }
}
