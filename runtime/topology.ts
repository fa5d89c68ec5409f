// The topology builder that generated code calls, and the Topology it builds:
// a graph of named nodes, split into sub-topologies at repartition topics, with
// named state stores. Names given here are stable: internal topic names derive
// from the application id and these names, never from positions or counters,
// so that a redeployed topology finds its changelogs and repartition topics again.
import { WeirRuntimeError } from "./errors.ts";
import { formats, type Format } from "./formats.ts";
import type { EmitMode, TimeWindow, WindowSpec } from "./windows.ts";
import { aggregationsFor, type Aggregations, type Aggregator } from "./aggregations.ts";

export interface StreamRecord<K, V> {
  readonly key: K;
  readonly value: V;
  /** Event time in epoch milliseconds. */
  readonly timestamp: number;
  /** The window of a windowed aggregation's result (and of the records derived from it without a new key). */
  readonly window?: TimeWindow;
  /**
   * After a stream-table join: the joined tables' values, by table name (null
   * after a left join that found nothing). Steps that only filter keep it; a
   * step that makes a new record leaves it behind.
   */
  readonly joined?: Readonly<Record<string, unknown>>;
}

/** A record of a windowed table's changes: its key is the group key, its window beside it. */
export interface WindowedRecord<K, V> extends StreamRecord<K, V> {
  readonly window: TimeWindow;
}

/** The records a stream carries: windowed (W = true) or not. */
export type RecordOf<K, V, W extends boolean> = W extends true ? WindowedRecord<K, V> : StreamRecord<K, V>;

export interface KeyValue<K, V> {
  readonly key: K;
  readonly value: V;
}

export interface SourceOptions<K, V> {
  readonly topic: string;
  readonly key: Format<K>;
  readonly value: Format<V>;
  /** Event time from the value; absent: the record's own timestamp. */
  readonly timestamp?: (value: V) => number;
}

/** Header names and values of a record written; a null (or undefined) value leaves that header out. */
export type HeaderValues = Readonly<Record<string, string | null | undefined>>;

export interface SinkOptions<K, V, R = StreamRecord<K, V>, Out = V> {
  /**
   * The topic, or a function that picks it per record. A picked topic must
   * exist: a record for a topic that does not is dead-lettered (reason
   * "unknown-topic"), as is one for a topic of the application's own.
   */
  readonly topic: string | ((record: R) => string);
  readonly key: Format<K>;
  readonly value: Format<Out>;
  /** The headers of each record written, from the record (before `project`). */
  readonly headers?: (record: R) => HeaderValues;
  /** The value written, computed from the record; default: its value. */
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
}

/** Or with weir's aggregate functions: `aggregator: (fns) => fns.record({ total: fns.sum((r) => r.value.amount) })`. */
export interface AggregatorOption<R, A, Out> {
  readonly aggregator: (fns: Aggregations<R>) => Aggregator<R, A, Out>;
}

export type AggregateOptions<K, V, A, Out = A> = {
  /** The state store's name; its changelog topic is `<application>-<store>-changelog`. */
  readonly store: string;
} & (AggregateFunctions<StreamRecord<K, V>, A, Out> | AggregatorOption<StreamRecord<K, V>, A, Out>);

export type WindowedAggregateOptions<K, V, A, Out = A> = AggregateOptions<K, V, A, Out> & {
  /** Default "changes". */
  readonly emit?: EmitMode;
};

function functionsOf<R, A, Out>(options: AggregateFunctions<R, A, Out> | AggregatorOption<R, A, Out>): AggregateFunctions<R, A, Out> {
  return "aggregator" in options ? options.aggregator(aggregationsFor<R>()) : options;
}

interface NodeBase {
  readonly name: string;
}

export interface SourceNode extends NodeBase {
  readonly kind: "source";
  readonly topic: string;
  readonly keyFormat: Format<unknown>;
  readonly valueFormat: Format<unknown>;
  readonly timestamp: ((value: unknown) => number) | undefined;
  /** Set for the reading side of a repartition topic. */
  readonly internal: boolean;
  /**
   * A table's source: the latest value per key is kept in this store (a null
   * value deletes the key). A stream's source has none, and drops null values.
   */
  readonly store?: string;
}

/** A stream-table join on the key, looking the key up in a source table's store. */
export interface JoinNode extends NodeBase {
  readonly kind: "join";
  readonly parent: string;
  /** The table's source node; the record carries the table's value under this name. */
  readonly table: string;
  readonly store: string;
  /** A left join keeps a record whose key the table lacks (with null for the table's value). */
  readonly left: boolean;
}

export interface FilterNode extends NodeBase {
  readonly kind: "filter";
  readonly parent: string;
  readonly predicate: (record: StreamRecord<unknown, unknown>) => boolean;
}

