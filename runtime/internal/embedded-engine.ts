// The engine loop: prepare topics, fence earlier instances, restore state,
// then fetch → process → commit until drained (or, in follow mode, stopped).
// It speaks to the log only through LogClient, so that the same loop and the
// same commit protocol run over the embedded SQLite log and its tests.
import type { Engine, RunOptions, RunSummary, StoreRestoration } from "../engine.ts";
import { EngineStateError } from "../errors.ts";
import type { Topology } from "../topology.ts";
import { StoreChangelogReader } from "./changelog-reader.ts";
import type { LogClient, TopicPartition, TransactionalProducer } from "./log-client.ts";
import { CommitTally, Pause } from "./commit-tally.ts";
import { StateMachine, type Transitions } from "./state-machine.ts";
import { StreamTask, type TaskCommit } from "./task.ts";
import { prepareTopics, refreshPickableTopics, type TopicPlan } from "./topic-manager.ts";

/** Records fetched per input partition at a time. */
const FETCH_BATCH = 500;
/** Records a task processes before the loop looks at the clock, the other tasks and stop requests. */
const ROUND_BATCH = 500;

const DEFAULT_COMMIT_INTERVAL_MS = 100;
const DEFAULT_POLL_INTERVAL_MS = 50;

export type EngineState = "IDLE" | "STARTING" | "RUNNING" | "STOPPING" | "CLOSED";

/** An engine runs one topology at a time, any number of times, until closed. */
export const ENGINE_TRANSITIONS: Transitions<EngineState> = {
  IDLE: ["STOPPING"],
  STARTING: ["IDLE"],
  RUNNING: ["STARTING"],
  STOPPING: ["STARTING", "RUNNING"],
  CLOSED: ["IDLE"],
};

export interface EmbeddedEngineOptions {
  /** How to tell the user to create a missing source topic. */
  readonly missingSourceHint?: (topic: string) => string;
  /** Releases what the engine owns (the database), once closed. */
  readonly onClose?: () => void;
}

export class EmbeddedEngineImpl implements Engine {
  private readonly state = new StateMachine<EngineState>("engine", ENGINE_TRANSITIONS, "IDLE");
  private current: TopologyRun | undefined;

  constructor(
    private readonly log: LogClient,
    private readonly options: EmbeddedEngineOptions = {},
  ) {}

  get engineState(): EngineState {
    return this.state.state;
  }

  async run(topology: Topology, options: RunOptions = {}): Promise<RunSummary> {
    if (this.state.is("CLOSED")) throw new EngineStateError("the engine is closed");
    if (!this.state.is("IDLE")) throw new EngineStateError(`the engine is already running ${this.current?.application}`);
    this.state.transitionTo("STARTING");
    const run = new TopologyRun(this.log, topology, options, this.options.missingSourceHint ?? defaultHint, () => {
      this.state.transitionTo("RUNNING");
    });
    this.current = run;
    try {
      return await run.execute();
    } finally {
      this.state.transitionTo("STOPPING");
      this.current = undefined;
      this.state.transitionTo("IDLE");
    }
  }

  async close(): Promise<void> {
    if (this.state.is("CLOSED")) return;
    const run = this.current;
    if (run) {
      run.requestStop();
      await run.finished.catch(() => {});
    }
    this.state.transitionTo("CLOSED");
    this.options.onClose?.();
  }
}

function defaultHint(topic: string): string {
  return `create it first (weir produce ${topic})`;
}

/** One run of one topology: its tasks, its producer, its counters. */
class TopologyRun {
  readonly application: string;
  readonly finished: Promise<void>;
  private resolveFinished!: () => void;
  private stopRequested = false;
  private readonly pause = new Pause();

  private producer!: TransactionalProducer;
  private plan!: TopicPlan;
  private tasks: StreamTask[] = [];

  private readonly commitIntervalMs: number;
  private readonly maxRecordsPerCommit: number;
  private readonly tally = new CommitTally();
  private recordsSinceCommit = 0;
  private lastCommit = 0;

  constructor(
    private readonly log: LogClient,
    private readonly topology: Topology,
    private readonly options: RunOptions,
    private readonly missingSourceHint: (topic: string) => string,
    private readonly onRunning: () => void,
  ) {
    this.application = topology.application;
    this.commitIntervalMs = options.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS;
    this.maxRecordsPerCommit = options.maxRecordsPerCommit ?? Number.POSITIVE_INFINITY;
    if (!(this.commitIntervalMs >= 0)) throw new EngineStateError(`commitIntervalMs must be >= 0, not ${options.commitIntervalMs}`);
    if (!(this.maxRecordsPerCommit >= 1)) throw new EngineStateError(`maxRecordsPerCommit must be >= 1, not ${options.maxRecordsPerCommit}`);
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    options.signal?.addEventListener("abort", this.onAbort, { once: true });
    if (options.signal?.aborted) this.stopRequested = true;
  }

  private readonly onAbort = (): void => this.requestStop();

  requestStop(): void {
    this.stopRequested = true;
    this.pause.wake();
  }

