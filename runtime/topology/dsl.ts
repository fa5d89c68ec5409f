// The DSL that generated code calls: `defineTopology` with a TopologyBuilder,
// and the KStream, KTable, WindowedKStream and KGroupedTable whose steps each
// add named nodes (nodes.ts) to the graph the builder turns into a Topology (graph.ts).
import { formats, type Format, type WindowedFormat } from "../formats.ts";
import type { EmitMode, JoinWindowSpec, WindowSpec } from "../windows.ts";
import { aggregationsFor, type Aggregations, type Aggregator } from "../aggregations.ts";
import type { StoreShape } from "../store-shape.ts";
import { Topology, TopologyError } from "./graph.ts";
import {
  repartitionTopicName,
  type AggregateNode,
  type BranchNode,
  type DedupNode,
  type FilterNode,
  type FlatMapNode,
  type ForeignKeySendNode,
  type HeaderValues,
  type KeyValue,
  type MapNode,
  type RecordOf,
  type SourceNode,
  type StreamJoinType,
  type StreamRecord,
  type TableAggregateNode,
  type TableChange,
  type TableFilterNode,
  type TableGroupByNode,
  type TableJoinType,
  type TableMapValuesNode,
  type TopologyNode,
  type WindowedAggregateNode,
} from "./nodes.ts";
import { storesOwnedBy } from "./stores.ts";

export interface SourceOptions<K, V> {
  readonly topic: string;
  readonly key: Format<K>;
  readonly value: Format<V>;
  /** Event time from the value; absent: the record's own timestamp. */
  readonly timestamp?: (value: V) => number;
}

/** A table read from a topic: its store's shape, when the topology declares it (docs/state.md). */
export interface TableSourceOptions<K, V> extends SourceOptions<K, V> {
  readonly shape?: StoreShape;
}

export interface SinkOptions<K, V, R = StreamRecord<K, V>, Out = V> {
  /**
   * The topic, or a function that picks it per record. A picked topic must
   * exist: a record for a topic that does not is dead-lettered (reason
   * "unknown-topic"), as is one for a topic of the application's own.
   */
  readonly topic: string | ((record: R) => string);
  /**
   * Whether `topic`, a function, may be given a tombstone (a record without a
   * value): it reads only the key and timestamp, or copes with a null value.
   * Default false: a tombstone whose topic is picked per record is
   * dead-lettered (reason "tombstone-topic").
   */
  readonly topicOfTombstones?: boolean;
  /** The key's format; a windowed one (`formats.timeWindowed(...)`, `formats.sessionWindowed(...)`) writes the key with the record's window. */
  readonly key: Format<K> | WindowedFormat<K>;
  readonly value: Format<Out>;
  /** The headers of each record written, from the record (before `project`); a tombstone is written without. */
  readonly headers?: (record: R) => HeaderValues;
  /** The value written, computed from the record; default: its value. A tombstone stays one (null). */
  readonly project?: (record: R) => Out;
}

/** How to aggregate, function by function. */
export interface AggregateFunctions<R, A, Out = A> {
  readonly initializer: () => A;
  readonly adder: (aggregate: A, record: R) => A;
  /** What flows downstream, from what the store keeps (avg keeps a sum and a count); default: the accumulator itself. */
  readonly result?: (aggregate: A) => Out;
  /** Combines two sessions' accumulators (needed for session windows); `earlier` holds the older records. */
  readonly merger?: (earlier: A, later: A) => A;
  /** Takes a row back out of an accumulator (needed to aggregate a grouped table, whose rows change). */
  readonly subtractor?: (aggregate: A, record: R) => A;
}

/** Or with weir's aggregate functions: `aggregator: (fns) => fns.record({ total: fns.sum((r) => r.value.amount) })`. */
export interface AggregatorOption<R, A, Out> {
  readonly aggregator: (fns: Aggregations<R>) => Aggregator<R, A, Out>;
}

export type AggregateOptions<K, V, A, Out = A> = {
  /** The state store's name; its changelog topic is `<application>-<store>-changelog`. */
  readonly store: string;
  /** What the store holds, recorded in its changelog and checked on start (docs/state.md); generated topologies give it. */
  readonly shape?: StoreShape;
} & (AggregateFunctions<StreamRecord<K, V>, A, Out> | AggregatorOption<StreamRecord<K, V>, A, Out>);

