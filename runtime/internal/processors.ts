// Turns a sub-topology's nodes into functions a task calls per record: a
// source decodes, processors call the user's functions, sinks encode and hand
// records to the collector. A user function that throws is reported as a
// NodeFailure naming its node, so that the task can dead-letter the record.
import { createHash } from "node:crypto";
import { FormatError, isWindowedFormat } from "../formats.ts";
import type { SubTopology, Topology } from "../topology/graph.ts";
import type { BranchNode, DedupNode, ForeignKeyNotifyNode, ForeignKeyResponseNode, ForeignKeySendNode, ForeignKeySubscribeNode, HeaderValues, MaterializeNode, SinkNode, SourceNode, StreamJoinNode, StreamRecord, TableAggregateNode, TableChange, TableGroupByNode, TableJoinNode, TopologyNode, WindowedAggregateNode } from "../topology/nodes.ts";
import { slidingWindowExpiry, timeWindowsFor, windowCloseTime, type WindowSpec } from "../windows.ts";
import type { LogRecord, RecordHeaders } from "./log-client.ts";
import type { RecordCollector } from "./record-collector.ts";
import type { InMemoryDedupStore } from "./dedup-store.ts";
import type { InMemoryKeyValueStore } from "./state-store.ts";
import { SubscriptionStore } from "./subscription-store.ts";
import type { InMemoryWindowStore, StoredWindow } from "./window-store.ts";
import type { BufferedRecord, JoinBufferStore } from "./join-buffer-store.ts";

type Forward = (record: StreamRecord<unknown, unknown>) => void;

/**
 * A change of a table row as the nodes that keep a table in a store forward it
 * (Kafka Streams' sendOldValues): the new value and, in `oldValue`, the row as
 * it was before (absent for a new row). Only a grouped table reads `oldValue`:
 * it is what it subtracts.
 */
interface RowChange extends StreamRecord<unknown, unknown> {
  readonly oldValue?: unknown;
}

function rowChange(change: RowChange): StreamRecord<unknown, unknown> {
  return change;
}

