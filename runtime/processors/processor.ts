// What every operator implements, as Kafka Streams' Processor and
// ProcessorContext: a node of the graph becomes a function the task calls per
// record, which forwards what it makes to the node's children. Each family of
// operators has its file here (stateless.ts, dedup.ts, table.ts, windowed.ts,
// stream-join.ts, foreign-key.ts, sink.ts) and exports its builders by node
// kind; registry.ts puts them together, and internal/processors.ts walks a
// sub-topology's graph with them, wrapping each processor once so that what
// it throws is charged to its node (a NodeFailure: the task dead-letters the
// record). A processor therefore throws what goes wrong, and catches nothing.
import type { Topology } from "../topology/graph.ts";
import type { StreamRecord, TopologyNode } from "../topology/nodes.ts";
import type { StoreKind } from "../topology/stores.ts";
import type { RecordCollector } from "../internal/record-collector.ts";
import type { StoreOfKind } from "../internal/state-manager.ts";
import type { InMemoryKeyValueStore } from "../internal/state-store.ts";
import type { CachedRows, NamedCache } from "../internal/record-cache.ts";

export type Output = StreamRecord<unknown, unknown>;

/** Hands a record to the next processor(s). */
export type Forward = (record: Output) => void;

export interface ProcessorContext {
  readonly collector: RecordCollector;
  /** One of the task's stores, read as a key-value store (as every kind of store can be). */
  store(name: string): InMemoryKeyValueStore;
  /** One of the task's stores, of the kind its description says (topology/stores.ts). */
  storeOfKind<K extends StoreKind>(name: string, kind: K): StoreOfKind[K];
  /** A record cache in front of one of the task's stores (internal/record-cache.ts); undefined when the run caches nothing. */
  recordCache(store: string, rows: CachedRows): NamedCache | undefined;
  /** The task's stream time: the highest timestamp of the records it has processed, this one included. */
  streamTime(): number;
  /** The record being processed fell only in closed windows of this node: it is dropped (and dead-lettered as late). */
  late(node: string, detail: string): void;
  /**
   * This node cannot process the record, which the other nodes do: it is
   * dead-lettered with the reason after it is processed, and what the other
   * nodes did stands (unlike a failure, which undoes the record).
   */
  leftBehind(node: string, reason: string, detail: string): void;
  /** The application's own topics (sources, changelogs, repartition and dead-letter topics): never picked by a sink. */
  reservedTopics(): ReadonlySet<string>;
}

/**
 * A node's processor: one function for the records of all its inputs, or, for
 * a join of two inputs (stream-stream, table-table), one per input, since the
 * side a record comes from decides what it is matched against: `fromParent`
 * gives the function for the records that come from that parent node.
 */
export type Processor = Forward | { readonly fromParent: (parent: string) => Forward };

/** What a processor is built with. */
export interface ProcessorSetup {
  readonly topology: Topology;
  readonly context: ProcessorContext;
  /** Sends a record on to each of the node's children. */
  readonly forward: Forward;
  /** Sends a record on to one child, by name (a branch's arms). */
  child(name: string): Forward;
}

export type ProcessorBuilder<N extends TopologyNode> = (node: N, setup: ProcessorSetup) => Processor;

/** A builder for every kind of node: registry.ts is one, so that a kind without a processor does not compile. */
export type ProcessorBuilders = { readonly [K in TopologyNode["kind"]]: ProcessorBuilder<Extract<TopologyNode, { kind: K }>> };

/**
 * What a node that keeps a table in a store forwards its changes through: its
 * store's record cache, which holds each key's latest change until the next
 * flush (a commit, or an eviction), or, when the run caches nothing, straight
 * to `forward`. Called right after the store took the change.
 */
export function throughCache(context: ProcessorContext, store: string, rows: CachedRows, forward: Forward): Forward {
  const cache = context.recordCache(store, rows);
  if (!cache) return forward;
  cache.listen(forward);
  return (record) => cache.put(record);
}

/**
 * A change of a table row as the nodes that keep a table in a store forward it
 * (Kafka Streams' sendOldValues): the new value and, in `oldValue`, the row as
 * it was before (absent for a new row). Only a grouped table reads `oldValue`:
 * it is what it subtracts.
 */
export interface RowChange extends Output {
  readonly oldValue?: unknown;
}

export function rowChange(change: RowChange): Output {
  return change;
}

/**
 * A tombstone: a record with a null value and no joined values. On a stream it
 * is what a null value on a topic is (no function written for values is given
 * one); between a table's operations it deletes its key. (After an outer join,
 * a record whose left side is missing has a null value but carries the right
 * side's: it is no tombstone.)
 */
export function isTombstone(record: Output): boolean {
  return (record.value === null || record.value === undefined) && record.joined === undefined;
}

/** A delete of the record's row: its key (and, in a windowed table, its window). */
export function tableDelete(record: Output): Output {
  return record.window ? { key: record.key, value: null, timestamp: record.timestamp, window: record.window } : { key: record.key, value: null, timestamp: record.timestamp };
}

export function isAbsent(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

/** A table's row from its store, through `read` when the store keeps something else (an aggregation's accumulator). */
export function readStore(store: InMemoryKeyValueStore, key: unknown, read: ((stored: unknown) => unknown) | undefined): unknown {
  const stored = store.get(key);
  return stored === undefined || !read ? stored : read(stored);
}
