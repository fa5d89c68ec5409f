// `weir/testing`: run a topology against an in-memory embedded log, without a
// broker or files, in the spirit of Kafka Streams' TopologyTestDriver.
//
//   const driver = new TopologyTestDriver(topology);
//   driver.pipeInput("text-lines", [{ value: "a b a" }]);
//   await driver.run();
//   driver.readOutput("word-counts"); // [{ key: "a", value: 1, ... }, ...]
//
// A compiled topology carries the types of its records (see record-types.ts):
// then keys and values piped in, read out and read from tables are typed.
import { createEmbeddedEngine, openEmbeddedLog, type EmbeddedLog } from "./embedded.ts";
import type { Engine, RunOptions, RunSummary } from "./engine.ts";
import type { ConsumedRecord } from "./records.ts";
import type { RecordTypes, TableTypes, TopicTypes, TypedTopology } from "./record-types.ts";
import { TopologyError, type Topology } from "./topology/graph.ts";
import type { StoreDescription } from "./topology/stores.ts";
import { SHAPE_RECORD_HEADERS } from "./internal/store-shape-record.ts";
import { STREAM_TIME_KEY } from "./internal/timed-store.ts";
import type { WindowEntry } from "./internal/window-store.ts";
import { didYouMean } from "./suggest.ts";

export interface TestRecord<K = unknown, V = unknown> {
  /** Encoded with the source's key format; a Buffer is written as is, null or absent is no key. */
  readonly key?: K | Buffer | null;
  /** Encoded with the source's value format; a Buffer is written as is (to test undecodable input), null is a tombstone. */
  readonly value: V | Buffer | null;
  /** Epoch milliseconds; default the driver's clock, which starts at 0 and moves 1 ms per piped record. */
  readonly timestamp?: number;
}

/** A record read back from a topic, its key and value decoded. */
export type TestOutputRecord<K = unknown, V = unknown> = Omit<ConsumedRecord, "key" | "value"> & { readonly key: K; readonly value: V };

/** A row of a windowed table: the value of one key in one window. */
export interface WindowedRow<K = unknown, V = unknown> {
  readonly key: K;
  /** As on the table's records: `end` is exclusive for time windows, a session's last record's timestamp for sessions. */
  readonly window: { readonly start: number; readonly end: number };
  readonly value: V;
}

/** The names of a topology's tables that are windowed (`true`) or not (`false`); without types, every name. */
type TablesWindowed<M, W extends boolean> = {
  [N in Extract<keyof M, string>]: M[N] extends { readonly windowed: infer X } ? (boolean extends X ? N : X extends W ? N : never) : N;
}[Extract<keyof M, string>];
type TableKey<M, N extends keyof M> = M[N] extends TableTypes ? M[N]["key"] : unknown;
type TableValue<M, N extends keyof M> = M[N] extends TableTypes ? M[N]["value"] : unknown;

type Names<M> = Extract<keyof M, string>;
type KeyOf<M, N extends string> = N extends keyof M ? (M[N] extends TopicTypes ? M[N]["key"] : unknown) : unknown;
type ValueOf<M, N extends string> = N extends keyof M ? (M[N] extends TopicTypes ? M[N]["value"] : unknown) : unknown;

export interface TopologyTestDriverOptions {
  /** Partition counts of the input topics the driver creates; default 1. */
  readonly partitions?: Readonly<Record<string, number>>;
  /**
   * Options for each `run()` (e.g. maxRecordsPerCommit). `cacheMaxBytes`
   * defaults to 0 here, unlike in a run: the driver shows every update, as
   * Kafka Streams' TopologyTestDriver does; give it a budget to see updates
   * of a key collapse per commit as a run's would (docs/testing.md).
   */
  readonly run?: Omit<RunOptions, "follow" | "signal">;
}

export class TopologyTestDriver<T extends RecordTypes = RecordTypes> {
  /** The in-memory log, to inspect anything the driver does not show. */
  readonly log: EmbeddedLog;
  private readonly engine: Engine;
  private readonly read = new Map<string, number>();
  private clock = 0;

