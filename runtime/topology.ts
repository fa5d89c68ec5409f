// The topology builder that generated code calls, and the Topology it builds:
// a graph of named nodes, split into sub-topologies at repartition topics, with
// named state stores. Names given here are stable: internal topic names derive
// from the application id and these names, never from positions or counters,
// so that a redeployed topology finds its changelogs and repartition topics again.
import { WeirRuntimeError } from "./errors.ts";
import { formats, type Format, type WindowedFormat } from "./formats.ts";
import type { EmitMode, JoinWindowSpec, TimeWindow, WindowSpec } from "./windows.ts";
import { aggregationsFor, type Aggregations, type Aggregator } from "./aggregations.ts";
import type { StoreShape } from "./store-shape.ts";

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

/** A table read from a topic: its store's shape, when the topology declares it (docs/state.md). */
export interface TableSourceOptions<K, V> extends SourceOptions<K, V> {
  readonly shape?: StoreShape;
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
   * value deletes the key). A stream's source has none, and forwards every
   * record, tombstones (null values) too, as Kafka Streams and ksqlDB do.
   */
  readonly store?: string;
  /** The store's shape, if declared (docs/state.md). */
  readonly shape?: StoreShape | undefined;
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
  /** The table's value from what its store keeps, when they differ (an aggregation's accumulator). */
  readonly read?: ((stored: unknown) => unknown) | undefined;
}

/** Which records of a stream-stream join are kept without a match: none (inner), the left side's, the right side's, or both sides'. */
export type StreamJoinType = "inner" | "left" | "right" | "outer";

/**
 * A windowed stream-stream join (Kafka Streams' KStreamKStreamJoin): records
 * of both inputs are buffered in the two stores, and a left record at t joins
 * the right records with its key at [t - window.beforeMs, t + window.afterMs].
 * Its output's value is the left record's value (null for a right record that
 * found nothing in an outer or right join) and the right record's value is at
 * `record.joined[other]`.
 */
export interface StreamJoinNode extends NodeBase {
  readonly kind: "streamJoin";
  /** The left input. */
  readonly parent: string;
  /** The right input. */
  readonly otherParent: string;
  /** The name the right side's value has in `record.joined`. */
  readonly other: string;
  readonly type: StreamJoinType;
  readonly window: JoinWindowSpec;
  /** The left side's buffer. */
  readonly thisStore: string;
  /** The right side's buffer. */
  readonly otherStore: string;
  /** The buffers' shapes, if declared (docs/state.md). */
  readonly shapes?: { readonly this: StoreShape; readonly other: StoreShape } | undefined;
}

export interface FilterNode extends NodeBase {
  readonly kind: "filter";
  readonly parent: string;
  readonly predicate: (record: StreamRecord<unknown, unknown>) => boolean;
}

/**
 * What a stream's step does with a tombstone: a record whose value is null
 * (and that carries no joined values, see isTombstone in processors.ts). A
 * function written for values is not given one:
 *   "keep-key": forwarded as it is (mapValues: the new value of nothing is nothing);
 *   "null-key": forwarded with a null key (a key computed from the value, as ksqlDB's PARTITION BY);
 *   "map-key":  forwarded with the key the mapper computes (it reads only the key and timestamp);
 *   "drop":     dropped (a group key: an aggregation skips tombstones).
 */
export type TombstoneRule = "keep-key" | "null-key" | "map-key" | "drop";

export interface MapNode extends NodeBase {
  readonly kind: "map";
  readonly parent: string;
  readonly mapper: (record: StreamRecord<unknown, unknown>) => KeyValue<unknown, unknown>;
  /** Whether the record keeps its window: it does when only the value changes. */
  readonly keepsWindow: boolean;
  readonly tombstones: TombstoneRule;
  /** A record whose new key is null is dropped (a group key: an aggregation has no group for it). */
  readonly dropsNullKeys?: boolean;
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
  readonly shape?: StoreShape | undefined;
  readonly initializer: () => unknown;
  readonly adder: (aggregate: unknown, record: StreamRecord<unknown, unknown>) => unknown;
  readonly result: (aggregate: unknown) => unknown;
}

