// The Kafka engine's part of a run (a RunStrategy, run-loop.ts): prepare
// topics, join the application's consumer group, start the tasks the group
// gives this instance (fence every task's earlier owner, read its committed
// offsets, restore its state); then the run loop fetches → processes →
// commits until drained (or, in follow mode, stopped), and this strategy
// takes part in rebalances as they come. It runs on what the embedded engine
// runs on (the run loop, tasks, partition groups, processors, stores, the
// changelog reader, the topic manager); what differs is the commit: on Kafka
// each task has its own transactional producer and commits in its own
// transaction (GUIDE fact 5). It speaks to Kafka only through the
// KafkaLogClient port (kafka-log-client.ts).
//
// Several instances with one application id share the tasks through the
// consumer group named after it (group-member.ts, kafka-group-member.ts): the
// leader assigns tasks, never loose partitions (task-assignor.ts). Rebalances
// are eager: every task's work is committed before this member rejoins (GUIDE
// fact 6), tasks it keeps stay as they are, tasks it gets are fenced and
// restored, tasks it loses are closed. Stopping commits, then leaves the group
// so that the others take over at once. See docs/kafka.md, "Scaling out".
//
// A broker outage (connections refused or lost, coordinators and leaders
// moving or loading) does not end the run: the instance drops its tasks'
// uncommitted work, waits for Kafka, rejoins the group and starts its tasks
// again from their last commit, until it has been failing without progress
// for `brokerOutageMs` (rideOutOutage; docs/kafka.md, "Broker outages"). A
// topic of the run that Kafka says no longer exists ends the run at once.
import type { Guarantee } from "../engine.ts";
import { BrokerOutageError, ProducerFencedError, TopicError } from "../errors.ts";
import { EngineHost } from "./engine-host.ts";
import type { GroupMember, TaskInputs } from "./group-member.ts";
import type { KafkaLogClient } from "./kafka-log-client.ts";
import type { TopicPartition, TransactionalProducer } from "./log-client.ts";
import type { RunContext, RunStrategy } from "./run-loop.ts";
import { taskId, type StreamTask } from "./task.ts";
import { prepareTopics, refreshPickableTopics, type TopicPlan } from "./topic-manager.ts";

/** Records a fetch returns at most, per partition. */
const FETCH_BATCH = 2000;

/** A drained instance asks how far the whole group got at most this often (an OffsetFetch and a Fetch). */
const GROUP_DRAIN_CHECK_MS = 100;
/** How long a drained instance waits for the group before it says that it does. */
const GROUP_DRAIN_LOG_AFTER_MS = 1000;
/** In an outage, the first wait before trying Kafka again, and the longest. */
const OUTAGE_FIRST_RETRY_MS = 100;
const OUTAGE_MAX_RETRY_MS = 2000;
/**
 * A topic of the run that the cluster does not list is looked for again this
 * much later before the run ends for it: a broker's answer right after it
 * started may come from metadata it has not finished loading.
 */
const MISSING_TOPIC_RECHECK_MS = 1000;

export interface KafkaEngineOptions {
  readonly guarantee: Guarantee;
  /** Consumer-group timings (docs/kafka.md, "Scaling out"). */
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
  /**
   * How long a task with several inputs waits for one that is empty at its
   * end before it goes ahead without it (docs/kafka.md, "Tasks with several inputs").
   */
  readonly maxTaskIdleMs: number;
  /**
   * How long Kafka may keep failing (unreachable, or answering that it is not
   * ready) with the run making no progress before the run gives up; shorter
   * outages are ridden out (docs/kafka.md, "Broker outages"). 0: give up at
   * the first failure.
   */
  readonly brokerOutageMs: number;
  /** The bootstrap brokers, to name them when the run gives up. */
  readonly brokers: readonly string[];
  /** Closes the client (called once, when the engine closes). */
  readonly onClose?: () => Promise<void>;
}

