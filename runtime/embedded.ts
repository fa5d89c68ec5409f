// The embedded engine's public face: a log in one SQLite file (topics you can
// produce to and consume from, as the CLI does) and `runEmbedded`, which runs
// a topology over it with exactly-once state.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { checkNamedStores, internalTopicsOf, keptTopicsOf, planStoreReset, type ApplicationReset, type StoreReset } from "./application-reset.ts";
import type { Engine, RunOptions, RunSummary } from "./engine.ts";
import type { ConsumedRecord, ProducedRecord, ProduceRecord } from "./records.ts";
import { TopicError, WeirRuntimeError } from "./errors.ts";
import { formatNamed } from "./formats.ts";
import type { Topology } from "./topology/graph.ts";
import { EmbeddedEngineImpl } from "./internal/embedded-engine.ts";
import { EmbeddedLogImpl } from "./internal/embedded-log-impl.ts";
import type { LogRecord, ProducerRecord, TopicMetadata } from "./internal/log-client.ts";
import { partitionForKey } from "./internal/partitioner.ts";
import { toRecordBytes } from "./internal/record-bytes.ts";
import { withRunDefaults } from "./settings.ts";

// The records an EmbeddedLog produces and consumes are the same as on Kafka.
export type { ConsumedRecord, ProducedRecord, ProduceRecord } from "./records.ts";

/** The database file of a data directory. */
export function embeddedDatabasePath(dataDir: string): string {
  return join(dataDir, "weir.db");
}

export interface TopicInfo {
  readonly name: string;
  readonly partitions: number;
  readonly keyFormat: string | null;
  readonly valueFormat: string | null;
  /** Records in the topic, over all partitions. */
  readonly records: number;
}

export interface ConsumeOptions {
  /** Only this partition; default all, in partition order. */
  readonly partition?: number;
  /** Start at this offset (in each partition read); default 0. */
  readonly fromOffset?: number;
}

export interface EmbeddedLog {
  /** The database file (or `:memory:`). */
  readonly path: string;
  /** Creates a topic; does nothing if it exists with this partition count, and throws if with another. */
  createTopic(name: string, partitions?: number): TopicInfo;
  /** Appends records in one transaction; a missing topic is created with one partition. */
  produce(topic: string, records: readonly ProduceRecord[]): ProducedRecord[];
  /** The committed records of a topic. */
  consume(topic: string, options?: ConsumeOptions): ConsumedRecord[];
  topics(): TopicInfo[];
  close(): void;
}

/** The SQLite log behind each facade, kept out of the public surface. */
const implementations = new WeakMap<EmbeddedLog, EmbeddedLogImpl>();

/** Opens (creating if needed) the embedded log in a database file, or `:memory:`. */
export function openEmbeddedLog(path: string): EmbeddedLog {
  const log = new EmbeddedLogFacade(new EmbeddedLogImpl(path));
  implementations.set(log, log.impl);
  return log;
}

class EmbeddedLogFacade implements EmbeddedLog {
  constructor(readonly impl: EmbeddedLogImpl) {}

  get path(): string {
    return this.impl.path;
  }

  createTopic(name: string, partitions = 1): TopicInfo {
    const existing = this.impl.topicSync(name);
    if (existing && existing.partitions !== partitions) {
      throw new TopicError(`topic "${name}" already exists with ${existing.partitions} partition(s), not ${partitions}`);
    }
    if (!existing) this.impl.createTopicSync({ name, partitions });
    return this.info(this.impl.topicSync(name)!);
  }

  produce(topic: string, records: readonly ProduceRecord[]): ProducedRecord[] {
    const metadata = this.impl.topicSync(topic) ?? this.createAndGet(topic);
    // Round-robin for null keys continues from the topic's size, so that
    // successive `weir produce` runs spread records as one producer would.
    let roundRobin = this.size(metadata);
    const now = Date.now();
    const toWrite: ProducerRecord[] = records.map((record) => {
      const key = toRecordBytes(record.key);
      const partition =
        record.partition ?? (key === null ? roundRobin++ % metadata.partitions : partitionForKey(key, metadata.partitions));
      return { topic, partition, key, value: toRecordBytes(record.value), timestamp: record.timestamp ?? now };
    });
    const offsets = this.impl.appendSync(toWrite);
    return toWrite.map((record, i) => ({ topic, partition: record.partition, offset: offsets[i]! }));
  }

  consume(topic: string, options: ConsumeOptions = {}): ConsumedRecord[] {
    const metadata = this.impl.topicSync(topic);
    if (!metadata) throw new TopicError(`topic "${topic}" does not exist`);
    const partitions = options.partition === undefined ? [...Array(metadata.partitions).keys()] : [options.partition];
    const records: ConsumedRecord[] = [];
    for (const partition of partitions) {
      let offset = options.fromOffset ?? 0;
      for (;;) {
        const batch = this.impl.fetchSync(topic, partition, offset, 5000);
        for (const raw of batch) records.push(decodeForPrinting(raw, metadata));
        if (batch.length < 5000) break;
        offset = batch[batch.length - 1]!.offset + 1;
      }
    }
    return records;
  }

  topics(): TopicInfo[] {
    return this.impl.topicsSync().map((metadata) => this.info(metadata));
  }

  close(): void {
    this.impl.close();
  }

  private createAndGet(topic: string): TopicMetadata {
    this.impl.createTopicSync({ name: topic, partitions: 1 });
    return this.impl.topicSync(topic)!;
  }