/**
 * The aggregation of a grouped table (Kafka Streams' KTableAggregate): each
 * record it reads is a change of one row for one group, `{ subtract?, add? }`
 * (see TableChange). The old row is taken out of the group's accumulator, then
 * the new row added. A group whose rows have all left stays, with the
 * accumulator its subtractions left (a count of 0), as in Kafka Streams.
 */
export interface TableAggregateNode extends NodeBase {
  readonly kind: "tableAggregate";
  readonly parent: string;
  readonly store: string;
  readonly shape?: StoreShape | undefined;
  readonly initializer: () => unknown;
  readonly adder: (aggregate: unknown, record: StreamRecord<unknown, unknown>) => unknown;
  readonly subtractor: (aggregate: unknown, record: StreamRecord<unknown, unknown>) => unknown;
  readonly result: (aggregate: unknown) => unknown;
}

/**
 * What a grouped table's repartition topic carries, keyed by the group: the
 * row that leaves the group (`subtract`), the row that joins it (`add`), or
 * both when a row changes without changing its group. A row that moves to
 * another group is two records, the subtraction (to the old group) first.
 */
export interface TableChange<V> {
  readonly subtract?: V;
  readonly add?: V;
}

/**
 * Groups a table's rows by a key computed from each row (Kafka Streams'
 * KTable.groupBy): for each change of a row it sends the old row's
 * subtraction and the new row's addition (TableChange), keyed by their group.
 * Its parent must be a node with a store (a table read from a topic, an
 * aggregation or a materialized table), which forwards each row's previous
 * value beside the new one. A row whose group key is null is in no group.
 */
export interface TableGroupByNode extends NodeBase {
  readonly kind: "tableGroupBy";
  readonly parent: string;
  readonly selector: (record: StreamRecord<unknown, unknown>) => unknown;
}

/** An aggregation per key and window, kept in a window store. */
export interface WindowedAggregateNode extends NodeBase {
  readonly kind: "windowedAggregate";
  readonly parent: string;
  readonly store: string;
  readonly shape?: StoreShape | undefined;
  readonly window: WindowSpec;
  readonly emit: EmitMode;
  readonly initializer: () => unknown;
  readonly adder: (aggregate: unknown, record: StreamRecord<unknown, unknown>) => unknown;
  readonly merger: ((earlier: unknown, later: unknown) => unknown) | undefined;
  readonly result: (aggregate: unknown) => unknown;
}

/**
 * Drops a record when a record with the same key (and the same `by` value) was
 * kept less than `withinMs` before or after it, in event time. The store keeps,
 * per key, the timestamp of the last record kept, until stream time passes it
 * by `withinMs`. A record whose key or `by` value is null passes.
 */
export interface DedupNode extends NodeBase {
  readonly kind: "dedup";
  readonly parent: string;
  readonly store: string;
  readonly shape?: StoreShape | undefined;
  readonly withinMs: number;
  readonly by: ((record: StreamRecord<unknown, unknown>) => unknown) | undefined;
}

/** The records of several streams, each forwarded as it comes: key, value and timestamp unchanged. */
export interface MergeNode extends NodeBase {
  readonly kind: "merge";
  readonly parents: readonly string[];
}

/** Sends each record to the first arm whose predicate holds; an arm without one (else) takes the rest. */
export interface BranchNode extends NodeBase {
  readonly kind: "branch";
  readonly parent: string;
  /** In order. Each arm's records come out of its own node (a BranchArmNode). */
  readonly arms: readonly { readonly node: string; readonly predicate: ((record: StreamRecord<unknown, unknown>) => boolean) | undefined }[];
}