/** The transactional id of a task: stable, so that a restarted task fences its previous incarnation. */
export function transactionalIdOf(application: string, taskId: string): string {
  return `${application}-${taskId}`;
}

/** The Kafka engine: an EngineHost whose runs use the Kafka strategy. */
export class KafkaEngineImpl extends EngineHost {
  constructor(client: KafkaLogClient, options: KafkaEngineOptions) {
    super(client, (run) => new KafkaRunStrategy(client, run, options), options.onClose);
  }
}

/** The Kafka engine's part of one run: the group, the tasks this instance owns, their producers. */
class KafkaRunStrategy implements RunStrategy {
  private plan!: TopicPlan;
  private group: GroupMember | undefined;
  /** Every task of the application with its input partitions, whoever runs it. */
  private layout: TaskInputs[] = [];
  /** The tasks this instance owns in the current generation of the group, by id. */
  private readonly running = new Map<string, StreamTask>();
  /** exactly_once: one transactional producer per owned task, by task id. */
  private readonly producers = new Map<string, TransactionalProducer>();
  /** The end of each source partition when the run started: a run that does not follow stops there. */
  private readonly sourceEnds = new Map<string, number>();

  /**
   * When the failures being ridden out began (performance.now()): the first
   * outage since the run last made progress (a commit of all its work, or a
   * round with nothing left to process or commit). Rejoining the group and
   * restoring the tasks is not progress: a failure that comes back after
   * every rejoin keeps counting until the outage limit. Undefined while the
   * run makes progress.
   */
  private failingSince: number | undefined;

  private enforced = 0;
  private nextGroupDrainCheck = 0;
  private waitingForGroupSince: number | undefined;
  private waitingForGroupLogged = false;

  constructor(
    private readonly client: KafkaLogClient,
    private readonly run: RunContext,
    private readonly engineOptions: KafkaEngineOptions,
  ) {}

  private get guarantee(): Guarantee {
    return this.engineOptions.guarantee;
  }

  tasks(): readonly StreamTask[] {
    return [...this.running.values()];
  }

  /** For the run's summary: times a task went ahead without an input it had waited maxTaskIdleMs for. */
  get enforcedProcessing(): number {
    return this.enforced;
  }

  /**
   * Leaving (after the last commit, or after a failure) lets the other
   * members rebalance at once rather than after the session timeout.
   */
  async release(): Promise<void> {
    await this.group?.leave();
    for (const producer of this.producers.values()) await producer.close();
    this.producers.clear();
  }

  /** Topics, the task layout and the source ends; then the first join of the group, which creates this instance's tasks. */
  async start(): Promise<void> {
    await this.client.connect();
    this.plan = await prepareTopics(this.run.topology, this.client, (topic) => `create it first (for example with kafka-topics.sh --create --topic ${topic})`);

    for (const sub of this.run.topology.subtopologies) {
      for (let partition = 0; partition < this.plan.tasks.get(sub.id)!; partition++) {
        this.layout.push({ task: taskId(sub.id, partition), partitions: sub.sourceTopics.map((topic) => ({ topic, partition })) });
      }
    }
    const sources = new Set(this.run.topology.sourceTopics);
    const sourceInputs = this.layout.flatMap((t) => t.partitions).filter((tp) => sources.has(tp.topic));
    const ends = await this.client.endOffsets(sourceInputs);
    sourceInputs.forEach((tp, i) => this.sourceEnds.set(key(tp), ends[i]!));

    const { sessionTimeoutMs, heartbeatIntervalMs, rebalanceTimeoutMs } = this.engineOptions;
    this.group = this.client.groupMember({
      groupId: this.run.application,
      tasks: this.layout,
      sessionTimeoutMs,
      heartbeatIntervalMs,
      rebalanceTimeoutMs,
      logger: this.run.options.logger,
    });
    await this.rebalance();
  }