  private size(metadata: TopicMetadata): number {
    let records = 0;
    for (let partition = 0; partition < metadata.partitions; partition++) records += this.impl.endOffsetSync(metadata.name, partition);
    return records;
  }

  private info(metadata: TopicMetadata): TopicInfo {
    return { ...metadata, records: this.size(metadata) };
  }
}

function decodeForPrinting(raw: LogRecord, metadata: TopicMetadata): ConsumedRecord {
  return {
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    key: decodeBytes(raw.key, metadata.keyFormat),
    value: decodeBytes(raw.value, metadata.valueFormat),
    timestamp: raw.timestamp,
    ...(raw.headers ? { headers: raw.headers } : {}),
  };
}

function decodeBytes(bytes: Buffer | null, format: string | null): unknown {
  if (bytes === null) return null;
  // A windowed key (`key windowed`) prints as { key, window: { start, end } } (a time window's bytes hold no end).
  const windowed = format?.includes("-windowed ") ? formatNamed(format) : undefined;
  if (windowed) {
    try {
      return windowed.decode(bytes);
    } catch {
      // Not a windowed key after all: shown as text, as anything that does not decode.
    }
  }
  const text = bytes.toString("utf8");
  if (format !== "json") return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// ------------------------------------------------------------------ running

export interface EmbeddedOptions {
  /** A data directory: the log is `DIR/weir.db`, created if needed. */
  readonly data?: string;
  /** A database file, or `:memory:`. */
  readonly path?: string;
  /** An open log (its owner closes it). */
  readonly log?: EmbeddedLog;
}

export interface EmbeddedRunOptions extends RunOptions, EmbeddedOptions {}

/** An engine over the embedded log; closing it closes the log if it opened it. */
export function createEmbeddedEngine(options: EmbeddedOptions): Engine {
  const given = [options.data, options.path, options.log].filter((o) => o !== undefined).length;
  if (given !== 1) throw new WeirRuntimeError("give the embedded engine exactly one of data (a directory), path (a file) or log");
  let impl: EmbeddedLogImpl;
  let owned: EmbeddedLogImpl | undefined;
  if (options.log) {
    const found = implementations.get(options.log);
    if (!found) throw new WeirRuntimeError("the log given to the embedded engine was not opened with openEmbeddedLog");
    impl = found;
  } else {
    if (options.data !== undefined) mkdirSync(options.data, { recursive: true });
    impl = owned = new EmbeddedLogImpl(options.data !== undefined ? embeddedDatabasePath(options.data) : options.path!);
  }
  const where = options.data !== undefined ? `--data ${options.data}` : "--data DIR";
  return new EmbeddedEngineImpl(impl, {
    missingSourceHint: (topic) => `produce to it first (weir produce ${topic} ${where})`,
    onClose: () => owned?.close(),
  });
}

/** Runs a topology on the embedded log until drained (or, with `follow`, until `signal` fires). */
export async function runEmbedded(topology: Topology, options: EmbeddedRunOptions): Promise<RunSummary> {
  const { data, path, log, ...runOptions } = options;
  const engine = createEmbeddedEngine({ data, path, log });
  try {
    return await engine.run(topology, withRunDefaults(runOptions));
  } finally {
    await engine.close();
  }
}

/**
 * Resets the application in a data folder (or database file): deletes its
 * internal topics and its committed input offsets, and fences a run still
 * going on it (application-reset.ts). The sinks' topics and the dead-letter
 * topic are left as they are. A folder without a database is an error, not a
 * reset of nothing: it is likely a mistyped path.
 */
export function resetEmbedded(topology: Topology, options: { readonly data: string } | { readonly path: string }): ApplicationReset {
  const path = "data" in options ? embeddedDatabasePath(options.data) : options.path;
  if (!existsSync(path)) throw new WeirRuntimeError(`nothing to reset: there is no ${path}`);
  const log = new EmbeddedLogImpl(path);
  try {
    const deletedTopics = log.resetApplicationSync(topology.application, internalTopicsOf(topology));
    const exists = (topic: string) => log.topicSync(topic) !== undefined;
    return {
      application: topology.application,
      deletedTopics,
      inputTopics: [...new Set(topology.sourceTopics)].filter(exists),
      keptTopics: keptTopicsOf(topology).filter(exists),
    };
  } finally {
    log.close();
  }
}

/**
 * Resets some stores of the application in a data folder (or database file):
 * empties them and moves the inputs of the sub-topologies that feed them back
 * (application-reset.ts, planStoreReset), fencing a run still going on it.
 * Refused, before anything is touched, when that would empty stores not named.
 */
export function resetEmbeddedStores(topology: Topology, options: ({ readonly data: string } | { readonly path: string }) & { readonly stores: readonly string[] }): StoreReset {
  const path = "data" in options ? embeddedDatabasePath(options.data) : options.path;
  if (!existsSync(path)) throw new WeirRuntimeError(`nothing to reset: there is no ${path}`);
  const log = new EmbeddedLogImpl(path);
  try {
    // Nothing here is ever deleted by retention: a repartition topic that exists holds its whole history.
    const plan = planStoreReset(topology, options.stores, (topic) => log.topicSync(topic) !== undefined);
    checkNamedStores(plan);
    const deletedTopics = log.resetStoresSync(topology.application, plan.changelogs, plan.inputs);
    return { application: topology.application, plan, deletedTopics };
  } finally {
    log.close();
  }
}