export interface MapNode extends NodeBase {
  readonly kind: "map";
  readonly parent: string;
  readonly mapper: (record: StreamRecord<unknown, unknown>) => KeyValue<unknown, unknown>;
  /** Whether the record keeps its window: it does when only the value changes. */
  readonly keepsWindow: boolean;
}

export interface FlatMapNode extends NodeBase {
  readonly kind: "flatMap";
  readonly parent: string;
  readonly mapper: (record: StreamRecord<unknown, unknown>) => Iterable<KeyValue<unknown, unknown>>;
}

export interface AggregateNode extends NodeBase {
  readonly kind: "aggregate";
  readonly parent: string;
  readonly store: string;
  readonly initializer: () => unknown;
  readonly adder: (aggregate: unknown, record: StreamRecord<unknown, unknown>) => unknown;
  readonly result: (aggregate: unknown) => unknown;
}

/** An aggregation per key and window, kept in a window store. */
export interface WindowedAggregateNode extends NodeBase {
  readonly kind: "windowedAggregate";
  readonly parent: string;
  readonly store: string;
  readonly window: WindowSpec;
  readonly emit: EmitMode;
  readonly initializer: () => unknown;
  readonly adder: (aggregate: unknown, record: StreamRecord<unknown, unknown>) => unknown;
  readonly merger: ((earlier: unknown, later: unknown) => unknown) | undefined;
  readonly result: (aggregate: unknown) => unknown;
}

export interface SinkNode extends NodeBase {
  readonly kind: "sink";
  readonly parent: string;
  /** The fixed topic; undefined when `topicOf` picks one per record. */
  readonly topic: string | undefined;
  readonly topicOf?: ((record: StreamRecord<unknown, unknown>) => string) | undefined;
  readonly headers?: ((record: StreamRecord<unknown, unknown>) => HeaderValues) | undefined;
  readonly project?: ((record: StreamRecord<unknown, unknown>) => unknown) | undefined;
  readonly keyFormat: Format<unknown>;
  readonly valueFormat: Format<unknown>;
  /** Set for the writing side of a repartition topic. */
  readonly internal: boolean;
}

export type TopologyNode = SourceNode | JoinNode | FilterNode | MapNode | FlatMapNode | AggregateNode | WindowedAggregateNode | SinkNode;

export interface StoreDescription {
  readonly name: string;
  readonly changelogTopic: string;
  /** A window store's windows; absent for a key-value store. */
  readonly window?: WindowSpec;
  /** The node that owns the store: an aggregation or a table's source. */
  readonly node: string;
}

/** A connected part of the graph: its sources are read by one task per input partition. */
export interface SubTopology {
  readonly id: number;
  /** Nodes in the order they were added (a parent always before its children). */
  readonly nodes: readonly TopologyNode[];
  readonly sourceTopics: readonly string[];
  readonly stores: readonly StoreDescription[];
}

export class TopologyError extends WeirRuntimeError {
  override readonly name = "TopologyError";
}

export class Topology {
  readonly application: string;
  readonly nodes: readonly TopologyNode[];
  readonly stores: readonly StoreDescription[];
  readonly subtopologies: readonly SubTopology[];

  constructor(application: string, nodes: readonly TopologyNode[]) {
    this.application = application;
    this.nodes = nodes;
    this.stores = nodes.flatMap((node): StoreDescription[] => {
      if (node.kind === "source" && node.store !== undefined) return [{ name: node.store, changelogTopic: changelogTopicName(application, node.store), node: node.name }];
      if (node.kind !== "aggregate" && node.kind !== "windowedAggregate") return [];
      return [
        {
          name: node.store,
          changelogTopic: changelogTopicName(application, node.store),
          node: node.name,
          ...(node.kind === "windowedAggregate" ? { window: node.window } : {}),
        },
      ];
    });
    this.subtopologies = splitIntoSubtopologies(nodes, this.stores);
  }

  /** Where records that cannot be read or processed go, with the reason. */
  get deadLetterTopic(): string {
    return `${this.application}-dlq`;
  }

  get sourceTopics(): string[] {
    return this.nodes.filter((n): n is SourceNode => n.kind === "source" && !n.internal).map((n) => n.topic);
  }

  get sinkTopics(): string[] {
    return this.nodes.flatMap((n) => (n.kind === "sink" && !n.internal && n.topic !== undefined ? [n.topic] : []));
  }

  get repartitionTopics(): string[] {
    return this.nodes.flatMap((n) => (n.kind === "sink" && n.internal && n.topic !== undefined ? [n.topic] : []));
  }

  node(name: string): TopologyNode {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new TopologyError(`no node named ${name}`);
    return node;
  }

  children(name: string): TopologyNode[] {
    return this.nodes.filter((n) => n.kind !== "source" && n.parent === name);
  }