  /**
   * Takes part in a rebalance of the group (eager protocol), in this order:
   *
   *  1. Commit every owned task's pending work in its transaction (GUIDE
   *     fact 6: before the revocation completes, which is step 2). If the
   *     group dropped this member (session expired, generation over), its
   *     tasks may already run elsewhere: close them all WITHOUT committing.
   *  2. Join the group (JoinGroup, SyncGroup): this generation's tasks.
   *  3. Close the tasks no longer ours (clean: step 1 committed them) and
   *     release their producers; their state goes with them.
   *  4. Keep the tasks still ours as they are: no restoration.
   *  5. Start the new ones (startTasks): fence, read offsets, restore.
   *
   * Heartbeats keep flowing meanwhile (the member's timer, between awaits).
   */
  private async rebalance(): Promise<void> {
    const group = this.group!;
    if (group.tasksLost) {
      this.run.options.logger?.(`dropped from the group: closing ${this.running.size} task(s) without committing`);
      for (const id of [...this.running.keys()]) await this.dropTask(id, false);
    } else if (this.run.hasUncommittedWork()) {
      await this.commit();
    }
    if (this.run.stopRequested) return;
    await this.joinAndStart([...this.running.keys()]);
  }

  /**
   * Steps 2-5 of a rebalance: join with the tasks this member ran (`owned`,
   * for stickiness), close those it lost, start those it gained.
   */
  private async joinAndStart(owned: readonly string[], giveUpAt?: number): Promise<void> {
    const assignment = await this.group!.join(owned, giveUpAt);
    const assigned = new Set(assignment.tasks);
    for (const id of [...this.running.keys()]) if (!assigned.has(id)) await this.dropTask(id, !this.running.get(id)!.hasUncommittedWork);
    await this.startTasks(assignment.tasks.filter((id) => !this.running.has(id)));
    this.run.options.logger?.(
      `generation ${assignment.generationId} of ${assignment.members} member(s): running ${assignment.tasks.length} task(s)${assignment.tasks.length > 0 ? ` (${assignment.tasks.join(" ")})` : ""}`,
    );
  }

  /** Closes a task (dropping its state unless `clean`) and releases its producer. */
  private async dropTask(id: string, clean: boolean): Promise<void> {
    const task = this.running.get(id);
    if (task && task.currentState !== "CLOSED") task.close(clean);
    this.running.delete(id);
    const producer = this.producers.get(id);
    this.producers.delete(id);
    await producer?.close();
  }

  /** Counted in the run's summary; logged the first time per task and partition (on a quiet input it recurs every few records). */
  private readonly onEnforcedProcessing = (task: string, partition: TopicPartition, waitedMs: number): void => {
    this.enforced++;
    const name = `${task} ${key(partition)}`;
    if (this.enforcedLogged.has(name)) return;
    this.enforcedLogged.add(name);
    this.run.options.logger?.(
      `task ${task} went ahead without ${key(partition)} after waiting ${waitedMs} ms for it (enforced processing: a record written to it later with an earlier timestamp will be processed out of order)`,
    );
  };

  private readonly enforcedLogged = new Set<string>();

  /**
   * For every newly assigned task: fencing (InitProducerId with the task's
   * transactional id) BEFORE reading its committed offsets and restoring its
   * stores (GUIDE fact 2): once fenced, the previous owner can neither commit
   * offsets nor append to the changelog, so both are stable while read. A new
   * application has no committed offsets and starts at the earliest (the
   * fetch moves a position below the log start up to it).
   */
  private async startTasks(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    if (this.guarantee === "exactly_once") {
      const producers = await Promise.all(ids.map((id) => this.client.initTransactions(transactionalIdOf(this.run.application, id))));
      ids.forEach((id, i) => this.producers.set(id, producers[i]!));
    }
    const toStart = ids.map((id) => {
      const [sub, partition] = id.split("_").map(Number) as [number, number];
      return { subtopology: this.run.topology.subtopologies.find((s) => s.id === sub)!, partition };
    });
    const started = await this.run.startTasks(this.plan, toStart, {
      maxTaskIdleMs: this.engineOptions.maxTaskIdleMs,
      onEnforcedProcessing: this.onEnforcedProcessing,
    });
    for (const task of started) this.running.set(task.id, task);
  }