/** One arm of a branch: the stream of the records the branch sent it. */
export interface BranchArmNode extends NodeBase {
  readonly kind: "branchArm";
  /** The branch node. */
  readonly parent: string;
}

export interface SinkNode extends NodeBase {
  readonly kind: "sink";
  readonly parent: string;
  /** The fixed topic; undefined when `topicOf` picks one per record. */
  readonly topic: string | undefined;
  readonly topicOf?: ((record: StreamRecord<unknown, unknown>) => string) | undefined;
  /** `topicOf` may be given a tombstone (SinkOptions.topicOfTombstones). */
  readonly topicOfTombstones?: boolean;
  readonly headers?: ((record: StreamRecord<unknown, unknown>) => HeaderValues) | undefined;
  readonly project?: ((record: StreamRecord<unknown, unknown>) => unknown) | undefined;
  readonly keyFormat: Format<unknown>;
  readonly valueFormat: Format<unknown>;
  /** Set for the writing side of a repartition topic. */
  readonly internal: boolean;
}

/**
 * A table's filter (Kafka Streams' KTableFilter): a row that does not match
 * becomes a delete of its key, and deletes pass through.
 */
export interface TableFilterNode extends NodeBase {
  readonly kind: "tableFilter";
  readonly parent: string;
  readonly predicate: (record: StreamRecord<unknown, unknown>) => boolean;
}

/** A table's new values (Kafka Streams' KTableMapValues): deletes pass through without calling the mapper. */
export interface TableMapValuesNode extends NodeBase {
  readonly kind: "tableMapValues";
  readonly parent: string;
  readonly mapper: (record: StreamRecord<unknown, unknown>) => unknown;
}

export type TableJoinType = "inner" | "left" | "right" | "outer";

/**
 * A table-table join on the key (Kafka Streams' KTableKTableJoin): a change on
 * either side looks the key up in the other side's store. The node's parent is
 * the left table's node; `other` is the right table's, whose changes reach the
 * node too. The joined row's value is the left value (null when absent, after
 * an outer or right join); the right value is at `record.joined[rightStore]`.
 */
export interface TableJoinNode extends NodeBase {
  readonly kind: "tableJoin";
  readonly parent: string;
  readonly other: string;
  readonly leftStore: string;
  readonly rightStore: string;
  /** Each table's value from what its store keeps, when they differ (an aggregation's accumulator). */
  readonly readLeft?: ((stored: unknown) => unknown) | undefined;
  readonly readRight?: ((stored: unknown) => unknown) | undefined;
  readonly type: TableJoinType;
}

/**
 * Keeps a derived table's rows in a store (with a changelog), so that it can be
 * joined, and forwards only the changes that change it: a delete of a key the
 * table does not hold is dropped. A windowed table's rows (a windowed
 * aggregation filtered or mapped) are kept per key and window in a window
 * store with the aggregation's windows, until they close.
 */
export interface MaterializeNode extends NodeBase {
  readonly kind: "materialize";
  readonly parent: string;
  readonly store: string;
  /** The windows of the windowed aggregation this table derives from. */
  readonly window?: WindowSpec;
  readonly shape?: StoreShape | undefined;
}

/**
 * A foreign-key join (Kafka Streams' KIP-213), left side: for each change of a
 * left row, a subscription to the right row its foreign key names, written to
 * the subscription topic keyed by the foreign key (so it reaches the task that
 * holds that right row), and an unsubscription from the row it named before
 * (kept in `store`: left key → foreign key).
 */
export interface ForeignKeySendNode extends NodeBase {
  readonly kind: "foreignKeySend";
  readonly parent: string;
  readonly foreignKey: (record: StreamRecord<unknown, unknown>) => unknown;
  readonly store: string;
  readonly shape?: StoreShape | undefined;
}

/**
 * Foreign-key join, right side: keeps the subscriptions (store keyed by
 * [foreign key, left key]) and answers each with the right row, keyed by the
 * left key, to the response topic.
 */