/** A user function (or the encoding in a sink) threw while processing a record. */
export class NodeFailure extends Error {
  override readonly name = "NodeFailure";
  constructor(
    readonly node: string,
    override readonly cause: unknown,
  ) {
    super(`node ${node} failed: ${describeError(cause)}`);
  }
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A record read from a source topic, decoded; or why it cannot be processed. */
export type SourceRecord =
  | { readonly kind: "record"; readonly raw: LogRecord; readonly source: string; readonly record: StreamRecord<unknown, unknown> }
  | { readonly kind: "dead-letter"; readonly raw: LogRecord; readonly reason: string; readonly node?: string; readonly timestamp: number };

/**
 * Decodes a record with its source's formats and takes its event time. Done
 * when the record reaches the head of its partition's queue, because the task
 * orders records by this timestamp. A null key or value stays null.
 */
export function decodeSourceRecord(source: SourceNode, raw: LogRecord): SourceRecord {
  let key: unknown = null;
  let value: unknown = null;
  try {
    if (raw.key !== null) key = source.keyFormat.decode(raw.key);
  } catch (error) {
    if (error instanceof FormatError) return { kind: "dead-letter", raw, reason: `key ${error.message}`, timestamp: raw.timestamp };
    throw error;
  }
  try {
    if (raw.value !== null) value = source.valueFormat.decode(raw.value);
  } catch (error) {
    if (error instanceof FormatError) return { kind: "dead-letter", raw, reason: `value ${error.message}`, timestamp: raw.timestamp };
    throw error;
  }
  let timestamp = raw.timestamp;
  if (source.timestamp && value !== null) {
    try {
      timestamp = source.timestamp(value);
    } catch (error) {
      return { kind: "dead-letter", raw, reason: `timestamp extraction failed: ${describeError(error)}`, node: source.name, timestamp: raw.timestamp };
    }
    if (typeof timestamp !== "number" || !Number.isFinite(timestamp)) {
      const shown = typeof timestamp === "number" ? timestamp : JSON.stringify(timestamp);
      return { kind: "dead-letter", raw, reason: `timestamp extraction returned ${shown}, not epoch milliseconds`, node: source.name, timestamp: raw.timestamp };
    }
  }
  return { kind: "record", raw, source: source.name, record: { key, value, timestamp } };
}

export interface ProcessorContext {
  readonly collector: RecordCollector;
  store(name: string): InMemoryKeyValueStore;
  windowStore(name: string): InMemoryWindowStore;
  dedupStore(name: string): InMemoryDedupStore;
  joinBuffer(name: string): JoinBufferStore;
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

/** The entry point of each source node of the sub-topology, by source node name. */
export function buildProcessors(topology: Topology, subtopology: SubTopology, context: ProcessorContext): Map<string, Forward> {
  const built = new Map<string, Forward>();
  /** A stream-stream join has one entry per input: the side a record comes from matters. */
  const streamJoins = new Map<string, { left: Forward; right: Forward }>();
  const forwards = new Map<string, Forward>();
  const forwardOf = (node: TopologyNode): Forward => {
    const existing = forwards.get(node.name);
    if (existing) return existing;
    const forward = forwardTo(topology.children(node.name).map((child) => build(child, node.name)));
    forwards.set(node.name, forward);
    return forward;
  };
  // A table-table join has two parents, and one entry for each: which side changed decides which store it reads.
  const build = (node: TopologyNode, parent?: string): Forward => {
    if (node.kind === "streamJoin") {
      let sides = streamJoins.get(node.name);
      if (!sides) {
        sides = streamJoin(node, joinedUpstream(topology, node.parent), forwardOf(node), context);
        streamJoins.set(node.name, sides);
      }
      return parent === node.parent ? sides.left : sides.right;
    }
    const side = node.kind === "tableJoin" && parent === node.other ? "right" : "left";
    const id = node.kind === "tableJoin" ? `${node.name}:${side}` : node.name;
    const existing = built.get(id);
    if (existing) return existing;
    const processor =
      node.kind === "tableJoin"
        ? tableJoin(node, side, forwardOf(node), context)
        : node.kind === "branch"
          ? // A branch sends each record to one of its children (its arms), chosen by the record: it forwards to them by name.
            branch(node, new Map(topology.children(node.name).map((child) => [child.name, build(child, node.name)])))
          : buildProcessor(node, forwardOf(node), context);
    built.set(id, processor);
    return processor;
  };
  const entries = new Map<string, Forward>();
  for (const node of subtopology.nodes) {
    if (node.kind === "source") entries.set(node.name, build(node));
  }
  return entries;
}

function forwardTo(children: Forward[]): Forward {
  if (children.length === 0) return () => {};
  if (children.length === 1) return children[0]!;
  return (record) => {
    for (const child of children) child(record);
  };
}

function buildProcessor(node: TopologyNode, forward: Forward, context: ProcessorContext): Forward {
  switch (node.kind) {
    case "source": {
      if (node.store !== undefined) {
        const store = context.store(node.store);
        // A table's source, as Kafka Streams' KTableSource: a record without a key
        // has no row to update; a null value (a tombstone) deletes the key, and the
        // delete flows downstream as a null value.
        return (record) => {
          if (record.key === null || record.key === undefined) return;
          let oldValue: unknown;
          try {
            oldValue = store.get(record.key);
            if (record.value === null || record.value === undefined) store.delete(record.key);
            else store.put(record.key, record.value);
          } catch (error) {
            throw new NodeFailure(node.name, error);
          }
          forward(rowChange({ key: record.key, value: record.value ?? null, timestamp: record.timestamp, oldValue }));
        };
      }
      // A stream's records go on as they are, tombstones too: each step says what it does with one.
      return forward;
    }

    case "join": {
      const store = context.store(node.store);
      return (record) => {
        // As in Kafka Streams' KStreamKTableJoin: no key, nothing to look up; no value, nothing to join.
        if (record.key === null || record.key === undefined || isTombstone(record)) return;
        let value: unknown;
        try {
          value = store.get(record.key);
          if (value !== undefined && node.read) value = node.read(value);
        } catch (error) {
          throw new NodeFailure(node.name, error);
        }
        if (value === undefined && !node.left) return;
        forward({ ...record, joined: { ...record.joined, [node.store]: value ?? null } });
      };
    }

    case "filter":
      return (record) => {
        // A tombstone meets no condition (ksqlDB's WHERE drops null rows).
        if (isTombstone(record)) return;
        let keep: boolean;
        try {
          keep = node.predicate(record);
        } catch (error) {
          throw new NodeFailure(node.name, error);
        }
        if (keep) forward(record);
      };

    case "map":
      return (record) => {
        const tombstone = isTombstone(record);
        if (tombstone && node.tombstones === "drop") return;
        let mapped: { key: unknown; value: unknown };
        try {
          if (!tombstone) mapped = node.mapper(record);
          else if (node.tombstones === "map-key") mapped = { key: node.mapper(record).key, value: null };
          else mapped = { key: node.tombstones === "keep-key" ? record.key : null, value: null };
        } catch (error) {
          throw new NodeFailure(node.name, error);
        }
        if (node.dropsNullKeys && (mapped.key === null || mapped.key === undefined)) return;
        const window = node.keepsWindow ? record.window : undefined;
        forward(window ? { key: mapped.key, value: mapped.value, timestamp: record.timestamp, window } : { key: mapped.key, value: mapped.value, timestamp: record.timestamp });
      };

    case "flatMap":
      return (record) => {
        if (isTombstone(record)) return;
        // Collect first: the mapper is often a generator that throws part way,
        // and its error must be charged to this node, not to a child.
        let results: { key: unknown; value: unknown }[];
        try {
          results = [...node.mapper(record)];
        } catch (error) {
          throw new NodeFailure(node.name, error);
        }
        // Only the value changes: the records keep their window.
        for (const result of results) {
          forward(record.window ? { ...result, timestamp: record.timestamp, window: record.window } : { ...result, timestamp: record.timestamp });
        }
      };

    case "aggregate": {
      const store = context.store(node.store);
      return (record) => {
        // As in Kafka Streams, an aggregation ignores records with a null key
        // and tombstones: there is no group to add them to. (A right join's
        // result without a left record is no tombstone: it is counted.)
        if (record.key === null || record.key === undefined || isTombstone(record)) return;
        let aggregate: unknown;
        let oldValue: unknown;
        try {
          const current = store.get(record.key);
          oldValue = current === undefined ? undefined : node.result(current);
          const accumulator = node.adder(current === undefined ? node.initializer() : current, record);
          store.put(record.key, accumulator);
          aggregate = node.result(accumulator);
        } catch (error) {
          throw new NodeFailure(node.name, error);
        }
        // No record cache: every update is emitted downstream (and logged),
        // with the timestamp of the record that caused it.
        forward(rowChange({ key: record.key, value: aggregate, timestamp: record.timestamp, oldValue }));
      };
    }

    case "windowedAggregate":
      return windowedAggregate(node, forward, context);

    case "tableGroupBy":
      return tableGroupBy(node, forward);

    case "tableAggregate":
      return tableAggregate(node, forward, context);

    case "dedup":
      return dedup(node, forward, context);

    // The records of a merge and of a branch's arm go on as they are.
    case "merge":
    case "branchArm":
      return forward;

    case "branch":
      throw new Error("a branch is built with its arms (see buildProcessors)");

    case "tableFilter":
      return (record) => {
        if (isTombstone(record)) return forward(tableDelete(record));
        let keep: boolean;
        try {
          keep = node.predicate(record);
        } catch (error) {
          throw new NodeFailure(node.name, error);
        }
        forward(keep ? record : tableDelete(record));
      };

    case "tableMapValues":
      return (record) => {
        if (isTombstone(record)) return forward(tableDelete(record));
        let value: unknown;
        try {
          value = node.mapper(record);
        } catch (error) {
          throw new NodeFailure(node.name, error);
        }
        const mapped = { key: record.key, value: value ?? null, timestamp: record.timestamp };
        forward(record.window ? { ...mapped, window: record.window } : mapped);
      };

    case "materialize": {
      if (node.window) return windowedMaterialize(node, node.window, forward, context);
      const store = context.store(node.store);
      return (record) => {
        if (record.key === null || record.key === undefined) return;
        const deleted = record.value === null || record.value === undefined;
        let oldValue: unknown;
        try {
          oldValue = store.get(record.key);
          // Upstream filters and joins forward a delete for every row that is not
          // there (they do not know what was): only a delete of a row the table holds is a change.
          if (deleted && oldValue === undefined) return;
          if (deleted) store.delete(record.key);
          else store.put(record.key, record.value);
        } catch (error) {
          throw new NodeFailure(node.name, error);
        }
        forward(rowChange({ key: record.key, value: deleted ? null : store.get(record.key), timestamp: record.timestamp, oldValue }));
      };
    }

    case "tableJoin":
      throw new Error("a table-table join is built per side by buildProcessors");

    case "foreignKeySend":
      return foreignKeySend(node, forward, context);
    case "foreignKeySubscribe":
      return foreignKeySubscribe(node, forward, context);
    case "foreignKeyNotify":
      return foreignKeyNotify(node, forward, context);
    case "foreignKeyResponse":
      return foreignKeyResponse(node, forward, context);

    case "streamJoin":
      throw new Error(`${node.name}: a stream-stream join is built per side`);

    case "sink":
      return sink(node, context);
  }
}

/**
 * First match wins: the predicates are evaluated in order, and only until one
 * holds. A tombstone meets no condition: it goes to the else arm, if any.
 */
function branch(node: BranchNode, arms: ReadonlyMap<string, Forward>): Forward {
  const routes = node.arms.map((arm) => ({ predicate: arm.predicate, forward: arms.get(arm.node) ?? (() => {}) }));
  return (record) => {
    const tombstone = isTombstone(record);
    let chosen: Forward | undefined;
    try {
      chosen = routes.find((route) => route.predicate === undefined || (!tombstone && route.predicate(record)))?.forward;
    } catch (error) {
      throw new NodeFailure(node.name, error);
    }
    // No arm took it and there is no else arm: the record is dropped, as in Kafka Streams' split().
    chosen?.(record);
  };
}

/**
 * Deduplication, as Kafka Streams' dedup pattern: for each record, with stream
 * time already moved to include it,
 *   1. remembered keys whose window ended (kept timestamp + window <= stream time) are forgotten;
 *   2. a record whose dedup key was kept at a time less than the window before
 *      or after its own is a duplicate: dropped;
 *   3. any other record is kept: its timestamp is remembered and it goes on.
 * A duplicate does not extend the window: only kept records are remembered.
 * A record whose key (or `by` value) is null cannot be compared: it goes on.
 * So does a tombstone, unremembered: it is no event to repeat, and remembering
 * it would drop the next record of its key.
 */
function dedup(node: DedupNode, forward: Forward, context: ProcessorContext): Forward {
  const store = context.dedupStore(node.store);
  return (record) => {
    if (isTombstone(record)) return forward(record);
    let keep: boolean;
    try {
      const by = node.by ? node.by(record) : undefined;
      if (record.key === null || record.key === undefined || (node.by && (by === null || by === undefined))) {
        keep = true;
      } else {
        store.expire(context.streamTime());
        const dedupKey = node.by ? [record.key, by] : [record.key];
        const kept = store.lastKept(dedupKey);
        keep = kept === undefined || Math.abs(record.timestamp - kept) >= node.withinMs;
        if (keep) store.keep(dedupKey, record.timestamp);
      }
    } catch (error) {
      throw new NodeFailure(node.name, error);
    }
    if (keep) forward(record);
  };
}

/**
 * A record whose sink picked a topic it cannot write to: one that does not
 * exist (reason "unknown-topic"), or one of the application's own topics,
 * whose records weir alone writes (reason "reserved-topic").
 */
export class PickedTopicError extends Error {
  override readonly name = "PickedTopicError";
  constructor(
    readonly reason: "unknown-topic" | "reserved-topic",
    readonly topic: string,
  ) {
    super(reason === "unknown-topic" ? `the topic "${topic}" does not exist` : `the topic "${topic}" is one of the application's own`);
  }
}

/**
 * Encodes and sends; the topic is fixed or picked per record, the headers
 * computed per record. A tombstone is written as one (a null value), without
 * headers: the value and headers are computed from a value it does not have.
 * A tombstone whose topic is computed from the value has no topic: this sink
 * leaves it (dead-lettered, reason "tombstone-topic"), the others write it.
 * A windowed key format writes the key with the record's window, and the record is
 * partitioned by the key's own bytes, so that all windows of a key share a partition
 * (Kafka Streams' WindowedStreamPartitioner).
 */
function sink(node: SinkNode, context: ProcessorContext): Forward {
  const reserved = node.topicOf ? context.reservedTopics() : new Set<string>();
  const windowedKey = isWindowedFormat(node.keyFormat) ? node.keyFormat : undefined;
  return (record) => {
    const tombstone = isTombstone(record);
    if (tombstone && node.topicOf && !node.topicOfTombstones) {
      context.leftBehind(node.name, "tombstone-topic", "the topic is computed from the value, and a tombstone (a null value) has none");
      return;
    }
    let topic: string;
    let key: Buffer | null = null;
    let partitionKey: Buffer | undefined;
    let value: Buffer | null;
    let headers: RecordHeaders | undefined;
    try {
      topic = node.topicOf ? pickedTopic(node.topicOf(record)) : node.topic!;
      headers = node.headers && !tombstone ? textHeaders(node.headers(record)) : undefined;
      const written = node.project && !tombstone ? node.project(record) : record.value;
      if (record.key !== null && record.key !== undefined && windowedKey) {
        if (!record.window) throw new TypeError("a windowed key needs the record's window: this record has none");
        key = windowedKey.encode({ key: record.key, window: record.window });
        partitionKey = windowedKey.inner.encode(record.key);
      } else if (record.key !== null && record.key !== undefined) {
        key = node.keyFormat.encode(record.key);
      }
      value = written === null || written === undefined ? null : node.valueFormat.encode(written);
    } catch (error) {
      throw new NodeFailure(node.name, error);
    }
    if (node.topicOf && reserved.has(topic)) throw new NodeFailure(node.name, new PickedTopicError("reserved-topic", topic));
    if (node.topicOf && !context.collector.knows(topic)) throw new NodeFailure(node.name, new PickedTopicError("unknown-topic", topic));
    context.collector.send(topic, key, value, record.timestamp, headers, partitionKey);
  };
}

function pickedTopic(topic: unknown): string {
  if (typeof topic !== "string" || topic === "") throw new TypeError(`a topic name must be a non-empty string, not ${JSON.stringify(topic)}`);
  return topic;
}

/** Null and undefined values leave a header out; a record with no header left has none. */
function textHeaders(values: HeaderValues): RecordHeaders | undefined {
  const entries = Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== null && entry[1] !== undefined);
  for (const [name, text] of entries) if (typeof text !== "string") throw new TypeError(`the header ${name} must be a string, not ${JSON.stringify(text)}`);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

type Output = StreamRecord<unknown, unknown>;

/** What the window kinds share while a record is added: the node, its store, and the outputs so far. */
interface WindowedStep {
  readonly node: WindowedAggregateNode;
  readonly store: InMemoryWindowStore;
  readonly record: StreamRecord<unknown, unknown>;
  readonly streamTime: number;
  /** A time or sliding window that ends before this is closed: stream time - grace. (A session also has its gap: see windowCloseTime.) */
  readonly closeBefore: number;
  readonly context: ProcessorContext;
  /** Updated windows, forwarded with emit changes. */
  readonly changes: Output[];
}

/**
 * A tombstone: a record with a null value and no joined values. On a stream it
 * is what a null value on a topic is (no function written for values is given
 * one); between a table's operations it deletes its key. (After an outer join,
 * a record whose left side is missing has a null value but carries the right
 * side's: it is no tombstone.)
 */
function isTombstone(record: Output): boolean {
  return (record.value === null || record.value === undefined) && record.joined === undefined;
}

/** A delete of the record's row: its key (and, in a windowed table, its window). */
function tableDelete(record: Output): Output {
  return record.window ? { key: record.key, value: null, timestamp: record.timestamp, window: record.window } : { key: record.key, value: null, timestamp: record.timestamp };
}

/**
 * A windowed table's rows kept per key and window (a windowed aggregation,
 * filtered or mapped): as a table's materialization, a delete is forwarded
 * only for a row the store holds. A window is kept until it closes, by the
 * aggregation's rule (windowCloseTime): after that no change can reach it, so
 * the store needs it no more; a change that arrives when its window has
 * already closed (an emit final result) is forwarded without being kept.
 */
function windowedMaterialize(node: MaterializeNode, spec: WindowSpec, forward: Forward, context: ProcessorContext): Forward {
  const store = context.windowStore(node.store);
  return (record) => {
    const window = record.window;
    if (record.key === null || record.key === undefined || !window) return;
    const deleted = record.value === null || record.value === undefined;
    try {
      const streamTime = context.streamTime();
      for (const closed of store.closedWindows(streamTime)) store.deleteWindow(closed.key, closed.start);
      const held = store.fetch(record.key, window.start) !== undefined;
      if (deleted && !held) return;
      if (deleted || windowCloseTime(spec, window) <= streamTime) {
        if (held) store.deleteWindow(record.key, window.start);
      } else {
        store.putWindow(record.key, window.start, { end: window.end, timestamp: record.timestamp, aggregate: record.value });
      }
    } catch (error) {
      throw new NodeFailure(node.name, error);
    }
    forward({ key: record.key, value: deleted ? null : record.value, timestamp: record.timestamp, window });
  };
}

/**
 * One side of a table-table join, as Kafka Streams' KTableKTableInnerJoin,
 * LeftJoin and OuterJoin. The changed side's store already holds the change
 * (its table updated it before forwarding); the other side is looked up. The
 * row exists when the join type says so (inner: both sides; left: the left
 * side; right: the right side; outer: either); otherwise the key is deleted: the materialized result
 * downstream drops deletes of rows that were not there, so a delete flows on
 * only when a row disappears.
 */
function readStore(store: InMemoryKeyValueStore, key: unknown, read: ((stored: unknown) => unknown) | undefined): unknown {
  const stored = store.get(key);
  return stored === undefined || !read ? stored : read(stored);
}

/** Which sides a table-table join's row needs (a right join's rows are those of the left join with the sides swapped). */
const rowExists: Record<TableJoinNode["type"], (hasLeft: boolean, hasRight: boolean) => boolean> = {
  inner: (hasLeft, hasRight) => hasLeft && hasRight,
  left: (hasLeft) => hasLeft,
  right: (_, hasRight) => hasRight,
  outer: (hasLeft, hasRight) => hasLeft || hasRight,
};

function tableJoin(node: TableJoinNode, side: "left" | "right", forward: Forward, context: ProcessorContext): Forward {
  const leftStore = context.store(node.leftStore);
  const rightStore = context.store(node.rightStore);
  return (record) => {
    // As Kafka Streams: a join matches keys, and a null key matches none.
    if (record.key === null || record.key === undefined) return;
    let left: unknown;
    let right: unknown;
    try {
      left = side === "left" ? record.value : readStore(leftStore, record.key, node.readLeft);
      right = side === "right" ? record.value : readStore(rightStore, record.key, node.readRight);
    } catch (error) {
      throw new NodeFailure(node.name, error);
    }
    const hasLeft = left !== null && left !== undefined;
    const hasRight = right !== null && right !== undefined;
    const exists = rowExists[node.type](hasLeft, hasRight);
    if (!exists) return forward(tableDelete(record));
    forward({ key: record.key, value: hasLeft ? left : null, timestamp: record.timestamp, joined: { [node.rightStore]: hasRight ? right : null } });
  };
}

/**
 * A windowed aggregation, as Kafka Streams' KStreamWindowAggregate,
 * KStreamSlidingWindowAggregate and KStreamSessionWindowAggregate. For each
 * record, with stream time already moved to include it:
 *   1. windows that closed (stream time reached their close time) are emitted
 *      (emit final) and deleted: no record can change them any more (a closed
 *      sliding window is kept, read only, until it expires);
 *   2. the record is added to each of its windows that is still open
 *      (a time window is open while stream time < end + grace, a sliding
 *      window while stream time <= end + grace; a session while stream time
 *      <= its merged end + gap + grace: see windowCloseTime); with none open,
 *      it is late;
 *   3. with emit changes, every updated window flows downstream.
 * Outputs are computed first and forwarded after, so that a failure in the
 * user's functions is charged to this node, not to a node downstream.
 */
function windowedAggregate(node: WindowedAggregateNode, forward: Forward, context: ProcessorContext): Forward {
  const store = context.windowStore(node.store);
  const spec = node.window;
  const emitChanges = node.emit === "changes";
  return (record) => {
    if (record.key === null || record.key === undefined || isTombstone(record)) return;
    const outputs: Output[] = [];
    try {
      // Windows start at the epoch (Kafka Streams drops negative timestamps): such a record is not late, it is wrong.
      if (record.timestamp < 0) throw new RangeError(`a windowed aggregation needs a timestamp at or after the epoch, not ${record.timestamp}`);
      const streamTime = context.streamTime();
      for (const closed of store.closedWindows(streamTime)) {
        const window = { start: closed.start, end: closed.end };
        if (!emitChanges && !closed.closed) outputs.push({ key: closed.key, value: node.result(closed.aggregate), timestamp: closed.timestamp, window });
        if (spec.kind === "sliding" && !closed.closed && slidingWindowExpiry(spec, window) > streamTime) store.putWindow(closed.key, closed.start, { ...closed, closed: true });
        else store.deleteWindow(closed.key, closed.start);
      }
      const step: WindowedStep = { node, store, record, streamTime, closeBefore: streamTime - spec.graceMs, context, changes: [] };
      switch (spec.kind) {
        case "time":
          addToTimeWindows(step, spec);
          break;
        case "sliding":
          addToSlidingWindows(step, spec);
          break;
        case "session":
          addToSession(step, spec);
          break;
      }
      if (emitChanges) outputs.push(...step.changes);
    } catch (error) {
      throw new NodeFailure(node.name, error);
    }
    for (const output of outputs) forward(output);
  };
}

// ---------------------------------------------------------------- foreign-key joins
//
// As Kafka Streams' foreign-key join (KIP-213), in four processors over two
// internal topics:
//   left task:  foreignKeySend      left row changed → subscription (key: foreign key)
//   right task: foreignKeySubscribe subscription → stored, answered with the right row (key: left key)
//               foreignKeyNotify    right row changed → a response to each of its subscribers
//   left task:  foreignKeyResponse  response + the left row as it is now → joined row
// A response carries the hash of the left row it was computed for; when the
// left row has changed since (its hash differs), a newer response is on its
// way and this one is dropped. Every response is propagated, also "no right
// row" (a delete for an inner join): the materialized result downstream drops
// deletes of rows it does not hold, which is what Kafka Streams' instructions
// (PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE, ...) achieve.

/** What the subscription topic carries, keyed by the foreign key (null when the row has none). */
interface Subscription {
  readonly leftKey: unknown;
  /** The left row's hash; null after it was deleted. */
  readonly hash: string | null;
  /** Keep the subscription (false: remove it). */
  readonly subscribe: boolean;
  /** Answer it with the right row now. */
  readonly propagate: boolean;
}

/** What the response topic carries, keyed by the left key. */
interface Response {
  readonly hash: string | null;
  readonly value: unknown;
}

/**
 * A table row's change, as the changes of its groups (Kafka Streams'
 * KTableRepartitionMap): the old row leaves the group it was in, the new row
 * joins its group. Both are computed before anything is forwarded, so that a
 * failing selector sends nothing.
 */
function tableGroupBy(node: TableGroupByNode, forward: Forward): Forward {
  return (record) => {
    if (isAbsent(record.key)) return;
    const { oldValue } = record as RowChange;
    let oldGroup: unknown;
    let newGroup: unknown;
    try {
      oldGroup = isAbsent(oldValue) ? null : node.selector({ key: record.key, value: oldValue, timestamp: record.timestamp });
      newGroup = isAbsent(record.value) ? null : node.selector(record);
    } catch (error) {
      throw new NodeFailure(node.name, error);
    }
    const send = (group: unknown, change: TableChange<unknown>) => forward({ key: group, value: change, timestamp: record.timestamp });
    // A row that stays in its group is one change: the group never shows it half updated.
    if (!isAbsent(oldGroup) && !isAbsent(newGroup) && JSON.stringify(oldGroup) === JSON.stringify(newGroup)) {
      return send(newGroup, { subtract: oldValue, add: record.value });
    }
    if (!isAbsent(oldGroup)) send(oldGroup, { subtract: oldValue });
    if (!isAbsent(newGroup)) send(newGroup, { add: record.value });
  };
}

/** A grouped table's change applied to its group: the old row subtracted, then the new row added (Kafka Streams' KTableAggregate). */
function tableAggregate(node: TableAggregateNode, forward: Forward, context: ProcessorContext): Forward {
  const store = context.store(node.store);
  return (record) => {
    if (isAbsent(record.key) || isAbsent(record.value)) return;
    const change = record.value as TableChange<unknown>;
    const row = (value: unknown) => ({ key: record.key, value, timestamp: record.timestamp });
    let aggregate: unknown;
    let oldValue: unknown;
    try {
      const current = store.get(record.key);
      oldValue = current === undefined ? undefined : node.result(current);
      let accumulator = current ?? node.initializer();
      // A subtraction from a group this store never saw (its rows were added before a reset of the store) is ignored, as Kafka Streams does.
      if (!isAbsent(change.subtract) && current !== undefined) accumulator = node.subtractor(accumulator, row(change.subtract));
      if (!isAbsent(change.add)) accumulator = node.adder(accumulator, row(change.add));
      store.put(record.key, accumulator);
      aggregate = node.result(accumulator);
    } catch (error) {
      throw new NodeFailure(node.name, error);
    }
    forward(rowChange({ key: record.key, value: aggregate, timestamp: record.timestamp, oldValue }));
  };
}

/** The hash of a row's JSON text: a response is for the row as it is only if their hashes match. */
function rowHash(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("base64url").slice(0, 22);
}

function isAbsent(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

function foreignKeySend(node: ForeignKeySendNode, forward: Forward, context: ProcessorContext): Forward {
  const foreignKeys = context.store(node.store);
  return (record) => {
    if (isAbsent(record.key)) return;
    const send = (foreignKey: unknown, subscription: Subscription) => forward({ key: foreignKey ?? null, value: subscription, timestamp: record.timestamp });
    let previous: unknown;
    let next: unknown;
    try {
      previous = foreignKeys.get(record.key);
      next = isAbsent(record.value) ? undefined : (node.foreignKey(record) ?? undefined);
      if (next === undefined) foreignKeys.delete(record.key);
      else foreignKeys.put(record.key, next);
    } catch (error) {
      throw new NodeFailure(node.name, error);
    }
    const changed = previous !== undefined && JSON.stringify(previous) !== JSON.stringify(next);
    if (isAbsent(record.value)) {
      // Deleted: unsubscribe, and let the response delete the joined row. A row
      // without a foreign key had no subscription: its delete goes with a null key.
      send(previous, { leftKey: record.key, hash: null, subscribe: false, propagate: true });
      return;
    }
    const hash = rowHash(record.value);
    if (changed) send(previous, { leftKey: record.key, hash, subscribe: false, propagate: false });
    // A row without a foreign key joins no row: answered at once, not stored.
    send(next, { leftKey: record.key, hash, subscribe: next !== undefined, propagate: true });
  };
}

function foreignKeySubscribe(node: ForeignKeySubscribeNode, forward: Forward, context: ProcessorContext): Forward {
  const subscriptions = context.store(node.store);
  const right = context.store(node.rightStore);
  return (record) => {
    const subscription = record.value as Subscription | null;
    if (!subscription) return;
    const foreignKey = record.key;
    let value: unknown = null;
    try {
      if (!isAbsent(foreignKey)) {
        const key = [foreignKey, subscription.leftKey];
        if (subscription.subscribe) subscriptions.put(key, { hash: subscription.hash });
        else if (subscriptions.get(key) !== undefined) subscriptions.delete(key);
        if (subscription.propagate) value = readStore(right, foreignKey, node.readRight) ?? null;
      }
    } catch (error) {
      throw new NodeFailure(node.name, error);
    }
    if (subscription.propagate) forward({ key: subscription.leftKey, value: { hash: subscription.hash, value } satisfies Response, timestamp: record.timestamp });
  };
}

function foreignKeyNotify(node: ForeignKeyNotifyNode, forward: Forward, context: ProcessorContext): Forward {
  const subscriptions = context.store(node.subscriptions);
  if (!(subscriptions instanceof SubscriptionStore)) throw new Error(`store ${node.subscriptions} is not a subscription store`);
  return (record) => {
    if (isAbsent(record.key)) return;
    const responses: StreamRecord<unknown, unknown>[] = [];
    for (const [leftKey, stored] of subscriptions.subscribersOf(record.key)) {
      const response: Response = { hash: (stored as { hash: string | null }).hash, value: record.value ?? null };
      responses.push({ key: leftKey, value: response, timestamp: record.timestamp });
    }
    for (const response of responses) forward(response);
  };
}

function foreignKeyResponse(node: ForeignKeyResponseNode, forward: Forward, context: ProcessorContext): Forward {
  const left = context.store(node.leftStore);
  return (record) => {
    const response = record.value as Response | null;
    if (isAbsent(record.key) || !response) return;
    let current: unknown;
    try {
      current = readStore(left, record.key, node.readLeft);
    } catch (error) {
      throw new NodeFailure(node.name, error);
    }
    const currentHash = isAbsent(current) ? null : rowHash(current);
    // Computed for another version of the left row: a response for the current one follows.
    if (response.hash !== currentHash) return;
    if (isAbsent(current) || (isAbsent(response.value) && node.type === "inner")) {
      forward({ key: record.key, value: null, timestamp: record.timestamp });
      return;
    }
    forward({ key: record.key, value: current, timestamp: record.timestamp, joined: { [node.joinedAs]: response.value ?? null } });
  };
}

/**
 * A windowed stream-stream join, as Kafka Streams' KStreamKStreamJoin with its
 * 3.1+ handling of left, right and outer joins. A record of one side at t joins
 * the other side's records in its window, [t - before, t + after] (the right
 * side's records see the window mirrored: each buffer knows its side's). For
 * each record of either side, with stream time already moved to include it:
 *   1. records of both buffers whose window has closed (stream time passed
 *      their timestamp + after + grace) and that never joined are emitted
 *      with the other side null (outer sides only; earliest first, the left
 *      side first at equal timestamps), and records past their buffer's
 *      retention are purged;
 *   2. the record joins each record of the other buffer with its key in its
 *      window that the buffer still retains, in timestamp order: the result
 *      has the later of the two timestamps;
 *   3. on an outer side, a record that found no match owes a result with the
 *      other side null: emitted at once if its own window has already closed
 *      (it came out of order by more than the grace), else when it closes;
 *   4. the record is buffered — unless it is past its buffer's retention (see
 *      join-buffer-store.ts) and owes nothing: then it can never join, and one
 *      that joined nothing either is dropped as late (Kafka Streams drops it
 *      from its store, and counts it as a dropped record).
 * A left (outer) join never emits a non-joined result before the window
 * closes: a match may still come until then. A tombstone is
 * dropped, and so is a record with a null key, except on an outer side, where it can
 * never join and is emitted at once with the other side null (Kafka Streams 3.7+).
 */
function streamJoin(node: StreamJoinNode, leftJoined: readonly string[], forward: Forward, context: ProcessorContext): { left: Forward; right: Forward } {
  // A right record alone has no left record to take earlier joins' values from: they are null in its result.
  const noLeftJoined = Object.fromEntries(leftJoined.map((name) => [name, null]));
  const buffers = { left: context.joinBuffer(node.thisStore), right: context.joinBuffer(node.otherStore) };
  const outer = { left: node.type === "left" || node.type === "outer", right: node.type === "right" || node.type === "outer" };
  /** The joined record, oriented left then right whichever side came second. */
  const result = (key: unknown, left: BufferedRecord | undefined, right: BufferedRecord | undefined, timestamp: number): Output => ({
    key,
    value: left ? left.value : null,
    timestamp,
    joined: { ...(left ? left.joined : noLeftJoined), [node.other]: right ? right.value : null },
  });
  const alone = (me: "left" | "right", record: BufferedRecord): Output => (me === "left" ? result(record.key, record, undefined, record.timestamp) : result(record.key, undefined, record, record.timestamp));
  const side = (me: "left" | "right") => {
    const other = me === "left" ? "right" : "left";
    const buffer = buffers[me];
    return (record: StreamRecord<unknown, unknown>) => {
      // A right join's result without a left record (a null value, with joined values) joins like any record.
      if (isTombstone(record)) return;
      const outputs: Output[] = [];
      try {
        const streamTime = context.streamTime();
        outputs.push(...emitClosed(streamTime));
        const mine: BufferedRecord = { key: record.key, timestamp: record.timestamp, seq: 0, value: record.value, joined: record.joined, pending: false };
        if (record.key === null || record.key === undefined) {
          if (outer[me]) outputs.push(alone(me, mine));
        } else {
          const { beforeMs, afterMs, graceMs } = buffer.window;
          const matches = buffers[other].between(record.key, record.timestamp - beforeMs, record.timestamp + afterMs);
          for (const match of matches) {
            const timestamp = Math.max(record.timestamp, match.timestamp);
            outputs.push(me === "left" ? result(record.key, mine, match, timestamp) : result(record.key, match, mine, timestamp));
            if (match.pending) buffers[other].settle(match);
          }
          const unmatched = outer[me] && matches.length === 0;
          const closed = streamTime > buffer.closeTime(record.timestamp);
          if (unmatched && closed) outputs.push(alone(me, mine));
          if (buffer.retains(record.timestamp) || (unmatched && !closed)) {
            buffer.add(record.key, record.timestamp, record.value, record.joined, unmatched && !closed);
          } else if (matches.length === 0 && !unmatched) {
            context.late(node.name, `it joined nothing and is past the join buffer's retention: older than its newest record by more than before ${beforeMs} ms + after ${afterMs} ms + grace ${graceMs} ms (stream time ${streamTime})`);
          }
        }
      } catch (error) {
        throw new NodeFailure(node.name, error);
      }
      for (const output of outputs) forward(output);
    };
  };
  const emitClosed = (streamTime: number): Output[] => {
    const due = { left: buffers.left.due(streamTime), right: buffers.right.due(streamTime) };
    const closed = [...due.left.closed.map((r) => ({ r, side: "left" as const })), ...due.right.closed.map((r) => ({ r, side: "right" as const }))].sort(
      (a, b) => a.r.timestamp - b.r.timestamp || (a.side === b.side ? 0 : a.side === "left" ? -1 : 1) || compareText(JSON.stringify(a.r.key), JSON.stringify(b.r.key)) || a.r.seq - b.r.seq,
    );
    const outputs = closed.map(({ r, side }) => alone(side, r));
    for (const { r, side } of closed) {
      // Its null result is out; it stays to join while its buffer retains it (as Kafka Streams' window store keeps it).
      if (buffers[side].retains(r.timestamp)) buffers[side].settle(r);
      else buffers[side].remove(r);
    }
    for (const r of due.left.expired) buffers.left.remove(r);
    for (const r of due.right.expired) buffers.right.remove(r);
    return outputs;
  };
  return { left: side("left"), right: side("right") };
}

/**
 * The names a record reaching this node carries in `record.joined`: those of
 * the joins before it, up to the first node that makes a new record (only
 * filters and joins keep `joined`).
 */
function joinedUpstream(topology: Topology, nodeName: string): string[] {
  const node = topology.node(nodeName);
  switch (node.kind) {
    case "filter":
    case "dedup":
    case "branch":
    case "branchArm":
      return joinedUpstream(topology, node.parent);
    case "join":
      return [...joinedUpstream(topology, node.parent), node.store];
    case "streamJoin":
      return [...joinedUpstream(topology, node.parent), node.other];
    default:
      return [];
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function addToTimeWindows(step: WindowedStep, spec: Extract<WindowSpec, { kind: "time" }>): void {
  const { node, store, record } = step;
  let added = false;
  for (const window of timeWindowsFor(record.timestamp, spec.sizeMs, spec.advanceMs)) {
    if (window.end <= step.closeBefore) continue;
    const current = store.fetch(record.key, window.start);
    const aggregate = node.adder(current ? current.aggregate : node.initializer(), record);
    const timestamp = current ? Math.max(current.timestamp, record.timestamp) : record.timestamp;
    store.putWindow(record.key, window.start, { end: window.end, timestamp, aggregate });
    step.changes.push({ key: record.key, value: node.result(aggregate), timestamp, window });
    added = true;
  }
  if (!added) step.context.late(node.name, `every window of timestamp ${record.timestamp} closed (stream time ${step.streamTime}, grace ${spec.graceMs} ms)`);
}

function addToSession(step: WindowedStep, spec: Extract<WindowSpec, { kind: "session" }>): void {
  const { node, store, record } = step;
  const time = record.timestamp;
  const neighbours = store.windowsOf(record.key).filter((s) => s.end >= time - spec.gapMs && s.start <= time + spec.gapMs);
  const start = Math.min(time, ...neighbours.map((s) => s.start));
  const end = Math.max(time, ...neighbours.map((s) => s.end));
  // The session the record would make is judged, not the record: one that extends an open session is not late.
  const closesAt = windowCloseTime(spec, { start, end });
  if (closesAt <= step.streamTime) {
    step.context.late(node.name, `session window [${start}, ${end}] closed at stream time ${closesAt} (stream time ${step.streamTime}, gap ${spec.gapMs} ms, grace ${spec.graceMs} ms)`);
    return;
  }
  let aggregate = node.initializer();
  for (const session of neighbours) {
    aggregate = node.merger!(aggregate, session.aggregate);
    store.deleteWindow(record.key, session.start);
    // A session that no longer exists is retracted (Kafka Streams forwards a tombstone for its windowed key).
    const replaced = session.start === start && session.end === end;
    if (!replaced) step.changes.push({ key: record.key, value: null, timestamp: session.end, window: { start: session.start, end: session.end } });
  }
  aggregate = node.adder(aggregate, record);
  store.putWindow(record.key, start, { end, timestamp: end, aggregate });
  step.changes.push({ key: record.key, value: node.result(aggregate), timestamp: end, window: { start, end } });
}

/** A stored window's aggregate and the timestamp its results carry. */
interface Contents {
  readonly aggregate: unknown;
  readonly timestamp: number;
}

/**
 * Sliding windows, as Kafka Streams' KStreamSlidingWindowAggregate (with its
 * default stores, which it reads newest window first). Windows are [start,
 * start + D], both ends inclusive, and exist only when they hold records: for
 * each record at t, its left window [t - D, t] and, when a later record falls
 * within D of it, its right window [t + 1, t + 1 + D]. A window's contents
 * are derived from its neighbours', never by rescanning records: the left
 * window starts from the aggregate of the window that ended last before t
 * (when the previous record lies within D), the right window is a copy of the
 * newest window that overlaps t and holds a later record. A record before D
 * (whose left window would start before the epoch) goes to [0, D] instead.
 * A record is late when every window it could fall in closed: t + D < stream
 * time - grace; or when none of those it falls in is open.
 */
function addToSlidingWindows(step: WindowedStep, spec: Extract<WindowSpec, { kind: "sliding" }>): void {
  const { node, store, record } = step;
  const t = record.timestamp;
  const difference = spec.differenceMs;
  const late = () => step.context.late(node.name, `every sliding window of timestamp ${t} closed (stream time ${step.streamTime}, grace ${spec.graceMs} ms)`);
  if (t + difference < step.closeBefore) return late();

  let added = false;
  /** Adds the record to the window [start, start + D] (with `from`: starting from those contents), if it is open. */
  const add = (start: number, from: Contents | undefined): void => {
    const end = start + difference;
    if (end < step.closeBefore) return;
    const aggregate = node.adder(from ? from.aggregate : node.initializer(), record);
    const timestamp = from ? Math.max(from.timestamp, t) : t;
    store.putWindow(record.key, start, { end, timestamp, aggregate });
    step.changes.push({ key: record.key, value: node.result(aggregate), timestamp, window: { start, end } });
    added = true;
  };
  const createRightWindow = (from: Contents): void => {
    const start = t + 1;
    store.putWindow(record.key, start, { end: start + difference, timestamp: from.timestamp, aggregate: from.aggregate });
    step.changes.push({ key: record.key, value: node.result(from.aggregate), timestamp: from.timestamp, window: { start, end: start + difference } });
  };

  const early = t < difference;
  const lowest = early ? 0 : Math.max(0, t - 2 * difference);
  const nearby = store.windowsOf(record.key).filter((w) => w.start >= lowest && w.start <= t + 1).reverse();
  const starts = new Set(nearby.map((w) => w.start));
  const rightWindowExists = starts.has(t + 1);
  /** The newest window that covers t and holds a record after t: what t's right window holds. */
  let rightContents: Contents | undefined;
  /** The timestamp of the latest record before t, as far as the windows tell. */
  let previous: number | undefined;

  if (early) {
    let combined: StoredWindow | undefined;
    // Kafka Streams reads these oldest first.
    for (const window of [...nearby].reverse()) {
      if (window.start === 0) {
        combined = window;
        if (window.timestamp < t) previous = window.timestamp;
      } else if (window.start <= t) {
        rightContents = window;
        add(window.start, window);
      } else if (window.start !== t + 1) {
        throw new Error(`sliding windows: unexpected window starting at ${window.start} for a record at ${t}`);
      }
    }
    // Without a right window found, [0, D] holds only records after t, if any.
    if (!rightContents && combined && combined.timestamp > t) rightContents = combined;
    if (!rightWindowExists && rightContents && rightContents.timestamp > t) createRightWindow(rightContents);
    if (previous !== undefined && !starts.has(previous + 1)) add(previous + 1, undefined);
    add(0, combined);
    if (!added) late();
    return;
  }

  let leftWindowExists = false;
  /** A record at t came before: t's windows exist already, only the record is added. */
  let sameTimeSeen = false;
  /** The window that ended last before t. */
  let before: StoredWindow | undefined;
  for (const window of nearby) {
    const end = window.start + difference;
    if (window.start === t + 1) {
      // t's right window: it holds only later records.
    } else if (end > t) {
      rightContents ??= window;
      add(window.start, window);
    } else if (end === t) {
      leftWindowExists = true;
      add(window.start, window);
      if (window.timestamp >= t) {
        sameTimeSeen = true;
        break;
      }
      previous = window.timestamp;
    } else {
      before = window;
      previous = window.timestamp;
      break;
    }
  }
  if (!sameTimeSeen) {
    const previousIsNear = previous !== undefined && previous >= t - difference;
    // The previous record's right window, when t falls in it. (When that is t's
    // left window, it is made just below; Kafka Streams writes it twice.)
    if (previous !== undefined && !starts.has(previous + 1) && previous + 1 + difference >= t && previous + 1 !== t - difference) add(previous + 1, undefined);
    if (!leftWindowExists) add(t - difference, previousIsNear && before ? { aggregate: before.aggregate, timestamp: t } : undefined);
    if (!rightWindowExists && rightContents && rightContents.timestamp > t) createRightWindow(rightContents);
  }
  if (!added) late();
}