  /** Before each round of the loop: the rebalance the group asked for, unless the run is stopping. */
  async beforeRound(): Promise<void> {
    if (this.group!.rebalanceNeeded && !this.run.stopRequested) await this.rebalance();
  }

  /** A rebalance waits for this member: the rest of the round is left to whoever owns the tasks next. */
  roundCutShort(): boolean {
    return this.group!.rebalanceNeeded;
  }

  /** On a stop, a member the group dropped closes its tasks without committing: they may run elsewhere already. */
  async closeLostTasks(): Promise<boolean> {
    if (!this.group!.tasksLost) return false;
    for (const id of [...this.running.keys()]) await this.dropTask(id, false);
    return true;
  }

  /** Kafka being unavailable is ridden out (rideOutOutage); any other failure ends the run. */
  async recover(error: unknown): Promise<void> {
    await this.throwUnlessOutage(error);
    await this.rideOutOutage(error);
  }

  /** The run is healthy and waiting for input: a failure streak is over. */
  idleRound(): void {
    this.failingSince = undefined;
  }

  /**
   * Throws a failure that is not Kafka being unavailable (isBrokerUnavailable),
   * and, for any failure that Kafka answered with an error, a topic of the run
   * that Kafka no longer lists: a topic deleted while the run was running
   * fails its requests with UNKNOWN_TOPIC_OR_PARTITION (which is also what a
   * client with stale metadata hears, and is ridden out) or with
   * OPERATION_NOT_ATTEMPTED (a transaction that names it), and would fail them
   * after every rejoin.
   */
  private async throwUnlessOutage(error: unknown): Promise<void> {
    if (this.client.errorType(error) !== undefined) {
      let missing = await this.missingTopics();
      if (missing.length > 0) {
        await this.run.sleep(MISSING_TOPIC_RECHECK_MS);
        const stillMissing = new Set(await this.missingTopics());
        missing = missing.filter((topic) => stillMissing.has(topic));
      }
      if (missing.length > 0) {
        const topics = missing.map((topic) => `"${topic}"`).join(", ");
        throw new TopicError(
          `${missing.length === 1 ? `topic ${topics} no longer exists` : `topics ${topics} no longer exist`}: deleted while the application was running (${describe(error)})`,
          { cause: error },
        );
      }
    }
    if (!this.client.isBrokerUnavailable(error)) throw error;
  }

  /** The topics the run reads or writes that the cluster does not list; none if it cannot be asked. */
  private async missingTopics(): Promise<string[]> {
    let listed: Set<string>;
    try {
      listed = new Set((await this.client.topics()).map((topic) => topic.name));
    } catch {
      return [];
    }
    return [...this.plan.partitions.keys()].filter((topic) => !listed.has(topic));
  }

