// A stream's steps that keep no state: filter, map (mapValues, selectKey,
// groupBy's rekeying), flatMapValues, merge and branch. Each says what it
// does with a tombstone (a null value): no function given to a step is called
// with one (isTombstone, processor.ts).
import type { BranchNode } from "../topology/nodes.ts";
import { isTombstone, type Forward, type ProcessorBuilders } from "./processor.ts";

export const statelessProcessors = {
  filter: (node, { forward }) => (record) => {
    // A tombstone meets no condition (ksqlDB's WHERE drops null rows).
    if (isTombstone(record)) return;
    if (node.predicate(record)) forward(record);
  },

  map: (node, { forward }) => (record) => {
    const tombstone = isTombstone(record);
    if (tombstone && node.tombstones === "drop") return;
    let mapped: { key: unknown; value: unknown };
    if (!tombstone) mapped = node.mapper(record);
    else if (node.tombstones === "map-key") mapped = { key: node.mapper(record).key, value: null };
    else mapped = { key: node.tombstones === "keep-key" ? record.key : null, value: null };
    if (node.dropsNullKeys && (mapped.key === null || mapped.key === undefined)) return;
    const window = node.keepsWindow ? record.window : undefined;
    forward(window ? { key: mapped.key, value: mapped.value, timestamp: record.timestamp, window } : { key: mapped.key, value: mapped.value, timestamp: record.timestamp });
  },

  flatMap: (node, { forward }) => (record) => {
    if (isTombstone(record)) return;
    // Collect first: the mapper is often a generator that throws part way,
    // and then none of its records goes on.
    const results = [...node.mapper(record)];
    // Only the value changes: the records keep their window.
    for (const result of results) {
      forward(record.window ? { ...result, timestamp: record.timestamp, window: record.window } : { ...result, timestamp: record.timestamp });
    }
  },

  // The records of a merge and of a branch's arm go on as they are.
  merge: (_, { forward }) => forward,
  branchArm: (_, { forward }) => forward,

  // A branch sends each record to one of its children (its arms), chosen by the record: it forwards to them by name.
  branch: (node, { child }) => branch(node, child),
} satisfies Partial<ProcessorBuilders>;

/**
 * First match wins: the predicates are evaluated in order, and only until one
 * holds. A tombstone meets no condition: it goes to the else arm, if any.
 */
function branch(node: BranchNode, arm: (name: string) => Forward): Forward {
  const routes = node.arms.map((a) => ({ predicate: a.predicate, forward: arm(a.node) }));
  return (record) => {
    const tombstone = isTombstone(record);
    const chosen = routes.find((route) => route.predicate === undefined || (!tombstone && route.predicate(record)))?.forward;
    // No arm took it and there is no else arm: the record is dropped, as in Kafka Streams' split().
    chosen?.(record);
  };
}