export type WindowedAggregateOptions<K, V, A, Out = A> = AggregateOptions<K, V, A, Out> & {
  /** Default "changes". */
  readonly emit?: EmitMode;
};

export interface StreamJoinOptions<T extends StreamJoinType = StreamJoinType> {
  /** Default "inner". */
  readonly type?: T;
  /** `windows.join({ withinMs, graceMs })` or `windows.join({ beforeMs, afterMs, graceMs })`. */
  readonly window: JoinWindowSpec;
  /** The name the other stream's value has in `record.joined`. */
  readonly as: string;
  /**
   * The buffers of this stream's and the other stream's records; their
   * changelogs are `<application>-<store>-changelog`.
   */
  readonly stores: { readonly this: string; readonly other: string };
  /** What each buffer holds, recorded in its changelog and checked on start (docs/state.md). */
  readonly shapes?: { readonly this: StoreShape; readonly other: StoreShape };
}

function functionsOf<R, A, Out>(options: AggregateFunctions<R, A, Out> | AggregatorOption<R, A, Out>): AggregateFunctions<R, A, Out> {
  return "aggregator" in options ? options.aggregator(aggregationsFor<R>()) : options;
}

/** The node that reads a topic of the user's, for a stream or (with a store) a table. */
function sourceNode<K, V>(name: string, options: SourceOptions<K, V>): SourceNode {
  return {
    kind: "source",
    name,
    topic: options.topic,
    keyFormat: options.key as Format<unknown>,
    valueFormat: options.value as Format<unknown>,
    timestamp: options.timestamp as ((value: unknown) => number) | undefined,
    internal: false,
  };
}

export class TopologyBuilder {
  readonly application: string;
  private readonly nodes: TopologyNode[] = [];

  constructor(application: string) {
    this.application = application;
  }

  stream<K, V>(name: string, options: SourceOptions<K, V>): KStream<K, V> {
    this.add(sourceNode(name, options));
    return new KStream<K, V>(this, name);
  }

  /**
   * A table read from a topic: the latest value per key, kept in the store
   * named `name` (changelog `<application>-<name>-changelog`); a record with a
   * null value deletes its key. Its changes flow downstream, deletes as null values.
   */
  table<K, V>(name: string, options: TableSourceOptions<K, V>): KTable<K, V> {
    this.add({ ...sourceNode(name, options), store: name, shape: options.shape });
    return new KTable<K, V>(this, name);
  }

  /** @internal The store that holds a table's rows: a table read from a topic, an aggregation's, or a materialized table's (not windowed). */
  storeOfTable(node: string): { readonly store: string; readonly read: ((stored: unknown) => unknown) | undefined } {
    const table = this.nodes.find((n) => n.name === node);
    const keyed = table?.kind === "source" || table?.kind === "aggregate" || table?.kind === "tableAggregate" || (table?.kind === "materialize" && !table.window);
    const store = keyed ? table.store : undefined;
    if (store === undefined) {
      throw new TopologyError(`${node} is not a table with a store: join a table read from a topic, an aggregation (not windowed) or a materialized table`);
    }
    // An aggregation's store keeps accumulators (avg keeps a sum and a count): its rows are their results.
    return { store, read: table?.kind === "aggregate" || table?.kind === "tableAggregate" ? table.result : undefined };
  }

  /**
   * @internal The windows of a windowed table: of its windowed aggregation,
   * through the filters, maps and materializations after it; none for a table
   * that is not windowed.
   */
  windowOfTable(node: string): WindowSpec | undefined {
    for (let current = this.nodes.find((n) => n.name === node); current; ) {
      if (current.kind === "windowedAggregate") return current.window;
      if (current.kind !== "tableFilter" && current.kind !== "tableMapValues" && current.kind !== "materialize") return undefined;
      const parent: string = current.parent;
      current = this.nodes.find((n) => n.name === parent);
    }
    return undefined;
  }

  /** @internal used by KStream and KTable */
  add(node: TopologyNode): void {
    if (this.nodes.some((n) => n.name === node.name)) {
      throw new TopologyError(`two nodes are named ${node.name}: node names must be unique`);
    }
    const storesOf = (n: TopologyNode) => storesOwnedBy(this.application, n).map((store) => store.name);
    const taken = new Set(this.nodes.flatMap(storesOf));
    for (const store of storesOf(node)) {
      if (taken.has(store)) throw new TopologyError(`two state stores are named ${store}: store names must be unique`);
      taken.add(store);
    }
    this.nodes.push(node);
  }