  /**
   * Rides out a broker outage: Kafka could not be reached, or answered that
   * it is not ready (a coordinator or leader moving or loading). In order:
   *
   *  1. Close every task WITHOUT committing and drop its in-memory state:
   *     its last transaction may be open on the broker, or committed without
   *     this member hearing of it (an EndTxn whose answer was lost), so
   *     nothing in memory is known to match the log. Release the tasks'
   *     producers and the connections the client kept (resetAfterOutage).
   *  2. Wait, doubling from 100 ms to 2 s, then try: rejoin the group (with
   *     the tasks this member ran, for stickiness) and start the tasks it
   *     gets as any new task starts: InitProducerId with the task's
   *     transactional id, which aborts a transaction left open (or completes
   *     one the broker had begun to commit), then the committed offsets, then
   *     the stores restored from their changelogs. The tasks go on from their
   *     last commit; what was dropped is redone, exactly once.
   *  3. A try that fails the same way goes back to 2. Give up (BrokerOutageError)
   *     once the run has been failing for brokerOutageMs: counted from the
   *     first outage since it last made progress (failingSince), as Kafka
   *     Streams counts task.timeout.ms from a task's first timeout since it
   *     last processed or committed. A rejoin that succeeds is not progress:
   *     a failure that comes back after it (a partition without its replicas,
   *     min.insync.replicas unmet) counts on from where it was. Any other
   *     failure ends the run as before.
   *
   * A stop requested meanwhile ends the run at once (nothing to commit).
   */
  private async rideOutOutage(error: unknown): Promise<void> {
    const { brokerOutageMs } = this.engineOptions;
    const failingSince = (this.failingSince ??= performance.now());
    const owned = [...this.running.keys()];
    this.run.options.logger?.(
      `Kafka is unavailable (${describe(error)}): closing ${owned.length} task(s) without committing; ` +
        `they go on from their last commit when it answers again (giving up after ${brokerOutageMs} ms of failures without progress)`,
    );
    let lastError = error;
    for (let attempt = 0; ; attempt++) {
      await this.dropEveryTask();
      await this.client.resetAfterOutage();
      const failingMs = performance.now() - failingSince;
      if (this.run.stopRequested) return;
      if (failingMs >= brokerOutageMs) {
        throw new BrokerOutageError(
          `Kafka at ${this.engineOptions.brokers.join(",")} has been failing for ${(failingMs / 1000).toFixed(1)} s, longer than the outage limit ` +
            `(${brokerOutageMs} ms): giving up (last error: ${describe(lastError)})`,
          { cause: lastError },
        );
      }
      await this.run.sleep(Math.min(OUTAGE_FIRST_RETRY_MS * 2 ** attempt, OUTAGE_MAX_RETRY_MS, brokerOutageMs - failingMs));
      if (this.run.stopRequested) return;
      try {
        await this.joinAndStart(owned, Date.now() + Math.max(0, brokerOutageMs - (performance.now() - failingSince)));
        this.run.options.logger?.(`Kafka answers again: running ${this.running.size} task(s) from their last commit`);
        return;
      } catch (next) {
        await this.throwUnlessOutage(next);
        lastError = next;
      }
    }
  }

  /** Closes every task without committing and releases every producer (also those of tasks that never finished starting). */
  private async dropEveryTask(): Promise<void> {
    for (const id of new Set([...this.running.keys(), ...this.producers.keys()])) await this.dropTask(id, false);
  }

  /** A drain run ends once this instance's tasks are drained, and then the whole application's. */
  async drained(): Promise<boolean> {
    return this.ownTasksDrained() && (await this.applicationDrained());
  }

  /**
   * Whether the whole application is drained, whichever instance ran its
   * tasks: a drain run that has drained its own tasks still ends only then,
   * so that the tasks of an instance that died (which the group hands out
   * only once its session expires) are not left unprocessed with every live
   * instance gone. Drained means that, from the group's committed offset of
   * every input partition of every task, no committed record is left to
   * process: before the end this instance saw at its start, for a source
   * partition; before the current end (high watermark, so that records of a
   * transaction still being committed count), for a repartition partition.
   * The committed offsets are read first: a commit made after that read
   * wrote its repartition records before it, where the fetch sees them.
   */
  private async applicationDrained(): Promise<boolean> {
    const now = performance.now();
    if (now < this.nextGroupDrainCheck) return false;
    this.nextGroupDrainCheck = now + GROUP_DRAIN_CHECK_MS;
    const inputs = this.layout.flatMap((t) => t.partitions);
    const committed = await this.client.committedOffsets(this.run.application, inputs);
    const left: TopicPartition[] = [];
    for (const [i, partition] of inputs.entries()) {
      if (await this.recordsLeft(partition, committed[i] ?? 0)) left.push(partition);
    }
    if (left.length === 0) return true;
    // A lone instance's own last markers and offsets take a moment to show: say so only of a real wait.
    this.waitingForGroupSince ??= now;
    if (!this.waitingForGroupLogged && now - this.waitingForGroupSince >= GROUP_DRAIN_LOG_AFTER_MS) {
      this.waitingForGroupLogged = true;
      this.run.options.logger?.(
        `this instance's tasks are drained; staying in the group until the others' are too ` +
          `(${left.length} input partition(s) with records left, e.g. ${key(left[0]!)})`,
      );
    }
    return false;
  }