  /** The topology as text, in the spirit of Kafka Streams' TopologyDescription. */
  describe(): string {
    const lines: string[] = [`Topology: ${this.application}`];
    for (const sub of this.subtopologies) {
      lines.push(`  Sub-topology ${sub.id}`);
      for (const node of sub.nodes) {
        const next = this.children(node.name).map((c) => c.name);
        const arrow = next.length > 0 ? ` --> ${next.join(", ")}` : "";
        switch (node.kind) {
          case "source":
            lines.push(`    Source: ${node.name} (topic: ${node.topic}${node.internal ? ", repartition" : ""}${node.store ? `, table, store: ${node.store}` : ""})${arrow}`);
            break;
          case "join":
            lines.push(`    Processor: ${node.name} (${node.left ? "left join" : "join"} ${node.table}, store: ${node.store})${arrow} <-- ${node.parent}`);
            break;
          case "sink":
            lines.push(`    Sink: ${node.name} (topic: ${node.topic ?? "picked per record"}${node.internal ? ", repartition" : ""}) <-- ${node.parent}`);
            break;
          case "aggregate":
            lines.push(`    Processor: ${node.name} (aggregate, store: ${node.store})${arrow} <-- ${node.parent}`);
            break;
          case "windowedAggregate":
            lines.push(`    Processor: ${node.name} (aggregate, ${describeWindow(node.window)}, emit ${node.emit}, store: ${node.store})${arrow} <-- ${node.parent}`);
            break;
          default:
            lines.push(`    Processor: ${node.name} (${node.kind})${arrow} <-- ${node.parent}`);
        }
      }
    }
    lines.push("  State stores:");
    if (this.stores.length === 0) lines.push("    (none)");
    for (const store of this.stores) lines.push(`    ${store.name} (${store.window ? "window store, " : ""}changelog: ${store.changelogTopic})`);
    lines.push("  Repartition topics:");
    if (this.repartitionTopics.length === 0) lines.push("    (none)");
    for (const topic of this.repartitionTopics) lines.push(`    ${topic}`);
    lines.push(`  Dead-letter topic: ${this.deadLetterTopic}`);
    return lines.join("\n");
  }
}

function describeWindow(window: WindowSpec): string {
  if (window.kind === "session") return `session windows: gap ${window.gapMs} ms, grace ${window.graceMs} ms`;
  if (window.kind === "sliding") return `sliding windows: time difference ${window.differenceMs} ms, grace ${window.graceMs} ms`;
  if (window.advanceMs === window.sizeMs) return `tumbling windows: size ${window.sizeMs} ms, grace ${window.graceMs} ms`;
  return `hopping windows: size ${window.sizeMs} ms, advance ${window.advanceMs} ms, grace ${window.graceMs} ms`;
}

export function changelogTopicName(application: string, store: string): string {
  return `${application}-${store}-changelog`;
}

export function repartitionTopicName(application: string, name: string): string {
  return `${application}-${name}-repartition`;
}

function splitIntoSubtopologies(nodes: readonly TopologyNode[], stores: readonly StoreDescription[]): SubTopology[] {
  // Union the nodes joined by parent links; a repartition topic joins nothing,
  // since its writing sink and its reading source are separate nodes.
  const root = new Map<string, string>();
  const find = (name: string): string => {
    let current = name;
    while (root.get(current) !== current) current = root.get(current)!;
    return current;
  };
  for (const node of nodes) root.set(node.name, node.name);
  for (const node of nodes) {
    if (node.kind !== "source") root.set(find(node.name), find(node.parent));
    // A join reads the table's store: the table's source and the stream share a task.
    if (node.kind === "join") root.set(find(node.name), find(node.table));
  }
  const groups = new Map<string, TopologyNode[]>();
  for (const node of nodes) {
    const group = groups.get(find(node.name)) ?? [];
    group.push(node);
    groups.set(find(node.name), group);
  }
  return [...groups.values()].map((group, id) => {
    const names = new Set(group.map((n) => n.name));
    return {
      id,
      nodes: group,
      sourceTopics: group.filter((n): n is SourceNode => n.kind === "source").map((n) => n.topic),
      stores: stores.filter((s) => names.has(s.node)),
    };
  });
}