  build(): Topology {
    return new Topology(this.application, [...this.nodes]);
  }
}

export class KStream<K, V, W extends boolean = false> {
  constructor(
    private readonly builder: TopologyBuilder,
    /** The name of the node whose output this stream is. */
    readonly node: string,
  ) {}

  /** Keeps the records the predicate holds for; a tombstone is dropped (ksqlDB's WHERE), the predicate is not given it. */
  filter(name: string, predicate: (record: RecordOf<K, V, W>) => boolean): KStream<K, V, W> {
    this.builder.add({ kind: "filter", name, parent: this.node, predicate: predicate as unknown as FilterNode["predicate"] });
    return new KStream<K, V, W>(this.builder, name);
  }

  /** A new key and value: the record leaves its window behind. A tombstone goes on with a null key, without calling the mapper. */
  map<K2, V2>(name: string, mapper: (record: RecordOf<K, V, W>) => KeyValue<K2, V2>): KStream<K2, V2> {
    this.builder.add({ kind: "map", name, parent: this.node, mapper: mapper as unknown as MapNode["mapper"], keepsWindow: false, tombstones: "null-key" });
    return new KStream<K2, V2>(this.builder, name);
  }

  /** A new value; a tombstone goes on as it is (ksqlDB's SELECT of a null row), without calling the mapper. */
  mapValues<V2>(name: string, mapper: (record: RecordOf<K, V, W>) => V2): KStream<K, V2, W> {
    const keyed = (record: RecordOf<K, V, W>) => ({ key: record.key, value: mapper(record) });
    this.builder.add({ kind: "map", name, parent: this.node, mapper: keyed as unknown as MapNode["mapper"], keepsWindow: true, tombstones: "keep-key" });
    return new KStream<K, V2, W>(this.builder, name);
  }

  /**
   * A new key. A tombstone gets a null key without calling the mapper (as
   * ksqlDB's PARTITION BY of an expression over the value), unless
   * `fromKeyOnly` says that the mapper reads only the key and timestamp:
   * then it computes a tombstone's key too.
   */
  selectKey<K2>(name: string, mapper: (record: RecordOf<K, V, W>) => K2, options: { readonly fromKeyOnly?: boolean } = {}): KStream<K2, V> {
    const keyed = (record: RecordOf<K, V, W>) => ({ key: mapper(record), value: record.value });
    const tombstones = options.fromKeyOnly ? "map-key" : "null-key";
    this.builder.add({ kind: "map", name, parent: this.node, mapper: keyed as unknown as MapNode["mapper"], keepsWindow: false, tombstones });
    return new KStream<K2, V>(this.builder, name);
  }

  /**
   * Keys the records by a group key and writes them through the internal
   * topic `<application>-<repartition>-repartition` (keys encoded with `key`,
   * default JSON), for an aggregation: Kafka Streams' groupBy. Tombstones
   * (without calling the selector) and records whose group key is null are
   * dropped here, as the aggregation would drop them (Kafka Streams'
   * KStreamAggregate, ksqlDB's GROUP BY): they never reach the topic.
   */
  groupBy<K2>(name: string, selector: (record: RecordOf<K, V, W>) => K2, options: { readonly repartition: string; readonly key?: Format<NonNullable<K2>> }): KStream<NonNullable<K2>, V> {
    const keyed = (record: RecordOf<K, V, W>) => ({ key: selector(record), value: record.value });
    this.builder.add({ kind: "map", name, parent: this.node, mapper: keyed as unknown as MapNode["mapper"], keepsWindow: false, tombstones: "drop", dropsNullKeys: true });
    const grouped = new KStream<NonNullable<K2>, V>(this.builder, name);
    return grouped.repartition(options.repartition, options.key ? { key: options.key } : {});
  }