  /** Whether a committed record is left to process in `partition` from `offset` on (see applicationDrained). */
  private async recordsLeft(partition: TopicPartition, offset: number): Promise<boolean> {
    const sourceEnd = this.sourceEnds.get(key(partition));
    if (sourceEnd !== undefined && offset >= sourceEnd) return false;
    for (let position = offset; ; ) {
      const fetched = await this.client.fetch(partition, position, 1);
      const first = fetched.records[0];
      if (sourceEnd !== undefined) {
        if (first) return first.offset < sourceEnd;
        if (fetched.nextOffset >= sourceEnd) return false;
      } else {
        if (first) return true;
        if (fetched.atEnd) return false;
      }
      // Only markers or aborted records were passed over: read on; no progress means a transaction is still open.
      if (fetched.nextOffset <= position) return true;
      position = fetched.nextOffset;
    }
  }

  /**
   * Every source partition read up to the end it had when the run started,
   * and every repartition partition up to its end now. Repartition ends are
   * the high watermark, not the last stable offset: right after a commit its
   * markers may still be on their way, and the records before them must be
   * read before the run can call itself drained.
   */
  private ownTasksDrained(): boolean {
    for (const task of this.running.values()) {
      for (const queue of task.inputQueues) {
        if (queue.size > 0) return false;
        const end = this.sourceEnds.get(key(queue.partition));
        if (end !== undefined ? queue.fetchPosition < end : !queue.caughtUp) return false;
      }
    }
    return true;
  }

  /** Tops up every input partition whose buffer is empty, in one Fetch request per broker. */
  async fetch(): Promise<void> {
    const empty = [...this.running.values()].flatMap((task) => task.inputQueues.filter((queue) => queue.size === 0));
    const fetched = await this.client.fetchMany(
      empty.map((queue) => ({ partition: queue.partition, offset: queue.fetchPosition })),
      FETCH_BATCH,
    );
    empty.forEach((queue, i) => queue.add(fetched[i]!.records, fetched[i]!.atEnd, fetched[i]!.nextOffset));
    // A run that stops once drained reads its sources up to the ends they had
    // at its start: past them, a task need not wait for more (follow runs do).
    if (!this.run.options.follow) {
      for (const queue of empty) {
        const end = this.sourceEnds.get(key(queue.partition));
        if (end !== undefined && queue.fetchPosition >= end) queue.markFinished();
      }
    }
  }