// ---------------------------------------------------------------- the builder

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
  table<K, V>(name: string, options: SourceOptions<K, V>): KTable<K, V> {
    this.add({ ...sourceNode(name, options), store: name });
    return new KTable<K, V>(this, name);
  }

  /** @internal */
  storeOfTable(node: string): string {
    const source = this.nodes.find((n) => n.name === node);
    if (source?.kind !== "source" || source.store === undefined) throw new TopologyError(`${node} is not a table read from a topic: only those can be joined`);
    return source.store;
  }

  /** @internal used by KStream and KTable */
  add(node: TopologyNode): void {
    if (this.nodes.some((n) => n.name === node.name)) {
      throw new TopologyError(`two nodes are named ${node.name}: node names must be unique`);
    }
    const storeOf = (n: TopologyNode) => (n.kind === "aggregate" || n.kind === "windowedAggregate" || (n.kind === "source" && !n.internal) ? n.store : undefined);
    if (storeOf(node) !== undefined && this.nodes.some((n) => storeOf(n) === storeOf(node))) {
      throw new TopologyError(`two state stores are named ${storeOf(node)}: store names must be unique`);
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

  filter(name: string, predicate: (record: RecordOf<K, V, W>) => boolean): KStream<K, V, W> {
    this.builder.add({ kind: "filter", name, parent: this.node, predicate: predicate as unknown as FilterNode["predicate"] });
    return new KStream<K, V, W>(this.builder, name);
  }

  /** A new key and value: the record leaves its window behind. */
  map<K2, V2>(name: string, mapper: (record: RecordOf<K, V, W>) => KeyValue<K2, V2>): KStream<K2, V2> {
    this.builder.add({ kind: "map", name, parent: this.node, mapper: mapper as unknown as MapNode["mapper"], keepsWindow: false });
    return new KStream<K2, V2>(this.builder, name);
  }

  mapValues<V2>(name: string, mapper: (record: RecordOf<K, V, W>) => V2): KStream<K, V2, W> {
    const keyed = (record: RecordOf<K, V, W>) => ({ key: record.key, value: mapper(record) });
    this.builder.add({ kind: "map", name, parent: this.node, mapper: keyed as unknown as MapNode["mapper"], keepsWindow: true });
    return new KStream<K, V2, W>(this.builder, name);
  }

  selectKey<K2>(name: string, mapper: (record: RecordOf<K, V, W>) => K2): KStream<K2, V> {
    return this.map(name, (record) => ({ key: mapper(record), value: record.value }));
  }

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
   * whose key the table lacks is dropped. The table's value is at
   * `record.joined[table]`. The stream must be partitioned like the table.
   */
  join<VT>(name: string, table: KTable<K, VT>): KStream<K, V, W> {
    return this.joinNode(name, table, false);
  }

  /** As `join`, but a record whose key the table lacks goes on, with null for the table's value. */
  leftJoin<VT>(name: string, table: KTable<K, VT>): KStream<K, V, W> {
    return this.joinNode(name, table, true);
  }

  private joinNode(name: string, table: { readonly node: string }, left: boolean): KStream<K, V, W> {
    const store = this.builder.storeOfTable(table.node);
    this.builder.add({ kind: "join", name, parent: this.node, table: table.node, store, left });
    return new KStream<K, V, W>(this.builder, name);
  }

  aggregate<A, Out = A>(name: string, options: AggregateOptions<K, V, A, Out>): KTable<K, Out> {
    const fns = functionsOf(options);
    this.builder.add({
      kind: "aggregate",
      name,
      parent: this.node,
      store: options.store,
      initializer: fns.initializer,
      adder: fns.adder as AggregateNode["adder"],
      result: (fns.result ?? identity) as AggregateNode["result"],
    });
    return new KTable<K, Out>(this.builder, name);
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
      headers: options.headers as unknown as Fn<HeaderValues>,
      project: options.project as unknown as Fn<unknown>,
      keyFormat: options.key as Format<unknown>,
      valueFormat: options.value as Format<unknown>,
      internal: false,
    });
  }
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
   * stream time) is dropped and dead-lettered with the reason "late".
   */
  aggregate<A, Out = A>(name: string, options: WindowedAggregateOptions<K, V, A, Out>): KTable<K, Out, true> {
    const fns = functionsOf(options);
    if (this.window.kind === "session" && !fns.merger) throw new TopologyError(`${name}: a session-windowed aggregation needs a merger`);
    this.builder.add({
      kind: "windowedAggregate",
      name,
      parent: this.node,
      store: options.store,
      window: this.window,
      emit: options.emit ?? "changes",
      initializer: fns.initializer,
      adder: fns.adder as WindowedAggregateNode["adder"],
      merger: fns.merger as WindowedAggregateNode["merger"],
      result: (fns.result ?? identity) as WindowedAggregateNode["result"],
    });
    return new KTable<K, Out, true>(this.builder, name);
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

  to<Out = V>(name: string, options: SinkOptions<K, V, RecordOf<K, V, W>, Out>): void {
    this.toStream().to(name, options);
  }
}

/** Builds a topology: `defineTopology("wordcount", (builder) => { ... })`. */
export function defineTopology(application: string, define: (builder: TopologyBuilder) => void): Topology {
  const builder = new TopologyBuilder(application);
  define(builder);
  return builder.build();
}