export interface ForeignKeySubscribeNode extends NodeBase {
  readonly kind: "foreignKeySubscribe";
  readonly parent: string;
  /** The right table's node, whose store is read. */
  readonly table: string;
  readonly store: string;
  readonly shape?: StoreShape | undefined;
  readonly rightStore: string;
  readonly readRight?: ((stored: unknown) => unknown) | undefined;
}

/** Foreign-key join, right side: a change of a right row answers every subscription to it. */
export interface ForeignKeyNotifyNode extends NodeBase {
  readonly kind: "foreignKeyNotify";
  readonly parent: string;
  /** The subscription store (owned by the ForeignKeySubscribeNode). */
  readonly subscriptions: string;
}

/**
 * Foreign-key join, left side again: joins a response with the left row as it
 * is now; a response computed for an older version of the row (its hash
 * differs) is stale and dropped.
 */
export interface ForeignKeyResponseNode extends NodeBase {
  readonly kind: "foreignKeyResponse";
  readonly parent: string;
  /** The left table's node, whose store is read. */
  readonly table: string;
  readonly leftStore: string;
  readonly readLeft?: ((stored: unknown) => unknown) | undefined;
  /** The right table's value is at `record.joined[joinedAs]`. */
  readonly joinedAs: string;
  readonly type: "inner" | "left";
}

export type TopologyNode =
  | ForeignKeySendNode
  | ForeignKeySubscribeNode
  | ForeignKeyNotifyNode
  | ForeignKeyResponseNode
  | SourceNode
  | JoinNode
  | StreamJoinNode
  | FilterNode
  | MapNode
  | FlatMapNode
  | DedupNode
  | MergeNode
  | BranchNode
  | BranchArmNode
  | AggregateNode
  | TableGroupByNode
  | TableAggregateNode
  | WindowedAggregateNode
  | SinkNode
  | TableFilterNode
  | TableMapValuesNode
  | TableJoinNode
  | MaterializeNode;

/** The nodes a node reads from: none for a source, several for a merge, both tables for a table-table join. */
export function parentsOf(node: TopologyNode): readonly string[] {
  if (node.kind === "source") return [];
  if (node.kind === "merge") return node.parents;
  if (node.kind === "tableJoin") return [node.parent, node.other];
  if (node.kind === "streamJoin") return [node.parent, node.otherParent];
  return [node.parent];
}

/** The state store a node owns, if any. */
export function storeOf(node: TopologyNode): string | undefined {
  switch (node.kind) {
    case "source":
      return node.internal ? undefined : node.store;
    case "aggregate":
    case "tableAggregate":
    case "windowedAggregate":
    case "materialize":
    case "foreignKeySend":
    case "foreignKeySubscribe":
    case "dedup":
      return node.store;
    default:
      return undefined;
  }
}

/** Every state store a node owns: a stream-stream join owns one buffer per side. */
export function storesOf(node: TopologyNode): string[] {
  if (node.kind === "streamJoin") return [node.thisStore, node.otherStore];
  const store = storeOf(node);
  return store === undefined ? [] : [store];
}

