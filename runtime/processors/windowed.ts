// Windowed aggregations (time windows, tumbling and hopping; sessions; sliding
// windows) over a window store (internal/window-store.ts), and a windowed
// table's rows kept until their windows close. Windows themselves (their
// specs, which windows a timestamp falls in, when each closes) are windows.ts.
import type { MaterializeNode, StreamRecord, WindowedAggregateNode } from "../topology/nodes.ts";
import { slidingWindowExpiry, timeWindowsFor, windowCloseTime, type WindowSpec } from "../windows.ts";
import type { InMemoryWindowStore, StoredWindow } from "../internal/window-store.ts";
import { isTombstone, throughCache, type Forward, type Output, type ProcessorBuilders, type ProcessorContext } from "./processor.ts";

export const windowedProcessors = {
  windowedAggregate: (node, { forward, context }) => windowedAggregate(node, forward, context),
} satisfies Partial<ProcessorBuilders>;

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
 * Outputs are computed first and forwarded after: a user's function that
 * fails part way stops the record before any of its results goes downstream.
 */
function windowedAggregate(node: WindowedAggregateNode, forward: Forward, context: ProcessorContext): Forward {
  const store = context.storeOfKind(node.store, "window");
  const spec = node.window;
  const emitChanges = node.emit === "changes";
  // Emit changes goes through the store's record cache; emit final forwards
  // each closed window once, as it closes, and caches nothing.
  const emitChange = emitChanges ? throughCache(context, node.store, spec.kind === "session" ? "sessions" : "windows", forward) : forward;
  return (record) => {
    if (record.key === null || record.key === undefined || isTombstone(record)) return;
    const outputs: Output[] = [];
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
    for (const output of outputs) forward(output);
    if (emitChanges) for (const change of step.changes) emitChange(change);
  };
}

/**
 * A windowed table's rows kept per key and window (a windowed aggregation,
 * filtered or mapped): as a table's materialization, a delete is forwarded
 * only for a row the store holds. A window is kept until it closes, by the
 * aggregation's rule (windowCloseTime): after that no change can reach it, so
 * the store needs it no more; a change that arrives when its window has
 * already closed (an emit final result) is forwarded without being kept.
 */
export function windowedMaterialize(node: MaterializeNode, spec: WindowSpec, forward: Forward, context: ProcessorContext): Forward {
  const store = context.storeOfKind(node.store, "window");
  return (record) => {
    const window = record.window;
    if (record.key === null || record.key === undefined || !window) return;
    const deleted = record.value === null || record.value === undefined;
    const streamTime = context.streamTime();
    for (const closed of store.closedWindows(streamTime)) store.deleteWindow(closed.key, closed.start);
    const held = store.fetch(record.key, window.start) !== undefined;
    if (deleted && !held) return;
    if (deleted || windowCloseTime(spec, window) <= streamTime) {
      if (held) store.deleteWindow(record.key, window.start);
    } else {
      store.putWindow(record.key, window.start, { end: window.end, timestamp: record.timestamp, aggregate: record.value });
    }
    forward({ key: record.key, value: deleted ? null : record.value, timestamp: record.timestamp, window });
  };
}

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