  /** One record per element; a tombstone makes none. */
  flatMapValues<V2>(name: string, mapper: (record: RecordOf<K, V, W>) => Iterable<V2>): KStream<K, V2, W> {
    const flat = function* (record: RecordOf<K, V, W>): Iterable<KeyValue<K, V2>> {
      for (const value of mapper(record)) yield { key: record.key, value };
    };
    this.builder.add({ kind: "flatMap", name, parent: this.node, mapper: flat as unknown as FlatMapNode["mapper"] });
    return new KStream<K, V2, W>(this.builder, name);
  }

  /**
   * Writes the stream through the internal topic `<application>-<name>-repartition`,
   * so that records are partitioned by their (new) key before a stateful step.
   */
  repartition(name: string, options: { readonly key?: Format<K> } = {}): KStream<K, V> {
    const topic = repartitionTopicName(this.builder.application, name);
    const json = formats.json() as Format<unknown>;
    // Records are partitioned by their encoded key: before a join, the key is
    // encoded as the table's topic encodes it, so that equal keys meet in one partition.
    const key = (options.key as Format<unknown> | undefined) ?? json;
    this.builder.add({ kind: "sink", name: `${name}-repartition-sink`, parent: this.node, topic, keyFormat: key, valueFormat: json, internal: true });
    const source = `${name}-repartition-source`;
    this.builder.add({ kind: "source", name: source, topic, keyFormat: key, valueFormat: json, timestamp: undefined, internal: true });
    return new KStream<K, V>(this.builder, source);
  }

  /**
   * Joins each record with the table's value for its key, as of the record's
   * timestamp (the task processes its inputs in timestamp order): a record
   * whose key the table lacks is dropped, and so is a tombstone (Kafka
   * Streams' KStreamKTableJoin). The table's value is at
   * `record.joined[store]`, under the name of the table's store. The stream
   * must be partitioned like the table.
   */
  join<VT>(name: string, table: KTable<K, VT>): KStream<K, V, W> {
    return this.joinNode(name, table, false);
  }

  /** As `join`, but a record whose key the table lacks goes on, with null for the table's value. */
  leftJoin<VT>(name: string, table: KTable<K, VT>): KStream<K, V, W> {
    return this.joinNode(name, table, true);
  }

  private joinNode(name: string, table: { readonly node: string }, left: boolean): KStream<K, V, W> {
    const { store, read } = this.builder.storeOfTable(table.node);
    this.builder.add({ kind: "join", name, parent: this.node, table: table.node, store, left, ...(read ? { read } : {}) });
    return new KStream<K, V, W>(this.builder, name);
  }

  /**
   * Drops each record whose key — and `by` value, if given — a record kept
   * less than `withinMs` before or after it (in event time) had; the first is
   * kept. Needs the stream partitioned by its key. The store `options.store`
   * remembers when each key was last kept (changelog `<application>-<store>-changelog`).
   * A tombstone passes, without calling `by`, and is not remembered.
   */
  dedup(
    name: string,
    options: { readonly store: string; readonly withinMs: number; readonly by?: (record: RecordOf<K, V, W>) => unknown; readonly shape?: StoreShape },
  ): KStream<K, V, W> {
    if (!(options.withinMs > 0)) throw new TopologyError(`${name}: a dedup window must be longer than 0 ms, not ${options.withinMs}`);
    this.builder.add({ kind: "dedup", name, parent: this.node, store: options.store, withinMs: options.withinMs, by: options.by as DedupNode["by"], shape: options.shape });
    return new KStream<K, V, W>(this.builder, name);
  }

  /**
   * This stream's records and the other streams', each as it is. Records of one
   * task come in timestamp order. The merged stream's key and value types are
   * the unions of the streams' (a nullable value merges with its non-null one).
   */
  merge<Others extends readonly KStream<any, any, W>[]>(name: string, ...others: Others): KStream<K | KeyOf<Others[number]>, V | ValueOf<Others[number]>, W> {
    this.builder.add({ kind: "merge", name, parents: [this.node, ...others.map((other) => other.node)] });
    return new KStream<K, V, W>(this.builder, name);
  }

