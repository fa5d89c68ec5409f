// One run of one topology, whatever the engine: the engine's strategy starts
// the tasks, then the loop fetches → processes → commits when due, round after
// round, until the tasks are drained (or, in follow mode, the run is stopped),
// and commits what is left. The loop counts what was committed (CommitTally)
// and what was restored, and sleeps in a Pause that a stop request ends.
//
// What is the engine's own is its RunStrategy: how the tasks start (embedded:
// topics, fencing, every task, restoration; Kafka: the tasks the consumer
// group gives this instance, and rebalances), how records are fetched, how a
// commit is made (the commit protocol, written step by step where each engine
// performs it: embedded-engine.ts, kafka-engine.ts), when a run is drained,
// and the Kafka engine's hooks (a rebalance before a round, a round cut short
// for one, tasks lost with the group, a broker outage ridden out, an idle
// round that says the outage is over).
import type { RunOptions, RunSummary, StoreRestoration } from "../engine.ts";
import { EngineStateError } from "../errors.ts";
import type { SubTopology, Topology } from "../topology/graph.ts";
import { StoreChangelogReader } from "./changelog-reader.ts";
import { CommitTally, Pause } from "./commit-tally.ts";
import { RecordCacheBudget } from "./record-cache.ts";
import { DeadLetterLog } from "./dead-letters.ts";
import type { LogClient } from "./log-client.ts";
import { StreamTask, type TaskCommit, type TaskOptions } from "./task.ts";
import type { TopicPlan } from "./topic-manager.ts";
import { settingsTable } from "../settings.ts";

/** Records a task processes before the loop looks at the clock, the other tasks and stop requests. */
const ROUND_BATCH = 500;

/**
 * A run that does not follow and is not drained yet (Kafka: transaction
 * markers still being written, or the group's other instances still busy)
 * looks again after this long.
 */
const DRAIN_POLL_MS = 5;

/** A task to start: one sub-topology over one partition number of its sources. */
export interface TaskToStart {
  readonly subtopology: SubTopology;
  readonly partition: number;
}

/** What a strategy may use of the run it is part of. */
export interface RunContext {
  readonly topology: Topology;
  readonly application: string;
  readonly options: RunOptions;
  /** A stop was asked for (the run's signal, or the engine closing). */
  readonly stopRequested: boolean;
  /** Whether any of the strategy's tasks has work to commit. */
  hasUncommittedWork(): boolean;
  /** Waits `ms`, or less if the run is stopped meanwhile. */
  sleep(ms: number): Promise<void>;
  /**
   * Creates these tasks at the committed positions of their inputs and
   * restores their stores, counting what was restored for the summary. An
   * engine that fences does so before (GUIDE fact 2): then neither the
   * offsets nor the changelogs can move while they are read.
   */
  startTasks(
    plan: TopicPlan,
    tasks: readonly TaskToStart[],
    options?: Pick<TaskOptions, "maxTaskIdleMs" | "onEnforcedProcessing">,
  ): Promise<StreamTask[]>;
  /**
   * Reports a commit of these tasks' work, begun at `started`
   * (performance.now()), once it is durable: the commit interval starts
   * again, the commit is counted, and the run's onCommit hears of it.
   */
  committed(taskCommits: readonly TaskCommit[], started: number): void;
}

/** The engine's part of a run (see the top of this file). */
export interface RunStrategy {
  /** Gets the run's first tasks running; the RunContext's startTasks does the common part. */
  start(): Promise<void>;
  /** The tasks this instance runs now, in the order they are processed (a copy where a commit may close some). */
  tasks(): readonly StreamTask[];
  /** Tops up the input partitions whose buffers are empty. */
  fetch(): Promise<void>;
  /** Commits the tasks' work by the engine's commit protocol, and reports it (RunContext.committed). */
  commit(): Promise<void>;
  /** A run that does not follow, with nothing left to process or commit: whether it is over. */
  drained(): Promise<boolean>;
  /** Times tasks went ahead without an empty input (enforced processing), for the summary; absent: the engine never does. */
  readonly enforcedProcessing?: number;

  // Hooks the Kafka engine needs; the embedded engine has none of them.
  /** Before each round (Kafka: the rebalance the group asked for). */
  beforeRound?(): Promise<void>;
  /** Whether the round must end at once, leaving the rest of its tasks unprocessed (Kafka: a rebalance waits for this member). */
  roundCutShort?(): boolean;
  /** On a stop: if the tasks are no longer this run's to commit, closes them without committing and says so (Kafka: dropped from the group). */
  closeLostTasks?(): Promise<boolean>;
  /** A round failed: returns once the run can go on (Kafka: a broker outage ridden out), or throws. */
  recover?(error: unknown): Promise<void>;
  /**
   * A round found nothing to process and nothing to commit (and a run that
   * drains is not drained yet): the run is healthy, waiting for input (Kafka:
   * the failures it rode out are over).
   */
  idleRound?(): void;
  /** After the run, whether it ended well or not (Kafka: leave the group, close the producers). */
  release?(): Promise<void>;
}

