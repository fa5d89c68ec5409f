// Tables: a source (a table read from a topic keeps its rows; a stream's
// source forwards its records), a stream's aggregation into a table, a table's
// filter and mapValues, its materialization, table-table joins, and a table
// grouped and aggregated. The nodes that keep a table in a store forward each
// change with the row's old value (RowChange), which a grouped table subtracts.
import type { MaterializeNode, SourceNode, TableAggregateNode, TableChange, TableGroupByNode, TableJoinNode } from "../topology/nodes.ts";
import { isAbsent, isTombstone, readStore, rowChange, tableDelete, throughCache, type Forward, type Processor, type ProcessorBuilders, type ProcessorContext, type RowChange } from "./processor.ts";
import { windowedMaterialize } from "./windowed.ts";

export const tableProcessors = {
  source: (node, { forward, context }) => (node.store === undefined ? forward : tableSource(node, node.store, forward, context)),

  aggregate: (node, { forward, context }) => {
    const store = context.store(node.store);
    const emit = throughCache(context, node.store, "rows", forward);
    return (record) => {
      // As in Kafka Streams, an aggregation ignores records with a null key
      // and tombstones: there is no group to add them to. (A right join's
      // result without a left record is no tombstone: it is counted.)
      if (record.key === null || record.key === undefined || isTombstone(record)) return;
      const current = store.get(record.key);
      const oldValue = current === undefined ? undefined : node.result(current);
      const accumulator = node.adder(current === undefined ? node.initializer() : current, record);
      store.put(record.key, accumulator);
      const aggregate = node.result(accumulator);
      // With the timestamp of the record that caused it; through the cache, which may collapse it with the key's next updates.
      emit(rowChange({ key: record.key, value: aggregate, timestamp: record.timestamp, oldValue }));
    };
  },

  tableFilter: (node, { forward }) => (record) => {
    if (isTombstone(record)) return forward(tableDelete(record));
    forward(node.predicate(record) ? record : tableDelete(record));
  },

  tableMapValues: (node, { forward }) => (record) => {
    if (isTombstone(record)) return forward(tableDelete(record));
    const value = node.mapper(record);
    const mapped = { key: record.key, value: value ?? null, timestamp: record.timestamp };
    forward(record.window ? { ...mapped, window: record.window } : mapped);
  },

  materialize: (node, { forward, context }) => (node.window ? windowedMaterialize(node, node.window, forward, context) : materialize(node, forward, context)),

  tableJoin: (node, { forward, context }) => tableJoin(node, forward, context),

  tableGroupBy: (node, { forward }) => tableGroupBy(node, forward),

  tableAggregate: (node, { forward, context }) => tableAggregate(node, forward, context),
} satisfies Partial<ProcessorBuilders>;

/**
 * A table's source, as Kafka Streams' KTableSource: a record without a key
 * has no row to update; a null value (a tombstone) deletes the key, and the
 * delete flows downstream as a null value.
 */
function tableSource(node: SourceNode, name: string, forward: Forward, context: ProcessorContext): Forward {
  const store = context.store(name);
  const emit = throughCache(context, name, "rows", forward);
  return (record) => {
    if (record.key === null || record.key === undefined) return;
    const oldValue = store.get(record.key);
    if (record.value === null || record.value === undefined) store.delete(record.key);
    else store.put(record.key, record.value);
    emit(rowChange({ key: record.key, value: record.value ?? null, timestamp: record.timestamp, oldValue }));
  };
}

/** A derived table's rows kept in a key-value store; only real changes go on (MaterializeNode). */
function materialize(node: MaterializeNode, forward: Forward, context: ProcessorContext): Forward {
  const store = context.store(node.store);
  const emit = throughCache(context, node.store, "rows", forward);
  return (record) => {
    if (record.key === null || record.key === undefined) return;
    const deleted = record.value === null || record.value === undefined;
    const oldValue = store.get(record.key);
    // Upstream filters and joins forward a delete for every row that is not
    // there (they do not know what was): only a delete of a row the table holds is a change.
    if (deleted && oldValue === undefined) return;
    if (deleted) store.delete(record.key);
    else store.put(record.key, record.value);
    emit(rowChange({ key: record.key, value: deleted ? null : store.get(record.key), timestamp: record.timestamp, oldValue }));
  };
}

/** Which sides a table-table join's row needs (a right join's rows are those of the left join with the sides swapped). */
const rowExists: Record<TableJoinNode["type"], (hasLeft: boolean, hasRight: boolean) => boolean> = {
  inner: (hasLeft, hasRight) => hasLeft && hasRight,
  left: (hasLeft) => hasLeft,
  right: (_, hasRight) => hasRight,
  outer: (hasLeft, hasRight) => hasLeft || hasRight,
};

/**
 * A table-table join, as Kafka Streams' KTableKTableInnerJoin, LeftJoin and
 * OuterJoin: one entry per side. The changed side's store already holds the
 * change (its table updated it before forwarding); the other side is looked
 * up. The row exists when the join type says so (inner: both sides; left: the
 * left side; right: the right side; outer: either); otherwise the key is
 * deleted: the materialized result downstream drops deletes of rows that were
 * not there, so a delete flows on only when a row disappears.
 */
function tableJoin(node: TableJoinNode, forward: Forward, context: ProcessorContext): Processor {
  const leftStore = context.store(node.leftStore);
  const rightStore = context.store(node.rightStore);
  const side =
    (changed: "left" | "right"): Forward =>
    (record) => {
      // As Kafka Streams: a join matches keys, and a null key matches none.
      if (record.key === null || record.key === undefined) return;
      const left = changed === "left" ? record.value : readStore(leftStore, record.key, node.readLeft);
      const right = changed === "right" ? record.value : readStore(rightStore, record.key, node.readRight);
      const hasLeft = left !== null && left !== undefined;
      const hasRight = right !== null && right !== undefined;
      const exists = rowExists[node.type](hasLeft, hasRight);
      if (!exists) return forward(tableDelete(record));
      forward({ key: record.key, value: hasLeft ? left : null, timestamp: record.timestamp, joined: { [node.rightStore]: hasRight ? right : null } });
    };
  const left = side("left");
  const right = side("right");
  // A table joined with itself is its own right side (both sides read one store).
  return { fromParent: (parent) => (parent === node.other ? right : left) };
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
    const oldGroup = isAbsent(oldValue) ? null : node.selector({ key: record.key, value: oldValue, timestamp: record.timestamp });
    const newGroup = isAbsent(record.value) ? null : node.selector(record);
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
  const emit = throughCache(context, node.store, "rows", forward);
  return (record) => {
    if (isAbsent(record.key) || isAbsent(record.value)) return;
    const change = record.value as TableChange<unknown>;
    const row = (value: unknown) => ({ key: record.key, value, timestamp: record.timestamp });
    const current = store.get(record.key);
    const oldValue = current === undefined ? undefined : node.result(current);
    let accumulator = current ?? node.initializer();
    // A subtraction from a group this store never saw (its rows were added before a reset of the store) is ignored, as Kafka Streams does.
    if (!isAbsent(change.subtract) && current !== undefined) accumulator = node.subtractor(accumulator, row(change.subtract));
    if (!isAbsent(change.add)) accumulator = node.adder(accumulator, row(change.add));
    store.put(record.key, accumulator);
    const aggregate = node.result(accumulator);
    emit(rowChange({ key: record.key, value: aggregate, timestamp: record.timestamp, oldValue }));
  };
}
