// The state stores of a topology, described as the task builds them: one
// tagged union, a kind per store implementation, so that what a store is
// decided here once (from the node that owns it) and the state manager
// (internal/state-manager.ts) builds each kind without guessing from flags.
import type { StoreShape } from "../store-shape.ts";
import type { JoinWindowSpec, WindowSpec } from "../windows.ts";
import { changelogTopicName, type TopologyNode } from "./nodes.ts";

interface StoreDescriptionBase {
  readonly name: string;
  readonly changelogTopic: string;
  /** The node that owns the store: an aggregation, a table's source, a join... */
  readonly node: string;
  /** What the store holds, if the topology declares it: recorded in its changelog and checked on start (docs/state.md). */
  readonly shape?: StoreShape | undefined;
}

/** A key-value store: a table's rows (read from a topic, aggregated or materialized), a foreign-key join's foreign keys. */
export interface KeyValueStoreDescription extends StoreDescriptionBase {
  readonly kind: "keyValue";
}

/** A window store: a windowed aggregation's windows, or a windowed table's rows per key and window. */
export interface WindowStoreDescription extends StoreDescriptionBase {
  readonly kind: "window";
  readonly window: WindowSpec;
}

/** A dedup store: when each dedup key was last kept, remembered for `withinMs` of event time. */
export interface DedupStoreDescription extends StoreDescriptionBase {
  readonly kind: "dedup";
  readonly withinMs: number;
}

/**
 * A stream-stream join's buffer of one side: the join's window as seen from
 * this side's records (mirrored, before for after, for the right side's buffer).
 */
export interface JoinBufferDescription extends StoreDescriptionBase {
  readonly kind: "joinBuffer";
  readonly window: JoinWindowSpec;
}

/** A foreign-key join's subscriptions, keyed by [foreign key, left key]: indexed by foreign key. */
export interface SubscriptionStoreDescription extends StoreDescriptionBase {
  readonly kind: "subscriptions";
}

export type StoreDescription = KeyValueStoreDescription | WindowStoreDescription | DedupStoreDescription | JoinBufferDescription | SubscriptionStoreDescription;

export type StoreKind = StoreDescription["kind"];

/** The stores a node owns (a stream-stream join owns one buffer per side), described. */
export function storesOwnedBy(application: string, node: TopologyNode): StoreDescription[] {
  const store = (name: string, shape: StoreShape | undefined) => ({ name, changelogTopic: changelogTopicName(application, name), node: node.name, shape });
  switch (node.kind) {
    case "source":
      // Only a table's source keeps its rows; a stream's (and a repartition topic's) keeps nothing.
      return node.store === undefined ? [] : [{ kind: "keyValue", ...store(node.store, node.shape) }];
    case "aggregate":
    case "tableAggregate":
    case "foreignKeySend":
      return [{ kind: "keyValue", ...store(node.store, node.shape) }];
    case "materialize":
      return [node.window ? { kind: "window", window: node.window, ...store(node.store, node.shape) } : { kind: "keyValue", ...store(node.store, node.shape) }];
    case "windowedAggregate":
      return [{ kind: "window", window: node.window, ...store(node.store, node.shape) }];
    case "dedup":
      return [{ kind: "dedup", withinMs: node.withinMs, ...store(node.store, node.shape) }];
    case "foreignKeySubscribe":
      return [{ kind: "subscriptions", ...store(node.store, node.shape) }];
    case "streamJoin":
      return [
        { kind: "joinBuffer", window: node.window, ...store(node.thisStore, node.shapes?.this) },
        { kind: "joinBuffer", window: mirrored(node.window), ...store(node.otherStore, node.shapes?.other) },
      ];
    default:
      return [];
  }
}

/** A join window as the right side's records see it: Kafka Streams' right-side join processor swaps before and after. */
function mirrored(window: JoinWindowSpec): JoinWindowSpec {
  return { beforeMs: window.afterMs, afterMs: window.beforeMs, graceMs: window.graceMs };
}

/**
 * The stores a node reads without owning them: a join looks keys up in its
 * tables' stores, a foreign-key join's processors in the tables' and in the
 * subscriptions. What it owns (storesOwnedBy) it reads and writes.
 */
export function storesReadBy(node: TopologyNode): string[] {
  switch (node.kind) {
    case "join":
      return [node.store];
    case "tableJoin":
      return [node.leftStore, node.rightStore];
    case "foreignKeySubscribe":
      return [node.rightStore];
    case "foreignKeyNotify":
      return [node.subscriptions];
    case "foreignKeyResponse":
      return [node.leftStore];
    default:
      return [];
  }
}
