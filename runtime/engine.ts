// The contract every engine keeps (the embedded SQLite engine, the Kafka
// engine): run a topology with exactly-once state, and report what it did.
import type { Topology } from "./topology/graph.ts";

/**
 * What a commit promises (Kafka Streams' processing.guarantee): each input
 * record's effects appear once (`exactly_once`), or at least once, with
 * duplicates after a failure (`at_least_once`). The embedded engine is always
 * exactly once; the Kafka engine takes either (KafkaSettings.guarantee).
 */
export type Guarantee = "exactly_once" | "at_least_once";

export interface RunOptions {
  /**
   * Keep running and wait for new records until `signal` fires or the engine
   * is closed. Default false: run until drained (no task has an unprocessed
   * record, including records its own repartition topics received), commit, stop.
   */
  readonly follow?: boolean;
  /** Commit at least this often while records flow. Default: `settingsTable.commitIntervalMs` (runtime/settings.ts). */
  readonly commitIntervalMs?: number;
  /** Also commit once this many input records were processed since the last commit. Default: no limit. */
  readonly maxRecordsPerCommit?: number;
  /**
   * Bytes of record caches (Kafka Streams' statestore.cache.max.bytes), shared
   * by the tasks of the run: each table and aggregation store holds its
   * keys' latest changes and forwards them at each commit, or when the caches
   * are over this budget; consecutive updates of a key collapse into one. 0:
   * every update is forwarded as it happens. Default: `settingsTable.cacheMaxBytes`.
   */
  readonly cacheMaxBytes?: number;
  /** In follow mode, how long to wait before looking for new records again when there were none. Default: `settingsTable.pollIntervalMs`. */
  readonly pollIntervalMs?: number;
  /** Stops the run: the work done so far is committed, then `run` resolves. */
  readonly signal?: AbortSignal;
  /** Called after each commit, once it is durable. */
  readonly onCommit?: (commit: CommitInfo) => void;
  /**
   * Human-readable progress lines (restoration, stops). They do not name the
   * application: whoever writes them where several applications log (a
   * service's standard error) adds that, once.
   */
  readonly logger?: (message: string) => void;
}

export interface CommitInfo {
  /** 1 for the first commit of this run. */
  readonly commit: number;
  /** Input records whose processing this commit made permanent. */
  readonly records: number;
  /** Output records written, per topic (sinks and repartition topics). */
  readonly outputs: Readonly<Record<string, number>>;
  readonly deadLettered: number;
  /** Of the dead letters, late records: every window they fall in had closed. Absent: none. */
  readonly lateRecords?: number;
  /** Changelog records written. */
  readonly changelogRecords: number;
  readonly durationMs: number;
}

export interface StoreRestoration {
  readonly store: string;
  readonly changelogTopic: string;
  /** Records read back from the changelog, over all partitions of the store. */
  readonly records: number;
  readonly durationMs: number;
}

/** What a run did. Every count is of committed work. */
export interface RunSummary {
  readonly application: string;
  readonly recordsProcessed: number;
  readonly outputs: Readonly<Record<string, number>>;
  readonly deadLettered: number;
  /**
   * Of the dead letters, records a windowed aggregation dropped as late (reason "late").
   * Optional in the contract so that every engine can report it in its own time; absent: none.
   */
  readonly lateRecords?: number;
  /**
   * Kafka: times a task with several inputs went ahead without an empty one
   * after waiting `maxTaskIdleMs` for it (Kafka Streams' enforced processing).
   * Absent: the engine never does (the embedded engine knows when an input is finished).
   */
  readonly enforcedProcessing?: number;
  readonly commits: number;
  readonly restored: readonly StoreRestoration[];
  readonly durationMs: number;
  /** Why the run ended. */
  readonly stoppedBy: "drained" | "closed";
}

export interface Engine {
  /** Runs a topology; resolves once it has drained (or, in follow mode, been stopped) and committed. */
  run(topology: Topology, options?: RunOptions): Promise<RunSummary>;
  /** Stops a run in progress (committing its work) and releases the engine's resources. */
  close(): Promise<void>;
}
