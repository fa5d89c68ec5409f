// The embedded engine's part of a run (a RunStrategy, run-loop.ts): prepare
// topics, fence earlier instances, create every task and restore its state,
// then (the run loop) fetch → process → commit until drained (or, in follow
// mode, stopped). One process owns every task, so one transaction commits
// them all. It speaks to the log only through LogClient, so that the same
// strategy and the same commit protocol run over the embedded SQLite log and
// its tests.
import type { LogClient, TransactionalProducer } from "./log-client.ts";
import { EngineHost } from "./engine-host.ts";
import type { RunContext, RunStrategy, TaskToStart } from "./run-loop.ts";
import type { StreamTask, TaskCommit } from "./task.ts";
import { prepareTopics, refreshPickableTopics, type TopicPlan } from "./topic-manager.ts";

/** Records fetched per input partition at a time. */
const FETCH_BATCH = 500;

export interface EmbeddedEngineOptions {
  /** How to tell the user to create a missing source topic. */
  readonly missingSourceHint?: (topic: string) => string;
  /** Releases what the engine owns (the database), once closed. */
  readonly onClose?: () => void;
}

/** The embedded engine: an EngineHost whose runs use the embedded strategy. */
export class EmbeddedEngineImpl extends EngineHost {
  constructor(log: LogClient, options: EmbeddedEngineOptions = {}) {
    const hint = options.missingSourceHint ?? defaultHint;
    super(log, (run) => new EmbeddedRunStrategy(log, run, hint), options.onClose);
  }
}

function defaultHint(topic: string): string {
  return `create it first (weir produce ${topic})`;
}

/** The embedded engine's part of one run: its tasks (all of them) and its producer. */
class EmbeddedRunStrategy implements RunStrategy {
  private producer!: TransactionalProducer;
  private plan!: TopicPlan;
  private running: StreamTask[] = [];

  constructor(
    private readonly log: LogClient,
    private readonly run: RunContext,
    private readonly missingSourceHint: (topic: string) => string,
  ) {}

  tasks(): readonly StreamTask[] {
    return this.running;
  }

  /** Topics, fencing, tasks, restoration, in that order. */
  async start(): Promise<void> {
    const { topology } = this.run;
    this.plan = await prepareTopics(topology, this.log, this.missingSourceHint);
    // Fence any earlier instance before reading the changelogs, so that they
    // cannot grow while being restored (GUIDE, exactly-once fact 2).
    this.producer = await this.log.initTransactions(this.run.application);

    const every: TaskToStart[] = [];
    for (const subtopology of topology.subtopologies) {
      for (let partition = 0; partition < this.plan.tasks.get(subtopology.id)!; partition++) every.push({ subtopology, partition });
    }
    this.running = await this.run.startTasks(this.plan, every);
  }

  /**
   * Nothing processable and nothing to commit means drained: this engine
   * sees the whole log, and a task waits at the end of a repartition topic
   * while its writers may still write (fetch, below).
   */
  async drained(): Promise<boolean> {
    return true;
  }

  /** Tops up every input partition whose buffer is empty. */
  async fetch(): Promise<void> {
    for (const task of this.running) {
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
    for (const task of this.running) {
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
    for (const sub of this.run.topology.subtopologies) {
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
    for (const sub of this.run.topology.subtopologies) readers.set(sub.id, sub.sourceTopics.filter((t) => writers.has(t)));
    // The sub-topologies whose output reaches `from` through repartition topics.
    const feeds = (from: number, target: number, seen: Set<number>): boolean => {
      if (seen.has(from)) return false;
      seen.add(from);
      return (readers.get(from) ?? []).some((topic) => writers.get(topic) === target || feeds(writers.get(topic)!, target, seen));
    };
    this.cyclic = new Set();
    for (const sub of this.run.topology.subtopologies) {
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
    const writerTasks = this.running.filter((task) => task.subtopologyId === writer);
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
   *  1. Flush each task: first its record caches, whose changes go
   *     downstream (into its output, repartition and changelog records:
   *     GUIDE fact 11, record-cache.ts), then it hands over the output and
   *     dead-letter records it collected, its stores' changes as changelog
   *     records, and its input positions: for each input partition that
   *     moved, the next offset to read, i.e. last processed + 1.
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
   * fails and closes them dirty (RunLoop.execute's catch).
   */
  async commit(): Promise<void> {
    const started = performance.now();
    const taskCommits: TaskCommit[] = this.running.map((task) => task.prepareCommit());

    const transaction = this.producer.beginTransaction();
    for (const taskCommit of taskCommits) transaction.send(taskCommit.records);
    transaction.sendOffsets(this.run.application, taskCommits.flatMap((c) => c.offsets));
    await transaction.commit();
    // Topics created since the last commit become usable by sinks that pick their topic per record.
    await refreshPickableTopics(this.run.topology, this.log, this.plan);

    this.running.forEach((task, i) => task.postCommit(taskCommits[i]!));
    this.run.committed(taskCommits, started);
  }
}
