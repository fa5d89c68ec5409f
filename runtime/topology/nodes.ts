// The nodes of a topology's graph, and the records that flow between them.
// Generated code never builds nodes itself: the DSL (dsl.ts) adds them, the
// graph (graph.ts) splits them into sub-topologies, and the processors
// (runtime/processors/) turn each kind into a per-record function. Node names
// are stable: internal topic names derive from the application id and these
// names, never from positions or counters, so that a redeployed topology
// finds its changelogs and repartition topics again.
import type { Format } from "../formats.ts";
import type { EmitMode, JoinWindowSpec, TimeWindow, WindowSpec } from "../windows.ts";
import type { StoreShape } from "../store-shape.ts";

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
/** Header names and values of a record written; a null (or undefined) value leaves that header out. */
export type HeaderValues = Readonly<Record<string, string | null | undefined>>;

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
 * (and that carries no joined values, see isTombstone in processors/processor.ts). A
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


export function changelogTopicName(application: string, store: string): string {
  return `${application}-${store}-changelog`;
}

export function repartitionTopicName(application: string, name: string): string {
  return `${application}-${name}-repartition`;
}
