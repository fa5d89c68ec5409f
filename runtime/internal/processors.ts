// Turns a sub-topology's nodes into functions a task calls per record: a
// source decodes, processors call the user's functions, sinks encode and hand
// records to the collector. A user function that throws is reported as a
// NodeFailure naming its node, so that the task can dead-letter the record.
import { FormatError } from "../formats.ts";
import type { HeaderValues, SinkNode, SourceNode, StreamRecord, SubTopology, Topology, TopologyNode, WindowedAggregateNode } from "../topology.ts";
import { slidingWindowExpiry, timeWindowsFor, type WindowSpec } from "../windows.ts";
import type { LogRecord, RecordHeaders } from "./log-client.ts";
import type { RecordCollector } from "./record-collector.ts";
import type { InMemoryKeyValueStore } from "./state-store.ts";
import type { InMemoryWindowStore, StoredWindow } from "./window-store.ts";

type Forward = (record: StreamRecord<unknown, unknown>) => void;

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
  /** The task's stream time: the highest timestamp of the records it has processed, this one included. */
  streamTime(): number;
  /** The record being processed fell only in closed windows of this node: it is dropped (and dead-lettered as late). */
  late(node: string, detail: string): void;
  /** The application's own topics (sources, changelogs, repartition and dead-letter topics): never picked by a sink. */
  reservedTopics(): ReadonlySet<string>;
}

/** The entry point of each source node of the sub-topology, by source node name. */
export function buildProcessors(topology: Topology, subtopology: SubTopology, context: ProcessorContext): Map<string, Forward> {
  const built = new Map<string, Forward>();
  const build = (node: TopologyNode): Forward => {
    const existing = built.get(node.name);
    if (existing) return existing;
    const children = topology.children(node.name).map(build);
    const forward = forwardTo(children);
    const processor = buildProcessor(node, forward, context);
    built.set(node.name, processor);
    return processor;
  };
  const entries = new Map<string, Forward>();
  for (const node of subtopology.nodes) {
    if (node.kind === "source") entries.set(node.name, build(node));
  }
  return entries;
}

function forwardTo(children: Forward[]): Forward {
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
          try {
            if (record.value === null || record.value === undefined) store.delete(record.key);
            else store.put(record.key, record.value);
          } catch (error) {
            throw new NodeFailure(node.name, error);
          }
          forward({ key: record.key, value: record.value ?? null, timestamp: record.timestamp });
        };
      }
      if (node.internal) return forward;
      // A stream has no rows to delete: a null value (a tombstone) means nothing
      // to it, and is dropped, as ksqlDB does.
      return (record) => {
        if (record.value !== null && record.value !== undefined) forward(record);
      };
    }

    case "join": {
      const store = context.store(node.store);
      return (record) => {
        // As in Kafka Streams' KStreamKTableJoin: no key, nothing to look up.
        if (record.key === null || record.key === undefined) return;
        let value: unknown;
        try {
          value = store.get(record.key);
        } catch (error) {
          throw new NodeFailure(node.name, error);
        }
        if (value === undefined && !node.left) return;
        forward({ ...record, joined: { ...record.joined, [node.table]: value ?? null } });
      };
    }

    case "filter":
      return (record) => {
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
        let mapped: { key: unknown; value: unknown };
        try {
          mapped = node.mapper(record);
        } catch (error) {
          throw new NodeFailure(node.name, error);
        }
        const window = node.keepsWindow ? record.window : undefined;
        forward(window ? { key: mapped.key, value: mapped.value, timestamp: record.timestamp, window } : { key: mapped.key, value: mapped.value, timestamp: record.timestamp });
      };

    case "flatMap":
      return (record) => {
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
        // or value: there is no group to add them to.
        if (record.key === null || record.key === undefined || record.value === null || record.value === undefined) return;
        let aggregate: unknown;
        try {
          const current = store.get(record.key);
          const accumulator = node.adder(current === undefined ? node.initializer() : current, record);
          store.put(record.key, accumulator);
          aggregate = node.result(accumulator);
        } catch (error) {
          throw new NodeFailure(node.name, error);
        }
        // No record cache: every update is emitted downstream (and logged),
        // with the timestamp of the record that caused it.
        forward({ key: record.key, value: aggregate, timestamp: record.timestamp });
      };
    }

    case "windowedAggregate":
      return windowedAggregate(node, forward, context);

    case "sink":
      return sink(node, context);
  }
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

/** Encodes and sends; the topic is fixed or picked per record, the headers computed per record. */
function sink(node: SinkNode, context: ProcessorContext): Forward {
  const reserved = node.topicOf ? context.reservedTopics() : new Set<string>();
  return (record) => {
    let topic: string;
    let key: Buffer | null;
    let value: Buffer | null;
    let headers: RecordHeaders | undefined;
    try {
      topic = node.topicOf ? pickedTopic(node.topicOf(record)) : node.topic!;
      headers = node.headers ? textHeaders(node.headers(record)) : undefined;
      const written = node.project ? node.project(record) : record.value;
      key = record.key === null || record.key === undefined ? null : node.keyFormat.encode(record.key);
      value = written === null || written === undefined ? null : node.valueFormat.encode(written);
    } catch (error) {
      throw new NodeFailure(node.name, error);
    }
    if (node.topicOf && reserved.has(topic)) throw new NodeFailure(node.name, new PickedTopicError("reserved-topic", topic));
    if (node.topicOf && !context.collector.knows(topic)) throw new NodeFailure(node.name, new PickedTopicError("unknown-topic", topic));
    context.collector.send(topic, key, value, record.timestamp, headers);
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
  /** A window that ends before this is closed: stream time - grace. */
  readonly closeBefore: number;
  readonly context: ProcessorContext;
  /** Updated windows, forwarded with emit changes. */
  readonly changes: Output[];
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
 *      window while stream time <= end + grace; a session while its merged end
 *      >= stream time - grace); with none open, it is late;
 *   3. with emit changes, every updated window flows downstream.
 * Outputs are computed first and forwarded after, so that a failure in the
 * user's functions is charged to this node, not to a node downstream.
 */
function windowedAggregate(node: WindowedAggregateNode, forward: Forward, context: ProcessorContext): Forward {
  const store = context.windowStore(node.store);
  const spec = node.window;
  const emitChanges = node.emit === "changes";
  return (record) => {
    if (record.key === null || record.key === undefined || record.value === null || record.value === undefined) return;
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
  if (end < step.closeBefore) {
    step.context.late(node.name, `session window [${start}, ${end}] closed (stream time ${step.streamTime}, grace ${spec.graceMs} ms)`);
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