export class RunLoop implements RunContext {
  readonly application: string;
  /** Settles once the run is over, however it ended. */
  readonly finished: Promise<void>;
  private resolveFinished!: () => void;
  private stopped = false;
  private readonly pause = new Pause();
  private readonly strategy: RunStrategy;

  private readonly commitIntervalMs: number;
  private readonly maxRecordsPerCommit: number;
  private readonly tally = new CommitTally();
  /** The record caches' budget, shared by every task this run runs (Kafka Streams: per stream thread). */
  private readonly cacheBudget: RecordCacheBudget;
  /** Records restored per store over the run (on Kafka, a task that moves here is restored where it lands). */
  private readonly restorations = new Map<string, { records: number; durationMs: number }>();
  private recordsSinceCommit = 0;
  private lastCommit = 0;
  /** With a logger: why records were dead-lettered, as they are committed. */
  private readonly deadLetterLog: DeadLetterLog | undefined;

  constructor(
    private readonly log: LogClient,
    readonly topology: Topology,
    readonly options: RunOptions,
    strategyFor: (run: RunContext) => RunStrategy,
  ) {
    this.application = topology.application;
    this.commitIntervalMs = options.commitIntervalMs ?? settingsTable.commitIntervalMs.default;
    this.maxRecordsPerCommit = options.maxRecordsPerCommit ?? Number.POSITIVE_INFINITY;
    this.deadLetterLog = options.logger ? new DeadLetterLog(topology.deadLetterTopic, options.logger) : undefined;
    if (!(this.commitIntervalMs >= 0)) throw new EngineStateError(`commitIntervalMs must be >= 0, not ${options.commitIntervalMs}`);
    if (!(this.maxRecordsPerCommit >= 1)) throw new EngineStateError(`maxRecordsPerCommit must be >= 1, not ${options.maxRecordsPerCommit}`);
    const cacheMaxBytes = options.cacheMaxBytes ?? settingsTable.cacheMaxBytes.default;
    if (!(Number.isInteger(cacheMaxBytes) && cacheMaxBytes >= 0)) throw new EngineStateError(`cacheMaxBytes must be a whole number >= 0, not ${options.cacheMaxBytes}`);
    this.cacheBudget = new RecordCacheBudget(cacheMaxBytes);
    this.strategy = strategyFor(this);
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    options.signal?.addEventListener("abort", this.onAbort, { once: true });
    if (options.signal?.aborted) this.stopped = true;
  }

  get stopRequested(): boolean {
    return this.stopped;
  }

  private readonly onAbort = (): void => this.requestStop();

  requestStop(): void {
    this.stopped = true;
    this.pause.wake();
  }

  /** Runs to the end; `onRunning` is called once the strategy has started. */
  async execute(onRunning: () => void): Promise<RunSummary> {
    const started = performance.now();
    try {
      await this.strategy.start();
      onRunning();
      const stoppedBy = await this.loop();
      for (const task of this.strategy.tasks()) task.close(true);
      const enforcedProcessing = this.strategy.enforcedProcessing;
      return {
        application: this.application,
        recordsProcessed: this.tally.recordsProcessed,
        outputs: { ...this.tally.outputs },
        deadLettered: this.tally.deadLettered,
        lateRecords: this.tally.lateRecords,
        ...(enforcedProcessing !== undefined ? { enforcedProcessing } : {}),
        commits: this.tally.commits,
        restored: this.restored(),
        durationMs: performance.now() - started,
        stoppedBy,
      };
    } catch (error) {
      // Whatever was not committed is dropped with the tasks' state; whoever
      // runs the tasks next restores from the changelogs and reprocesses from
      // the last commit.
      for (const task of this.strategy.tasks()) if (task.currentState !== "CLOSED") task.close(false);
      throw error;
    } finally {
      await this.strategy.release?.();
      this.options.signal?.removeEventListener("abort", this.onAbort);
      this.resolveFinished();
    }
  }

  private async loop(): Promise<RunSummary["stoppedBy"]> {
    this.lastCommit = performance.now();
    for (;;) {
      try {
        const stoppedBy = await this.round();
        if (stoppedBy) return stoppedBy;
      } catch (error) {
        if (!this.strategy.recover) throw error;
        await this.strategy.recover(error);
      }
    }
  }