  /**
   * Splits the stream: each record goes to the first arm whose `when` holds; an
   * arm without `when` (it must be the last) takes the records no other arm
   * took; a record no arm takes is dropped. A tombstone meets no condition
   * (none is given it): it goes to the arm without `when`, if there is one.
   * Each arm is a stream, named (and its node named) by the arm's name.
   */
  branch<const N extends string>(name: string, arms: readonly BranchArm<RecordOf<K, V, W>, N>[]): Record<N, KStream<K, V, W>> {
    const otherwise = arms.findIndex((arm) => arm.when === undefined);
    if (otherwise !== -1 && otherwise !== arms.length - 1) throw new TopologyError(`${name}: the arm without a condition (${arms[otherwise]!.name}) must be the last`);
    this.builder.add({
      kind: "branch",
      name,
      parent: this.node,
      arms: arms.map((arm) => ({ node: arm.name, predicate: arm.when as BranchNode["arms"][number]["predicate"] })),
    });
    const streams = {} as Record<N, KStream<K, V, W>>;
    for (const arm of arms) {
      this.builder.add({ kind: "branchArm", name: arm.name, parent: name });
      streams[arm.name] = new KStream<K, V, W>(this.builder, arm.name);
    }
    return streams;
  }

  /**
   * A windowed stream-stream join, as Kafka Streams' `join` / `leftJoin` /
   * `outerJoin` with `JoinWindows` (and ksqlDB's RIGHT JOIN: a left join with
   * the sides swapped): a record of this stream at t joins the other's records
   * with the same key at [t - beforeMs, t + afterMs] (`withinMs`: both). A
   * joined record has the key, this record's value, the other's at
   * `record.joined[options.as]`, and the later of the two timestamps. A left
   * (right, outer) join also emits each left (right, both) record that found no
   * match, with null for the missing side, once its window has closed: when
   * stream time passes its timestamp + after (before, for the other stream's
   * records) + grace. Each side's buffer keeps its records as long as Kafka
   * Streams' join stores do (before + after + grace behind the newest record of
   * that side), and a record joins whatever the other buffer still keeps, even
   * one that arrives after its window closed; one too old to be kept that joined
   * nothing is late: dropped, and dead-lettered with the reason "late". Both
   * streams must be partitioned alike (same key, same partition count); they
   * are read by one task.
   */
  windowedJoin<V2, T extends StreamJoinType = "inner">(name: string, other: KStream<K, V2, boolean>, options: StreamJoinOptions<T>): KStream<K, T extends "outer" | "right" ? V | null : V> {
    this.builder.add({
      kind: "streamJoin",
      name,
      parent: this.node,
      otherParent: other.node,
      other: options.as,
      type: options.type ?? "inner",
      window: options.window,
      thisStore: options.stores.this,
      otherStore: options.stores.other,
      shapes: options.shapes,
    });
    return new KStream(this.builder, name);
  }

  /** Aggregates per key into the store `options.store`; a record with a null key or a tombstone is skipped (no group to add it to). */
  aggregate<A, Out = A>(name: string, options: AggregateOptions<K, V, A, Out>): KTable<NonNullable<K>, Out> {
    const fns = functionsOf(options);
    this.builder.add({
      kind: "aggregate",
      name,
      parent: this.node,
      store: options.store,
      shape: options.shape,
      initializer: fns.initializer,
      adder: fns.adder as AggregateNode["adder"],
      result: (fns.result ?? identity) as AggregateNode["result"],
    });
    return new KTable<NonNullable<K>, Out>(this.builder, name);
  }

  /** Groups the records (already partitioned by key) into windows, for a windowed aggregation. */
  windowedBy(window: WindowSpec): WindowedKStream<K, V> {
    return new WindowedKStream<K, V>(this.builder, this.node, window);
  }

  to<Out = V>(name: string, options: SinkOptions<K, V, RecordOf<K, V, W>, Out>): void {
    const { topic } = options;
    type Fn<T> = ((record: StreamRecord<unknown, unknown>) => T) | undefined;
    this.builder.add({
      kind: "sink",
      name,
      parent: this.node,
      topic: typeof topic === "string" ? topic : undefined,
      topicOf: typeof topic === "string" ? undefined : (topic as unknown as Fn<string>),
      ...(options.topicOfTombstones ? { topicOfTombstones: true } : {}),
      headers: options.headers as unknown as Fn<HeaderValues>,
      project: options.project as unknown as Fn<unknown>,
      keyFormat: options.key as Format<unknown>,
      valueFormat: options.value as Format<unknown>,
      internal: false,
    });
  }
}