export interface StoreDescription {
  readonly name: string;
  readonly changelogTopic: string;
  /** A window store's windows; absent for a key-value store. */
  readonly window?: WindowSpec;
  /** A dedup store: how long a kept record's key is remembered, in event time. */
  readonly dedup?: { readonly withinMs: number };
  /** A foreign-key join's subscriptions, keyed by [foreign key, left key]: indexed by foreign key. */
  readonly subscriptions?: true;
  /**
   * A stream-stream join's buffer of one side: the join's window as seen from
   * this side's records (mirrored, before for after, for the right side's buffer).
   */
  readonly joinWindow?: JoinWindowSpec;
  /** The node that owns the store: an aggregation or a table's source. */
  readonly node: string;
  /** What the store holds, if the topology declares it: recorded in its changelog and checked on start (docs/state.md). */
  readonly shape?: StoreShape | undefined;
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
      if (node.kind === "materialize" && node.window) {
        return [{ name: node.store, changelogTopic: changelogTopicName(application, node.store), node: node.name, window: node.window, shape: node.shape }];
      }
      if ((node.kind === "source" && node.store !== undefined) || node.kind === "materialize" || node.kind === "foreignKeySend") {
        return [{ name: node.store!, changelogTopic: changelogTopicName(application, node.store!), node: node.name, shape: node.shape }];
      }
      if (node.kind === "foreignKeySubscribe") {
        return [{ name: node.store, changelogTopic: changelogTopicName(application, node.store), node: node.name, subscriptions: true, shape: node.shape }];
      }
      if (node.kind === "dedup") {
        return [{ name: node.store, changelogTopic: changelogTopicName(application, node.store), node: node.name, dedup: { withinMs: node.withinMs }, shape: node.shape }];
      }
      if (node.kind === "streamJoin") {
        const windows = { [node.thisStore]: node.window, [node.otherStore]: mirrored(node.window) };
        return (["this", "other"] as const).map((side) => {
          const store = side === "this" ? node.thisStore : node.otherStore;
          return { name: store, changelogTopic: changelogTopicName(application, store), joinWindow: windows[store]!, node: node.name, shape: node.shapes?.[side] };
        });
      }
      if (node.kind !== "aggregate" && node.kind !== "tableAggregate" && node.kind !== "windowedAggregate") return [];
      return [
        {
          name: node.store,
          changelogTopic: changelogTopicName(application, node.store),
          node: node.name,
          ...(node.kind === "windowedAggregate" ? { window: node.window } : {}),
          shape: node.shape,
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
    // A foreign-key join's response topic has two writers.
    return [...new Set(this.nodes.flatMap((n) => (n.kind === "sink" && n.internal && n.topic !== undefined ? [n.topic] : [])))];
  }

  node(name: string): TopologyNode {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new TopologyError(`no node named ${name}`);
    return node;
  }

  /** The nodes a node's records flow to; a table-table join is a child of both its tables. */
  children(name: string): TopologyNode[] {
    return this.nodes.filter((n) => parentsOf(n).includes(name));
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
            lines.push(`    Processor: ${node.name} (${node.left ? "left join" : "join"} ${node.store}, store: ${node.store})${arrow} <-- ${node.parent}`);
            break;
          case "streamJoin":
            lines.push(
              `    Processor: ${node.name} (${describeStreamJoin(node)}, stores: ${node.thisStore}, ${node.otherStore})${arrow} <-- ${node.parent}, ${node.otherParent}`,
            );
            break;
          case "sink":
            lines.push(`    Sink: ${node.name} (topic: ${node.topic ?? "picked per record"}${node.internal ? ", repartition" : ""}) <-- ${node.parent}`);
            break;
          case "aggregate":
            lines.push(`    Processor: ${node.name} (aggregate, store: ${node.store})${arrow} <-- ${node.parent}`);
            break;
          case "tableGroupBy":
            lines.push(`    Processor: ${node.name} (group table rows, old row subtracted, new row added)${arrow} <-- ${node.parent}`);
            break;
          case "tableAggregate":
            lines.push(`    Processor: ${node.name} (aggregate table changes, store: ${node.store})${arrow} <-- ${node.parent}`);
            break;
          case "windowedAggregate":
            lines.push(`    Processor: ${node.name} (aggregate, ${describeWindow(node.window)}, emit ${node.emit}, store: ${node.store})${arrow} <-- ${node.parent}`);
            break;
          case "dedup":
            lines.push(`    Processor: ${node.name} (dedup by key${node.by ? " and expression" : ""} within ${node.withinMs} ms, store: ${node.store})${arrow} <-- ${node.parent}`);
            break;
          case "merge":
            lines.push(`    Processor: ${node.name} (merge)${arrow} <-- ${node.parents.join(", ")}`);
            break;
          case "branch": {
            const arms = node.arms.map((arm) => (arm.predicate ? arm.node : `${arm.node} (else)`));
            lines.push(`    Processor: ${node.name} (branch, first match: ${arms.join(", ")})${arrow} <-- ${node.parent}`);
            break;
          }
          case "branchArm":
            lines.push(`    Processor: ${node.name} (branch arm)${arrow} <-- ${node.parent}`);
            break;
          case "tableJoin": {
            const type = node.type === "inner" ? "join" : `${node.type} join`;
            lines.push(`    Processor: ${node.name} (table ${type}, stores: ${node.leftStore}, ${node.rightStore})${arrow} <-- ${node.parent}, ${node.other}`);
            break;
          }
          case "tableFilter":
            lines.push(`    Processor: ${node.name} (table filter)${arrow} <-- ${node.parent}`);
            break;
          case "tableMapValues":
            lines.push(`    Processor: ${node.name} (table mapValues)${arrow} <-- ${node.parent}`);
            break;
          case "foreignKeySend":
            lines.push(`    Processor: ${node.name} (foreign-key subscriptions, store: ${node.store})${arrow} <-- ${node.parent}`);
            break;
          case "foreignKeySubscribe":
            lines.push(`    Processor: ${node.name} (foreign-key join with ${node.rightStore}, store: ${node.store})${arrow} <-- ${node.parent}`);
            break;
          case "foreignKeyNotify":
            lines.push(`    Processor: ${node.name} (foreign-key responses to ${node.subscriptions})${arrow} <-- ${node.parent}`);
            break;
          case "foreignKeyResponse":
            lines.push(`    Processor: ${node.name} (foreign-key ${node.type === "inner" ? "join" : "left join"} ${node.joinedAs}, store: ${node.leftStore})${arrow} <-- ${node.parent}`);
            break;
          case "materialize":
            lines.push(`    Processor: ${node.name} (${node.window ? "windowed table" : "table"}, store: ${node.store})${arrow} <-- ${node.parent}`);
            break;
          default:
            lines.push(`    Processor: ${node.name} (${node.kind})${arrow} <-- ${node.parent}`);
        }
      }
    }
    lines.push("  State stores:");
    if (this.stores.length === 0) lines.push("    (none)");
    for (const store of this.stores) {
      const kind = store.window ? "window store, " : store.dedup ? "dedup store, " : store.joinWindow ? "join buffer, " : "";
      lines.push(`    ${store.name} (${kind}changelog: ${store.changelogTopic})`);
    }
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

