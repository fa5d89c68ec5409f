// A stream's joins: with a table, on the key (the table's store is looked
// up), and with another stream, within a window (both sides buffered in join
// buffers, internal/join-buffer-store.ts).
import type { Topology } from "../topology/graph.ts";
import type { StreamJoinNode, StreamRecord } from "../topology/nodes.ts";
import type { BufferedRecord } from "../internal/join-buffer-store.ts";
import { isTombstone, type Forward, type Output, type Processor, type ProcessorBuilders, type ProcessorContext } from "./processor.ts";

export const streamJoinProcessors = {
  join: (node, { forward, context }) => {
    const store = context.store(node.store);
    return (record) => {
      // As in Kafka Streams' KStreamKTableJoin: no key, nothing to look up; no value, nothing to join.
      if (record.key === null || record.key === undefined || isTombstone(record)) return;
      let value = store.get(record.key);
      if (value !== undefined && node.read) value = node.read(value);
      if (value === undefined && !node.left) return;
      forward({ ...record, joined: { ...record.joined, [node.store]: value ?? null } });
    };
  },

  streamJoin: (node, { topology, forward, context }) => streamJoin(node, joinedUpstream(topology, node.parent), forward, context),
} satisfies Partial<ProcessorBuilders>;

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
function streamJoin(node: StreamJoinNode, leftJoined: readonly string[], forward: Forward, context: ProcessorContext): Processor {
  // A right record alone has no left record to take earlier joins' values from: they are null in its result.
  const noLeftJoined = Object.fromEntries(leftJoined.map((name) => [name, null]));
  const buffers = { left: context.storeOfKind(node.thisStore, "joinBuffer"), right: context.storeOfKind(node.otherStore, "joinBuffer") };
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
  const left = side("left");
  const right = side("right");
  return { fromParent: (parent) => (parent === node.parent ? left : right) };
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