  async execute(): Promise<RunSummary> {
    const started = performance.now();
    try {
      const restored = await this.start();
      this.onRunning();
      const stoppedBy = await this.loop();
      for (const task of this.tasks) task.close(true);
      return {
        application: this.application,
        recordsProcessed: this.tally.recordsProcessed,
        outputs: { ...this.tally.outputs },
        deadLettered: this.tally.deadLettered,
        lateRecords: this.tally.lateRecords,
        commits: this.tally.commits,
        restored,
        durationMs: performance.now() - started,
        stoppedBy,
      };
    } catch (error) {
      // Whatever was not committed is dropped with the tasks' state; the next
      // run restores from the changelog and reprocesses from the last commit.
      for (const task of this.tasks) if (task.currentState !== "CLOSED") task.close(false);
      throw error;
    } finally {
      this.options.signal?.removeEventListener("abort", this.onAbort);
      this.resolveFinished();
    }
  }

  /** Topics, fencing, tasks, restoration, in that order. */
  private async start(): Promise<StoreRestoration[]> {
    this.plan = await prepareTopics(this.topology, this.log, this.missingSourceHint);
    // Fence any earlier instance before reading the changelogs, so that they
    // cannot grow while being restored (GUIDE, exactly-once fact 2).
    this.producer = await this.log.initTransactions(this.application);

    const inputs: TopicPartition[] = [];
    for (const sub of this.topology.subtopologies) {
      for (let partition = 0; partition < this.plan.tasks.get(sub.id)!; partition++) {
        for (const topic of sub.sourceTopics) inputs.push({ topic, partition });
      }
    }
    // A new application starts at offset 0 of its inputs; a known one where it last committed.
    const committed = await this.log.committedOffsets(this.application, inputs);
    const startOffsets = new Map(inputs.map((tp, i) => [`${tp.topic}-${tp.partition}`, committed[i] ?? 0]));

    for (const sub of this.topology.subtopologies) {
      for (let partition = 0; partition < this.plan.tasks.get(sub.id)!; partition++) {
        this.tasks.push(
          new StreamTask({
            topology: this.topology,
            subtopology: sub,
            partition,
            startOffsets,
            partitionsOf: (topic) => this.plan.partitions.get(topic) ?? this.plan.pickable.get(topic),
          }),
        );
      }
    }

    const reader = new StoreChangelogReader(this.log, this.options.logger);
    for (const task of this.tasks) {
      task.startRestoring();
      for (const { store, changelog } of task.changelogs) reader.register(store, changelog);
    }
    const results = await reader.restore();
    for (const task of this.tasks) task.completeRestoration();

    return this.topology.stores.map((store) => {
      const mine = results.filter((r) => r.changelog.topic === store.changelogTopic);
      return {
        store: store.name,
        changelogTopic: store.changelogTopic,
        records: mine.reduce((sum, r) => sum + r.records, 0),
        durationMs: mine.reduce((sum, r) => sum + r.durationMs, 0),
      };
    });
  }