  /**
   * Commits the work of every task that has some. Under exactly_once, per
   * task and concurrently (each task has its own producer), the steps are:
   *
   *  1. Flush the task (GUIDE fact 11): first its record caches, whose
   *     changes go downstream (into its output, repartition and changelog
   *     records; record-cache.ts), then its output and dead-letter records,
   *     its stores' changes as changelog records, and its input positions
   *     (for each input partition that moved, the next offset to read: last
   *     processed + 1, GUIDE fact 1). Nothing has left the process yet: a
   *     cached change is sent in this commit's transaction or not at all.
   *  2. Begin a transaction on the task's producer.
   *  3. Produce the output, dead-letter and changelog records in it.
   *  4. Add the input positions to it as the offsets of the consumer group
   *     named after the application (AddOffsetsToTxn + TxnOffsetCommit).
   *  5. Commit (EndTxn). Everything of steps 3-4 becomes visible to
   *     read_committed readers at once, or, if the process dies first, never:
   *     the next owner's InitProducerId aborts the transaction.
   *  6. Tell the task its positions are committed. No checkpoint file: stores
   *     are restored from their changelog's start.
   *
   * A task whose producer was fenced (GUIDE fact 4) belongs to another
   * member now (this one was dropped from the group, e.g. after a pause
   * longer than the session timeout): it is closed without committing, its
   * state dropped, and this member rejoins the group; the other tasks'
   * commits stand. Any other failure aborts the transaction (if Kafka can be
   * reached) and is thrown: Kafka being unavailable is ridden out
   * (rideOutOutage), anything else ends the run; either way every task is
   * closed without committing.
   *
   * Under at_least_once: one idempotent producer sends every task's records
   * and waits for them to be acknowledged (acks=all), then the offsets are
   * committed with this member's generation. A crash between the two redoes
   * the work: duplicates, never loss. A generation that is over
   * (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID) means the tasks are someone
   * else's: they are closed without committing and redone by their new owner.
   */
  async commit(): Promise<void> {
    const started = performance.now();
    const pending = [...this.running.values()].filter((task) => task.hasUncommittedWork);
    const taskCommits = pending.map((task) => task.prepareCommit());

    if (this.guarantee === "exactly_once") {
      const results = await Promise.allSettled(
        taskCommits.map(async (taskCommit) => {
          const transaction = this.producers.get(taskCommit.task)!.beginTransaction();
          transaction.send(taskCommit.records);
          if (taskCommit.offsets.length > 0) transaction.sendOffsets(this.run.application, taskCommit.offsets);
          await transaction.commit();
        }),
      );
      const failures = results.flatMap((r, i) => (r.status === "rejected" ? [{ task: pending[i]!, error: r.reason as unknown }] : []));
      results.forEach((r, i) => {
        if (r.status === "fulfilled") pending[i]!.postCommit(taskCommits[i]!);
      });
      this.run.committed(taskCommits.filter((_, i) => results[i]!.status === "fulfilled"), started);
      // Any other failure (Kafka unavailable: rideOutOutage; anything else
      // ends the run) closes every task without committing where it is caught.
      const other = failures.find((f) => !(f.error instanceof ProducerFencedError));
      if (other) throw other.error;
      for (const { task } of failures) {
        await this.dropTask(task.id, false);
        this.run.options.logger?.(`task ${task.id} was fenced (another member owns it now): closed without committing`);
      }
      if (failures.length > 0) this.group!.requestRejoin();
    } else {
      try {
        await this.client.produceAndCommit(
          taskCommits.flatMap((c) => c.records),
          this.run.application,
          taskCommits.flatMap((c) => c.offsets),
          this.group!.generation,
        );
      } catch (error) {
        const type = this.client.errorType(error);
        if (type !== "ILLEGAL_GENERATION" && type !== "UNKNOWN_MEMBER_ID" && type !== "REBALANCE_IN_PROGRESS") throw error;
        this.run.options.logger?.(`offset commit refused (${type}): closing ${this.running.size} task(s) without committing`);
        for (const id of [...this.running.keys()]) await this.dropTask(id, false);
        this.group!.requestRejoin();
        return;
      }
      pending.forEach((task, i) => task.postCommit(taskCommits[i]!));
      this.run.committed(taskCommits, started);
    }
    // Every task's work is committed (or its task fenced, which is no outage): the run made progress.
    this.failingSince = undefined;
    // Topics created since the last commit become usable by sinks that pick their topic per record.
    // (One metadata request a second at most: commits come every commit interval.)
    await refreshPickableTopics(this.run.topology, this.client, this.plan, 1000);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function key(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}