function describeStreamJoin(node: StreamJoinNode): string {
  const type = node.type === "inner" ? "join" : `${node.type} join`;
  const { beforeMs, afterMs, graceMs } = node.window;
  const within = beforeMs === afterMs ? `${beforeMs} ms` : `${beforeMs} ms before and ${afterMs} ms after`;
  return `${type} ${node.other} within ${within}, grace ${graceMs} ms`;
}

/** A join window as the right side's records see it: Kafka Streams' right-side join processor swaps before and after. */
export function mirrored(window: JoinWindowSpec): JoinWindowSpec {
  return { beforeMs: window.afterMs, afterMs: window.beforeMs, graceMs: window.graceMs };
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
    // A merge joins its parents: one task reads all the merged streams' partitions, in time order.
    for (const parent of parentsOf(node)) root.set(find(node.name), find(parent));
    // A join reads the table's store: the table's source and the stream share a task.
    if (node.kind === "join") root.set(find(node.name), find(node.table));
    // A table-table join reads both tables' stores: both tables share a task.
    if (node.kind === "tableJoin") root.set(find(node.name), find(node.other));
    // A foreign-key join's processors that read a table's store share its task.
    if (node.kind === "foreignKeySubscribe" || node.kind === "foreignKeyResponse") root.set(find(node.name), find(node.table));
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
