// A stream's dedup step, over a dedup store (internal/dedup-store.ts).
import type { DedupNode } from "../topology/nodes.ts";
import { isTombstone, type Forward, type ProcessorBuilders, type ProcessorContext } from "./processor.ts";

export const dedupProcessors = {
  dedup: (node, { forward, context }) => dedup(node, forward, context),
} satisfies Partial<ProcessorBuilders>;

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
  const store = context.storeOfKind(node.store, "dedup");
  return (record) => {
    if (isTombstone(record)) return forward(record);
    const by = node.by ? node.by(record) : undefined;
    let keep: boolean;
    if (record.key === null || record.key === undefined || (node.by && (by === null || by === undefined))) {
      keep = true;
    } else {
      store.expire(context.streamTime());
      const dedupKey = node.by ? [record.key, by] : [record.key];
      const kept = store.lastKept(dedupKey);
      keep = kept === undefined || Math.abs(record.timestamp - kept) >= node.withinMs;
      if (keep) store.keep(dedupKey, record.timestamp);
    }
    if (keep) forward(record);
  };
}