  /** One round of the loop: the strategy's hook, fetch, process, commit when due; says why the run ends, if it does. */
  private async round(): Promise<RunSummary["stoppedBy"] | undefined> {
    await this.strategy.beforeRound?.();
    await this.strategy.fetch();
    let processed = 0;
    const commitsBefore = this.tally.commits;
    for (const task of this.strategy.tasks()) {
      if (this.stopped || this.strategy.roundCutShort?.()) break;
      // A commit in this round may have closed it (Kafka: fenced).
      if (task.currentState === "CLOSED") continue;
      const count = task.process(Math.min(ROUND_BATCH, this.maxRecordsPerCommit - this.recordsSinceCommit));
      processed += count;
      this.recordsSinceCommit += count;
      if (this.commitDue()) await this.strategy.commit();
    }
    if (this.stopped) {
      if (!(await this.strategy.closeLostTasks?.()) && this.hasUncommittedWork()) await this.strategy.commit();
      this.options.logger?.(`stopped after ${this.tally.commits} commit(s)`);
      return "closed";
    }
    if (this.strategy.roundCutShort?.()) return undefined;
    // A commit in this round may have written repartition records that the
    // fetch above could not see yet: fetch again before calling it drained.
    if (processed > 0 || this.tally.commits > commitsBefore) {
      // Let timers, signals and I/O callbacks run (an abort, a SIGTERM handler).
      await new Promise((resolve) => setImmediate(resolve));
      return undefined;
    }
    // Nothing could be processed. Uncommitted work first: committing makes
    // this run's repartition records visible to the tasks downstream.
    if (this.hasUncommittedWork()) {
      await this.strategy.commit();
      return undefined;
    }
    if (!this.options.follow && (await this.strategy.drained())) return "drained";
    this.strategy.idleRound?.();
    await this.sleep(this.options.follow ? (this.options.pollIntervalMs ?? settingsTable.pollIntervalMs.default) : DRAIN_POLL_MS);
    return undefined;
  }

  hasUncommittedWork(): boolean {
    return this.strategy.tasks().some((task) => task.hasUncommittedWork);
  }

  private commitDue(): boolean {
    if (!this.hasUncommittedWork()) return false;
    return this.recordsSinceCommit >= this.maxRecordsPerCommit || performance.now() - this.lastCommit >= this.commitIntervalMs;
  }

  async sleep(ms: number): Promise<void> {
    if (!this.stopped) await this.pause.sleep(ms);
  }

  async startTasks(
    plan: TopicPlan,
    toStart: readonly TaskToStart[],
    options: Pick<TaskOptions, "maxTaskIdleMs" | "onEnforcedProcessing"> = {},
  ): Promise<StreamTask[]> {
    // A new application starts at offset 0 of its inputs (a fetch moves a
    // position below the log start up to it); a known one where it last committed.
    const inputs = toStart.flatMap(({ subtopology, partition }) => subtopology.sourceTopics.map((topic) => ({ topic, partition })));
    const committed = await this.log.committedOffsets(this.application, inputs);
    const startOffsets = new Map(inputs.map((tp, i) => [`${tp.topic}-${tp.partition}`, committed[i] ?? 0]));
    const tasks = toStart.map(
      ({ subtopology, partition }) =>
        new StreamTask({
          topology: this.topology,
          subtopology,
          partition,
          startOffsets,
          partitionsOf: (topic) => plan.partitions.get(topic) ?? plan.pickable.get(topic),
          recordCache: this.cacheBudget,
          ...options,
        }),
    );

    const reader = new StoreChangelogReader(this.log, this.options.logger);
    for (const task of tasks) {
      task.startRestoring();
      for (const { store, changelog } of task.changelogs) reader.register(store, changelog);
    }
    const results = await reader.restore();
    for (const task of tasks) task.completeRestoration();
    for (const store of this.topology.stores) {
      const sum = this.restorations.get(store.name) ?? { records: 0, durationMs: 0 };
      for (const result of results) {
        if (result.changelog.topic !== store.changelogTopic) continue;
        sum.records += result.records;
        sum.durationMs += result.durationMs;
      }
      this.restorations.set(store.name, sum);
    }
    return tasks;
  }

  committed(taskCommits: readonly TaskCommit[], started: number): void {
    this.recordsSinceCommit = 0;
    this.lastCommit = performance.now();
    const commit = this.tally.add(taskCommits, this.lastCommit - started);
    if (commit.deadLettered > 0) for (const taskCommit of taskCommits) this.deadLetterLog?.committed(taskCommit.records);
    this.options.onCommit?.(commit);
  }

  private restored(): StoreRestoration[] {
    return this.topology.stores.map((store) => ({
      store: store.name,
      changelogTopic: store.changelogTopic,
      records: this.restorations.get(store.name)?.records ?? 0,
      durationMs: this.restorations.get(store.name)?.durationMs ?? 0,
    }));
  }
}