/** A stream's key and value types (`any` matches a stream of any types, whose own types are then inferred). */
type KeyOf<S> = S extends KStream<infer K, any, any> ? K : never;
type ValueOf<S> = S extends KStream<any, infer V, any> ? V : never;

/** An arm of `KStream.branch`: its name, and the condition that sends a record to it (none: else). */
export interface BranchArm<R, N extends string = string> {
  readonly name: N;
  readonly when?: (record: R) => boolean;
}

function identity<T>(value: T): T {
  return value;
}

export class WindowedKStream<K, V> {
  constructor(
    private readonly builder: TopologyBuilder,
    private readonly node: string,
    readonly window: WindowSpec,
  ) {}

  /**
   * Aggregates per key and window into the window store `options.store`. A
   * record later than every window it falls in (their end + grace passed in
   * stream time) is dropped and dead-lettered with the reason "late". A
   * record with a null key or a tombstone is skipped.
   */
  aggregate<A, Out = A>(name: string, options: WindowedAggregateOptions<K, V, A, Out>): KTable<NonNullable<K>, Out, true> {
    const fns = functionsOf(options);
    if (this.window.kind === "session" && !fns.merger) throw new TopologyError(`${name}: a session-windowed aggregation needs a merger`);
    this.builder.add({
      kind: "windowedAggregate",
      name,
      parent: this.node,
      store: options.store,
      shape: options.shape,
      window: this.window,
      emit: options.emit ?? "changes",
      initializer: fns.initializer,
      adder: fns.adder as WindowedAggregateNode["adder"],
      merger: fns.merger as WindowedAggregateNode["merger"],
      result: (fns.result ?? identity) as WindowedAggregateNode["result"],
    });
    return new KTable<NonNullable<K>, Out, true>(this.builder, name);
  }
}

/**
 * A table: every update to a key flows downstream as a change record (no
 * caching: every change is emitted). A windowed table's changes carry their
 * window; when sessions merge, each session that no longer exists is retracted
 * with a record whose value is null (a tombstone), before the merged session.
 */
export class KTable<K, V, W extends boolean = false> {
  constructor(
    private readonly builder: TopologyBuilder,
    readonly node: string,
  ) {}

  toStream(): KStream<K, V, W> {
    return new KStream<K, V, W>(this.builder, this.node);
  }

  /**
   * Keeps the rows that match; a row that stops matching is deleted (a null
   * value flows downstream). A windowed table's rows keep their window, and
   * so do its deletes.
   */
  filter(name: string, predicate: (record: RecordOf<K, V, W>) => boolean): KTable<K, V, W> {
    this.builder.add({ kind: "tableFilter", name, parent: this.node, predicate: predicate as unknown as TableFilterNode["predicate"] });
    return new KTable<K, V, W>(this.builder, name);
  }

  /** New values for the rows; a delete stays a delete (the mapper is not called). A windowed table's rows keep their window. */
  mapValues<V2>(name: string, mapper: (record: RecordOf<K, V, W>) => V2): KTable<K, V2, W> {
    this.builder.add({ kind: "tableMapValues", name, parent: this.node, mapper: mapper as unknown as TableMapValuesNode["mapper"] });
    return new KTable<K, V2, W>(this.builder, name);
  }

  /**
   * Joins two tables on the key: a row for each key both hold. Both must have
   * a store (read from a topic, aggregated or materialized) and be partitioned alike.
   */
  join<VO>(name: string, other: KTable<K, VO>): KTable<K, V> {
    return this.tableJoin(name, other, "inner");
  }

  /** A row for each key this table holds; the other table's value may be null. */
  leftJoin<VO>(name: string, other: KTable<K, VO>): KTable<K, V> {
    return this.tableJoin(name, other, "left");
  }

  /**
   * A row for each key the other table holds; this table's value (`record.value`)
   * may be null. Kafka Streams' DSL has no rightJoin (ksqlDB's RIGHT JOIN swaps
   * the sides of a left join); the rows are those of `other.leftJoin(this)`.
   */
  rightJoin<VO>(name: string, other: KTable<K, VO>): KTable<K, V | null> {
    return this.tableJoin(name, other, "right") as KTable<K, V | null>;
  }