  private async loop(): Promise<RunSummary["stoppedBy"]> {
    this.lastCommit = performance.now();
    for (;;) {
      await this.fetch();
      let processed = 0;
      const commitsBefore = this.tally.commits;
      for (const task of this.tasks) {
        if (this.stopRequested) break;
        const count = task.process(Math.min(ROUND_BATCH, this.maxRecordsPerCommit - this.recordsSinceCommit));
        processed += count;
        this.recordsSinceCommit += count;
        if (this.commitDue()) await this.commit();
      }
      if (this.stopRequested) {
        if (this.hasUncommittedWork()) await this.commit();
        this.options.logger?.(`stopped after ${this.tally.commits} commit(s)`);
        return "closed";
      }
      // A commit in this round may have written repartition records that the
      // fetch above could not see yet: fetch again before calling it drained.
      if (processed > 0 || this.tally.commits > commitsBefore) {
        // Let timers, signals and I/O callbacks run (an abort, a SIGTERM handler).
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      // Nothing could be processed. Uncommitted work first: committing makes
      // this run's repartition records visible to the tasks downstream.
      if (this.hasUncommittedWork()) {
        await this.commit();
        continue;
      }
      if (!this.options.follow) return "drained";
      await this.sleep(this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
    }
  }

  private hasUncommittedWork(): boolean {
    return this.tasks.some((task) => task.hasUncommittedWork);
  }

  private commitDue(): boolean {
    if (!this.hasUncommittedWork()) return false;
    return this.recordsSinceCommit >= this.maxRecordsPerCommit || performance.now() - this.lastCommit >= this.commitIntervalMs;
  }

  /** Tops up every input partition whose buffer is empty. */
  private async fetch(): Promise<void> {
    for (const task of this.tasks) {
      for (const queue of task.inputQueues) {
        if (queue.size > 0) continue;
        const fetched = await this.log.fetch(queue.partition, queue.fetchPosition, FETCH_BATCH);
        queue.add(fetched.records, fetched.atEnd, fetched.nextOffset);
      }
    }
    // The end of a repartition topic is its end for good only once the tasks
    // writing it have nothing left to write: until then, a task that reads it
    // beside another input (a join after a rekey) waits rather than run ahead
    // on the other input, so that records meet in timestamp order (Kafka
    // Streams' max.task.idle.ms, with the wait known to be enough).
    for (const task of this.tasks) {
      for (const queue of task.inputQueues) {
        // Also with records buffered: once they are processed, the queue must not look finished.
        if (queue.caughtUp && this.repartitionWriters.has(queue.partition.topic) && !this.cyclicTopics.has(queue.partition.topic)) {
          if (!this.writersIdle(queue.partition.topic, new Set())) queue.expectMore();
        }
      }
    }
  }

  private get repartitionWriters(): Map<string, number> {
    const writers = new Map<string, number>();
    for (const sub of this.topology.subtopologies) {
      for (const node of sub.nodes) if (node.kind === "sink" && node.internal) writers.set(node.topic!, sub.id);
    }
    return writers;
  }

  /**
   * Repartition topics on a cycle of sub-topologies (a foreign-key join's
   * subscription and response topics: each side waits for the other). A task
   * does not wait at the end of one for its writers, which may be waiting for
   * it: it reads what is there and the round trip goes on in the next rounds
   * (the join drops responses that arrive for an older row).
   */
  private get cyclicTopics(): Set<string> {
    if (this.cyclic) return this.cyclic;
    const writers = this.repartitionWriters;
    const readers = new Map<number, string[]>();
    for (const sub of this.topology.subtopologies) readers.set(sub.id, sub.sourceTopics.filter((t) => writers.has(t)));
    // The sub-topologies whose output reaches `from` through repartition topics.
    const feeds = (from: number, target: number, seen: Set<number>): boolean => {
      if (seen.has(from)) return false;
      seen.add(from);
      return (readers.get(from) ?? []).some((topic) => writers.get(topic) === target || feeds(writers.get(topic)!, target, seen));
    };
    this.cyclic = new Set();
    for (const sub of this.topology.subtopologies) {
      for (const topic of readers.get(sub.id) ?? []) {
        const writer = writers.get(topic)!;
        // The topic's writer reads (through repartition topics) what this sub-topology writes.
        if (writer === sub.id || feeds(writer, sub.id, new Set())) this.cyclic.add(topic);
      }
    }
    return this.cyclic;
  }

  private cyclic: Set<string> | undefined;

  /** Whether every task writing the repartition topic has read all its inputs and committed. */
  private writersIdle(topic: string, seen: Set<string>): boolean {
    if (seen.has(topic)) return true;
    seen.add(topic);
    const writer = this.repartitionWriters.get(topic);
    const writerTasks = this.tasks.filter((task) => task.subtopologyId === writer);
    return writerTasks.every(
      (task) =>
        !task.hasUncommittedWork &&
        task.buffered === 0 &&
        task.inputQueues.every((q) => q.caughtUp && (!this.repartitionWriters.has(q.partition.topic) || this.writersIdle(q.partition.topic, seen))),
    );
  }

  /**
   * Commits the work of every task in one transaction. The steps, in order:
   *
   *  1. Flush each task. There is no record cache to flush first (every store
   *     change is emitted downstream when it happens), so this hands over the
   *     output and dead-letter records it collected, its stores' changes as
   *     changelog records, and its input positions: for each input partition
   *     that moved, the next offset to read, i.e. last processed + 1.
   *  2. Begin a transaction on the application's producer.
   *  3. Send the output, dead-letter and changelog records.
   *  4. Send the input positions as the offsets of the consumer group named
   *     after the application.
   *  5. Commit. On the embedded log, steps 2-5 are one SQLite transaction that
   *     first checks that no newer instance has fenced this one. A process
   *     killed before it ends leaves no trace of this commit: the next run
   *     restores the stores from the changelog as of the previous commit and
   *     reprocesses from that commit's offsets, producing the same records.
   *  6. Tell each task that its positions are committed. There is no
   *     checkpoint file to write: changelogs live in the same database and
   *     are restored from their start.
   *
   * If step 5 throws, the tasks' in-memory state is ahead of the log: the run
   * fails and closes them dirty (execute's catch).
   */
  private async commit(): Promise<void> {
    const started = performance.now();
    const taskCommits: TaskCommit[] = this.tasks.map((task) => task.prepareCommit());

    const transaction = this.producer.beginTransaction();
    for (const taskCommit of taskCommits) transaction.send(taskCommit.records);
    transaction.sendOffsets(this.application, taskCommits.flatMap((c) => c.offsets));
    await transaction.commit();
    // Topics created since the last commit become usable by sinks that pick their topic per record.
    await refreshPickableTopics(this.topology, this.log, this.plan);

    this.tasks.forEach((task, i) => task.postCommit(taskCommits[i]!));
    this.recordsSinceCommit = 0;
    this.lastCommit = performance.now();
    const commit = this.tally.add(taskCommits, this.lastCommit - started);
    this.options.onCommit?.(commit);
  }

  /** Waits for new records, or less if stopped. */
  private async sleep(ms: number): Promise<void> {
    if (!this.stopRequested) await this.pause.sleep(ms);
  }
}