  constructor(
    readonly topology: TypedTopology<T>,
    private readonly options: TopologyTestDriverOptions = {},
  ) {
    this.log = openEmbeddedLog(":memory:");
    this.engine = createEmbeddedEngine({ log: this.log });
  }

  /**
   * Appends records to a topic that a source reads (created if missing); any
   * other topic is refused, as records there would never be read. Keys and
   * values are encoded with the formats of the source that reads the topic.
   */
  pipeInput<N extends Names<T["inputs"]>>(topic: N, records: readonly TestRecord<KeyOf<T["inputs"], N>, ValueOf<T["inputs"], N>>[]): void {
    const problem = unreadInputProblem(this.topology, topic);
    if (problem) throw new TopologyError(problem);
    this.log.createTopic(topic, this.options.partitions?.[topic] ?? 1);
    const source = this.topology.nodes.find((node) => node.kind === "source" && node.topic === topic);
    const encode = (format: { encode(value: unknown): Buffer } | undefined, value: unknown): unknown => {
      if (value === null || value === undefined || Buffer.isBuffer(value) || !format) return value;
      return format.encode(value);
    };
    this.log.produce(
      topic,
      records.map((record) => ({
        key: encode(source?.kind === "source" ? source.keyFormat : undefined, record.key),
        value: encode(source?.kind === "source" ? source.valueFormat : undefined, record.value),
        timestamp: record.timestamp ?? this.clock++,
      })),
    );
  }

  /** Processes everything piped so far, until drained. */
  run(): Promise<RunSummary> {
    return this.engine.run(this.topology, { cacheMaxBytes: 0, ...this.options.run });
  }

  /**
   * The records of a topic not read yet, decoded (JSON values parsed), in
   * partition then offset order. A sink's fixed topic has none before the
   * first run; a topic that does not exist otherwise is an error (a
   * misspelling gets a "did you mean").
   */
  readOutput<N extends Names<T["outputs"]> | (string & {})>(topic: N): TestOutputRecord<KeyOf<T["outputs"], N>, ValueOf<T["outputs"], N>>[] {
    if (!this.log.topics().some((t) => t.name === topic)) {
      if (this.topology.sinkTopics.includes(topic)) return [];
      const written = [...new Set([...this.topology.sinkTopics, this.topology.deadLetterTopic])];
      const existing = this.log.topics().map((t) => t.name);
      const close = didYouMean(topic, [...written, ...existing]);
      throw new TopologyError(`no topic '${topic}' (the topology writes to ${written.join(", ")})${close ? `: ${close}` : ""}`);
    }
    const records = this.log.consume(topic).filter((record) => record.offset >= (this.read.get(`${topic}-${record.partition}`) ?? 0));
    for (const record of records) this.read.set(`${topic}-${record.partition}`, record.offset + 1);
    return records as TestOutputRecord<KeyOf<T["outputs"], N>, ValueOf<T["outputs"], N>>[];
  }

  /**
   * A table's contents as of the last commit, read from the changelog of its
   * state store (for a compiled .weir file, the store has the table's name):
   * a Map from key to value, deleted keys absent. Values are the table's
   * values (an aggregation's result, not the accumulator its store keeps).
   * Another store (a dedup store, a join's buffers) is shown as the store
   * keeps it. A windowed table is read with `readWindowedTable` (as Kafka
   * Streams' test driver has a key-value store and a window store getter).
   */
  readTable<N extends TablesWindowed<T["tables"], false>>(name: N): Map<TableKey<T["tables"], N>, TableValue<T["tables"], N>> {
    const description = this.storeNamed(name);
    if (description.kind === "window") throw new TopologyError(`${name} is a windowed table, with a value per key and window: read it with readWindowedTable(${JSON.stringify(name)})`);
    const result = this.resultOf(description);
    const rows = [...this.latestRows(description).values()].map(({ key, value }) => [key, result(value)] as const);
    return new Map(rows) as Map<TableKey<T["tables"], N>, TableValue<T["tables"], N>>;
  }