  /** A row for each key either table holds; either value may be null (this table's value is `record.value`). */
  outerJoin<VO>(name: string, other: KTable<K, VO>): KTable<K, V | null> {
    // A grouped table's aggregate reads V, and that makes KTable<K, V> no KTable<K, V | null> to TypeScript: the rows are the same.
    return this.tableJoin(name, other, "outer") as KTable<K, V | null>;
  }

  private tableJoin(name: string, other: { readonly node: string }, type: TableJoinType): KTable<K, V> {
    const left = this.builder.storeOfTable(this.node);
    const right = this.builder.storeOfTable(other.node);
    this.builder.add({
      kind: "tableJoin",
      name,
      parent: this.node,
      other: other.node,
      leftStore: left.store,
      rightStore: right.store,
      ...(left.read ? { readLeft: left.read } : {}),
      ...(right.read ? { readRight: right.read } : {}),
      type,
    });
    return new KTable<K, V>(this.builder, name);
  }

  /**
   * Joins each row with the row of `other` whose key its foreign key names
   * (Kafka Streams' foreign-key join, KIP-213): the result is keyed like this
   * table. The tables need not be co-partitioned: subscriptions travel to the
   * other table's partitioning through `<application>-<prefix>-subscription-repartition`
   * (keys encoded with `subscriptionKey`, as the other table's topic encodes
   * them) and responses come back through `<application>-<prefix>-response-repartition`
   * (keys encoded with `responseKey`, as this table's topic does). Stores:
   * `<prefix>-foreign-keys` and `<prefix>-subscriptions`.
   */
  foreignKeyJoin<KO, VO>(name: string, other: KTable<KO, VO>, options: ForeignKeyJoinOptions<K, V, KO>): KTable<K, V> {
    const left = this.builder.storeOfTable(this.node);
    const right = this.builder.storeOfTable(other.node);
    const application = this.builder.application;
    const json = formats.json() as Format<unknown>;
    const subscriptionTopic = repartitionTopicName(application, `${options.prefix}-subscription`);
    const responseTopic = repartitionTopicName(application, `${options.prefix}-response`);
    const subscriptionKey = (options.subscriptionKey as Format<unknown> | undefined) ?? json;
    const responseKey = (options.responseKey as Format<unknown> | undefined) ?? json;
    const subscriptions = `${options.prefix}-subscriptions`;
    const internalSink = (sinkName: string, parent: string, topic: string, key: Format<unknown>) =>
      this.builder.add({ kind: "sink", name: sinkName, parent, topic, keyFormat: key, valueFormat: json, internal: true });
    const internalSource = (sourceName: string, topic: string, key: Format<unknown>) =>
      this.builder.add({ kind: "source", name: sourceName, topic, keyFormat: key, valueFormat: json, timestamp: undefined, internal: true });

    this.builder.add({
      kind: "foreignKeySend",
      name: `${name}-subscribe`,
      parent: this.node,
      foreignKey: options.foreignKey as ForeignKeySendNode["foreignKey"],
      store: `${options.prefix}-foreign-keys`,
      shape: options.shapes?.foreignKeys,
    });
    internalSink(`${name}-subscription-sink`, `${name}-subscribe`, subscriptionTopic, subscriptionKey);
    internalSource(`${name}-subscription-source`, subscriptionTopic, subscriptionKey);
    this.builder.add({
      kind: "foreignKeySubscribe",
      name: `${name}-lookup`,
      parent: `${name}-subscription-source`,
      table: other.node,
      store: subscriptions,
      shape: options.shapes?.subscriptions,
      rightStore: right.store,
      ...(right.read ? { readRight: right.read } : {}),
    });
    internalSink(`${name}-response-sink`, `${name}-lookup`, responseTopic, responseKey);
    this.builder.add({ kind: "foreignKeyNotify", name: `${name}-notify`, parent: other.node, subscriptions });
    internalSink(`${name}-notify-response-sink`, `${name}-notify`, responseTopic, responseKey);
    internalSource(`${name}-response-source`, responseTopic, responseKey);
    this.builder.add({
      kind: "foreignKeyResponse",
      name,
      parent: `${name}-response-source`,
      table: this.node,
      leftStore: left.store,
      ...(left.read ? { readLeft: left.read } : {}),
      joinedAs: right.store,
      type: options.left ? "left" : "inner",
    });
    return new KTable<K, V>(this.builder, name);
  }