  /**
   * A windowed table's windows still open as of the last commit, as rows
   * `{ key, window: { start, end }, value }`, by key, then start (a window
   * that closed is no longer in the store: its final result is in the
   * table's records).
   */
  readWindowedTable<N extends TablesWindowed<T["tables"], true>>(name: N): WindowedRow<TableKey<T["tables"], N>, TableValue<T["tables"], N>>[] {
    const description = this.storeNamed(name);
    if (description.kind !== "window") throw new TopologyError(`${name} is not a windowed table: read it with readTable(${JSON.stringify(name)})`);
    return windowedRows(this.latestRows(description), this.resultOf(description)) as WindowedRow<TableKey<T["tables"], N>, TableValue<T["tables"], N>>[];
  }

  private storeNamed(name: string): StoreDescription {
    const description = this.topology.stores.find((s) => s.name === name);
    if (description) return description;
    const names = this.topology.stores.map((s) => s.name);
    const close = didYouMean(name, names);
    throw new TopologyError(`no state store named ${name} (the topology's stores: ${names.join(", ") || "none"})${close ? `: ${close}` : ""}`);
  }

  /** The latest row of each key in a store's changelog (a null value deletes it). */
  private latestRows(description: StoreDescription): Map<string, { key: unknown; value: unknown }> {
    // Changelogs are JSON topics: consume decodes keys and values. Keys are
    // compared by their JSON text, as the store does, so that record keys work.
    const latest = new Map<string, { key: unknown; value: unknown }>();
    for (const record of this.log.consume(description.changelogTopic)) {
      // The record of the store's shape (docs/state.md) is not a row.
      if (record.headers?.["weir-record"] === SHAPE_RECORD_HEADERS["weir-record"]) continue;
      const keyText = JSON.stringify(record.key);
      if (record.value === null) latest.delete(keyText);
      else latest.set(keyText, { key: record.key, value: record.value });
    }
    return latest;
  }

  async close(): Promise<void> {
    await this.engine.close();
    this.log.close();
  }

  /** An aggregation's store keeps accumulators: its table's value is the result of one. */
  private resultOf(store: StoreDescription): (kept: unknown) => unknown {
    const node = this.topology.nodes.find((n) => n.name === store.node);
    if (node && (node.kind === "aggregate" || node.kind === "tableAggregate" || node.kind === "windowedAggregate")) return (kept) => node.result(kept);
    return (kept) => kept;
  }
}

/** A window store's entries (`[key, start]` → WindowEntry, and its stream time) as the rows of open windows. */
function windowedRows(entries: Map<string, { key: unknown; value: unknown }>, result: (kept: unknown) => unknown): WindowedRow[] {
  const rows: { row: WindowedRow; keyText: string }[] = [];
  for (const [keyText, { key, value }] of entries) {
    // The stream time, and a closed sliding window kept only for the windows of later records: not rows.
    if (keyText === STREAM_TIME_KEY || (value as WindowEntry).closed) continue;
    const [recordKey, start] = key as [unknown, number];
    const entry = value as WindowEntry;
    rows.push({ row: { key: recordKey, window: { start, end: entry.end }, value: result(entry.aggregate) }, keyText: JSON.stringify(recordKey) });
  }
  return rows.sort((a, b) => (a.keyText < b.keyText ? -1 : a.keyText > b.keyText ? 1 : a.row.window.start - b.row.window.start)).map((r) => r.row);
}

/**
 * Why records written to `topic` would never be read by the topology: no
 * source reads it. Undefined when a source does. (`weir run --input` and
 * `pipeInput` both refuse such a topic, with this message.)
 */
export function unreadInputProblem(topology: Topology, topic: string): string | undefined {
  const sources = [...new Set(topology.sourceTopics)];
  if (sources.includes(topic)) return undefined;
  const close = didYouMean(topic, sources);
  return `no source reads topic '${topic}' (sources: ${sources.join(", ") || "none"})${close ? `: ${close}` : ""}`;
}