  /**
   * Groups the rows by a key computed from each row (Kafka Streams'
   * KTable.groupBy), for an aggregation that follows each row as it changes:
   * a changed row is subtracted from its old group and added to its new one.
   * The changes go through `<application>-<repartition>-repartition`. The
   * table must have a store (read from a topic, aggregated or materialized):
   * its previous rows are what is subtracted.
   */
  groupBy<K2>(name: string, selector: (record: StreamRecord<K, V>) => K2, options: { readonly repartition: string; readonly key?: Format<NonNullable<K2>> }): KGroupedTable<NonNullable<K2>, V> {
    this.builder.storeOfTable(this.node);
    this.builder.add({ kind: "tableGroupBy", name, parent: this.node, selector: selector as unknown as TableGroupByNode["selector"] });
    const repartitioned = new KStream<NonNullable<K2>, TableChange<V>>(this.builder, name).repartition(options.repartition, options.key ? { key: options.key } : {});
    return new KGroupedTable<NonNullable<K2>, V>(this.builder, repartitioned.node);
  }

  /**
   * Keeps the table's rows in the store `options.store` (changelog
   * `<application>-<store>-changelog`), so that it can be joined. A windowed
   * table's rows are kept per key and window, in a window store with the
   * windows of its aggregation, each until its window closes (it cannot be joined).
   */
  materialize(name: string, options: { readonly store: string; readonly shape?: StoreShape }): KTable<K, V, W> {
    const window = this.builder.windowOfTable(this.node);
    this.builder.add({ kind: "materialize", name, parent: this.node, store: options.store, shape: options.shape, ...(window ? { window } : {}) });
    return new KTable<K, V, W>(this.builder, name);
  }

  to<Out = V>(name: string, options: SinkOptions<K, V, RecordOf<K, V, W>, Out>): void {
    this.toStream().to(name, options);
  }
}

/** A table's rows grouped by another key, partitioned by it: what `KTable.groupBy` returns, to aggregate. */
export class KGroupedTable<K, V> {
  constructor(
    private readonly builder: TopologyBuilder,
    /** The repartition topic's source, whose records are TableChange values. */
    readonly node: string,
  ) {}

  /**
   * Aggregates each group's rows into the store `options.store` (changelog
   * `<application>-<store>-changelog`), following every change of a row: the
   * aggregator needs a subtractor (count, sum and avg have one). Every update
   * of a group flows downstream.
   */
  aggregate<A, Out = A>(name: string, options: AggregateOptions<K, V, A, Out>): KTable<K, Out> {
    const fns = functionsOf(options);
    if (!fns.subtractor) throw new TopologyError(`${name}: aggregating a grouped table needs a subtractor, to take a changed row's old value out of its group`);
    this.builder.add({
      kind: "tableAggregate",
      name,
      parent: this.node,
      store: options.store,
      shape: options.shape,
      initializer: fns.initializer,
      adder: fns.adder as TableAggregateNode["adder"],
      subtractor: fns.subtractor as TableAggregateNode["subtractor"],
      result: (fns.result ?? identity) as TableAggregateNode["result"],
    });
    return new KTable<K, Out>(this.builder, name);
  }
}

export interface ForeignKeyJoinOptions<K, V, KO> {
  /** The other table's key, from this table's row; null joins nothing. */
  readonly foreignKey: (record: StreamRecord<K, V>) => KO | null;
  /** A left join keeps a row whose foreign key names no row (the other table's value is null). */
  readonly left?: boolean;
  /** Names the internal topics and stores: usually the result table's name. */
  readonly prefix: string;
  /** How the subscription topic encodes foreign keys: as the other table's topic encodes its keys (default JSON). */
  readonly subscriptionKey?: Format<KO>;
  /** How the response topic encodes this table's keys: as this table's topic does (default JSON). */
  readonly responseKey?: Format<K>;
  /** What the stores `<prefix>-foreign-keys` and `<prefix>-subscriptions` hold (docs/state.md). */
  readonly shapes?: { readonly foreignKeys: StoreShape; readonly subscriptions: StoreShape };
}

/** Builds a topology: `defineTopology("wordcount", (builder) => { ... })`. */
export function defineTopology(application: string, define: (builder: TopologyBuilder) => void): Topology {
  const builder = new TopologyBuilder(application);
  define(builder);
  return builder.build();
}
