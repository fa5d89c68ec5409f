// The checker's joins room: what each join step is (stream-table, windowed
// stream-stream, table-table, foreign-key), decided once and recorded in
// `joinForms` for the planner, whether its sides fit, and what the names of
// the joined tables are in the steps after it.
import type { Duration, Expr, Identifier, JoinStep, JoinType, JoinWindowClause, PipelineDecl, SourceDecl } from "../../grammar/ast.ts";
import { expression as formatExpression } from "../../grammar/format.ts";
import { durationText } from "../durations.ts";
import { keyEncodingOf, type KeyEncoding } from "../key-encoding.ts";
import { forget } from "../narrowing.ts";
import { aliasTarget } from "../resolve.ts";
import { Types, describeType, isUnchecked, nonNull, sameType, type Type } from "../types.ts";
import type { JoinWindowMs, Shape } from "./checked-file.ts";
import type { CheckContext } from "./context.ts";
import { guessKeyField, joinWindowText } from "./hints.ts";
import { stepName } from "./steps.ts";
import { checkDuration } from "./windows.ts";

/** A join in a stream's pipeline: with a stream (windowed) or with a table (on the key). */
export function checkStreamJoinStep(cx: CheckContext, step: JoinStep, shape: Shape, pipeline: PipelineDecl): Shape {
  return withJoinedName(step, isStreamStreamJoin(cx, step) ? checkStreamStreamJoin(cx, step, shape, pipeline) : checkStreamTableJoin(cx, step, shape));
}

/** A join in a table's pipeline (its first step): with another table, on the key or on a foreign key. */
export function checkTableJoinStep(cx: CheckContext, step: JoinStep, shape: Shape, leftName: string): Shape {
  return withJoinedName(step, checkTableJoin(cx, step, shape, leftName));
}

/** A windowed table's rows are per key and window: they cannot be looked up by key. */
export function reportWindowedTable(cx: CheckContext, at: Identifier, name: string): void {
  cx.bag.report("windowedTableAsTable", at, [name], {
    hint: `declare a stream over its changes and use that: stream ${name}Changes = ${name} | ...`,
  });
}

/** After a right or outer join, a result may have no left record (its value and the tables joined into it are "T or null"). */
export function leftMayBeMissing(type: JoinType): boolean {
  return type === "right" || type === "outer";
}

/** After a left or outer join, a result may have no right record (so its value is "T or null"). */
function rightMayBeMissing(type: JoinType): boolean {
  return type === "left" || type === "outer";
}

/**
 * The key encoding a windowed stream-stream join reads both sides with: a side
 * whose key changed is repartitioned with the other side's encoding (when both
 * changed, the encoding of their key type); when neither changed but they encode
 * keys differently, this side is repartitioned with the other's, as a stream
 * joining a table is.
 */
export function streamJoinKeyEncoding(left: Shape, right: Shape): KeyEncoding | undefined {
  if (!right.keyChanged) return right.keyEncoding;
  return left.keyChanged ? keyEncodingOf(isUnchecked(left.key) ? right.key : left.key) : left.keyEncoding;
}

/**
 * Every join brings the joined name into the steps after it. A join that was
 * refused (its error already reported: a self-join, an unknown name, a missing
 * window) brings it in too, with no known type, so that each step reading it
 * is not one more error.
 */
function withJoinedName(step: JoinStep, shape: Shape): Shape {
  const name = step.other.name;
  if (shape.joined?.has(name)) return shape;
  return { ...shape, joined: new Map([...(shape.joined ?? []), [name, Types.error]]) };
}

/** `within`, or another stream on the right: a windowed stream-stream join (`on` is a join of another kind). */
function isStreamStreamJoin(cx: CheckContext, step: JoinStep): boolean {
  return step.on === undefined && (step.within !== undefined || cx.resolved.collections.get(step.other.name)?.collection === "stream");
}

/**
 * A windowed stream-stream join on the key (Kafka Streams' JoinWindows):
 * the other side must be another stream keyed like this one, and `within`
 * says how far apart in time two records may be to join.
 */
function checkStreamStreamJoin(cx: CheckContext, step: JoinStep, shape: Shape, pipeline: PipelineDecl): Shape {
  const name = step.other.name;
  const window = step.within ? checkJoinWindow(cx, step.within, step.grace) : undefined;
  if (aliasTarget(name, cx.resolved.collections) === aliasTarget(pipeline.input.name, cx.resolved.collections)) {
    cx.bag.report("selfJoin", step.other, [name], {
      hint: `every record would join with itself; to pair different records of one stream, join two streams derived from it: stream a = ${name} | where ..., then '| join a within ...'`,
    });
    return shape;
  }
  const other = cx.shapeOf(name);
  if (!other) return shape;
  if (other.collection === "table") {
    cx.bag.report("withinOnTableJoin", step.within!, [name], {
      hint: `a stream joins a table on the key, with the table's value as of each record: '| ${step.type === "inner" ? "join" : "left join"} ${name}' without 'within'`,
    });
    return shape;
  }
  if (!step.within) {
    cx.bag.report("joinNotATable", step.other, [name, "joining a stream needs a time window ('within')"], {
      hint: `'within' is required for stream-stream joins: '| ${stepName(step)} ${name} within 5 minutes' pairs records whose timestamps are at most 5 minutes apart; to look up the latest value per key instead, declare ${name} as a table: table ${name} from topic ...`,
    });
    return shape;
  }
  if (!isUnchecked(shape.key) && !isUnchecked(other.key) && !sameType(nonNull(shape.key), nonNull(other.key))) {
    cx.bag.report("streamJoinKeyType", step.other, [describeType(shape.key), name, describeType(other.key)], {
      hint: `a join matches keys: rekey one stream by what holds the other's key first, e.g. '| rekey ${guessKeyField(shape.value, name)} | join ${name} within ...'`,
    });
  }
  const encoding = streamJoinKeyEncoding(shape, other);
  if (window) cx.joinForms.set(step, { kind: "streamStream", window, repartitioned: shape.keyChanged || shape.keyEncoding !== encoding });
  // A right record kept without a match has no left record: the left's value and the tables joined into it are null then.
  const leftMissing = leftMayBeMissing(step.type);
  const joined = new Map<string, Type>();
  for (const [table, type] of shape.joined ?? []) joined.set(table, leftMissing ? Types.nullable(type) : type);
  joined.set(name, rightMayBeMissing(step.type) ? Types.nullable(other.value) : other.value);
  const value = leftMissing ? Types.nullable(shape.value) : shape.value;
  // A side whose key changed, or whose keys are encoded otherwise, is read through a repartition
  // topic, partitioned like the other side (see planStreamStreamJoin): the encoding that partitions both.
  // When the left may be missing, a null check on its value or on a table joined earlier no longer holds.
  const known = forget(shape.nonNull, `joined.${name}`);
  const stillKnown = leftMissing ? forget(forget(known, "value"), "joined") : known;
  return { ...shape, value, keyChanged: false, window: undefined, joined, keyEncoding: encoding, nonNull: stillKnown };
}

/**
 * `within D` (D either way) or `within B before and A after`, and `grace`:
 * the window in milliseconds, or undefined when a duration is wrong (reported).
 * Each bound may be 0 (`within 10 seconds before` is `... and 0 s after`), not
 * negative; together they must be longer than 0, as `within D` must.
 */
function checkJoinWindow(cx: CheckContext, within: JoinWindowClause, graceClause: Duration | undefined): JoinWindowMs | undefined {
  const grace = graceClause ? checkDuration(cx, graceClause) : 0;
  if (graceClause && grace !== undefined && grace < 0) {
    cx.bag.report("negativeGrace", graceClause, [durationText(graceClause)], { hint: "grace 0s closes a join window as soon as stream time passes it" });
  }
  let before: number | undefined;
  let after: number | undefined;
  if (within.both) {
    before = after = checkDuration(cx, within.both);
    if (before !== undefined && before <= 0) {
      cx.bag.report("durationNotPositive", within.both, ["the join window ('within')", durationText(within.both)], {
        hint: "records join when their timestamps are at most this far apart: 'within 5 minutes'",
      });
      return undefined;
    }
  } else {
    before = checkJoinBound(cx, within.before, "before");
    after = checkJoinBound(cx, within.after, "after");
    if (before !== undefined && after !== undefined && before + after <= 0) {
      cx.bag.report("durationNotPositive", within, ["the join window ('within')", joinWindowText(within)], {
        hint: "records join when the other's timestamp is in the window: 'within 10 seconds before' joins the records of the 10 seconds before each record",
      });
      return undefined;
    }
  }
  if (before === undefined || after === undefined || grace === undefined || grace < 0) return undefined;
  return { beforeMs: before, afterMs: after, graceMs: grace };
}

/** One bound of `within B before and A after`: 0 when left out, never negative. */
function checkJoinBound(cx: CheckContext, duration: Duration | undefined, which: "before" | "after"): number | undefined {
  if (!duration) return 0;
  const ms = checkDuration(cx, duration);
  if (ms === undefined || ms >= 0) return ms;
  cx.bag.report("negativeJoinBound", duration, [which, durationText(duration)], {
    hint: `'before' is how much earlier, 'after' how much later, the other stream's records may be: for only later records write 'within 5 seconds after' (0 before)`,
  });
  return undefined;
}

/** A stream-table join on the key: any table that is not windowed, keyed like the stream. */
function checkStreamTableJoin(cx: CheckContext, step: JoinStep, shape: Shape): Shape {
  const name = step.other.name;
  if (step.type === "outer") {
    // Kafka Streams has no stream-table outer join: a table's update joins no record.
    cx.bag.report("joinFormNotSupported", step, ["an outer join of a stream with a table", "not supported"], {
      hint: `Kafka Streams has none either (a table's update is not an event to join): '| left join ${name}' keeps every record, with null for a missing row`,
    });
    return shape;
  }
  if (step.type === "right") {
    // As in ksqlDB, which refuses RIGHT JOIN between a stream and a table: each result is a stream record's.
    cx.bag.report("joinFormNotSupported", step, ["a right join of a stream with a table", "not supported"], {
      hint: `a stream-table join makes one result per record of the stream, and a table row alone has no record to make it: '| left join ${name}' keeps every record, with null for a missing row; to follow ${name}'s rows, declare a stream over them: stream ${name}Changes = ${name}`,
    });
    return shape;
  }
  if (step.on) {
    const other = cx.resolved.collections.get(name)?.collection;
    cx.bag.report("joinFormNotSupported", step, ["a join of a stream 'on' an expression", "not supported yet"], {
      hint: `a stream joins on its key: rekey it by the expression first, '| rekey ${formatExpression(step.on)} | ${stepName(step)} ${name}${other === "stream" ? " within 5 minutes" : ""}'`,
    });
    return shape;
  }
  const declaration = cx.resolved.collections.get(name);
  const table = cx.shapeOf(name);
  if (!declaration || !table) return shape;
  // A join reaches here with a stream only when that stream was declared a table by mistake (WEIR4004 said so).
  if (table.collection !== "table") return shape;
  if (table.window) {
    reportWindowedTable(cx, step.other, name);
    return shape;
  }
  if (!isUnchecked(shape.key) && !isUnchecked(table.key) && !sameType(nonNull(shape.key), table.key)) {
    cx.bag.report("joinKeyType", step.other, [describeType(shape.key), name, describeType(table.key)], {
      hint: `a join matches the stream's key with the table's: rekey the stream first, by the field that holds the key of '${name}', e.g. '| rekey ${guessKeyField(shape.value, name)} | join ${name}'`,
    });
  }
  // A join after a rekey (or of a stream whose keys are encoded otherwise) reads the
  // stream through a repartition topic, partitioned like the table.
  cx.joinForms.set(step, { kind: "streamTable", repartitioned: shape.keyChanged || shape.keyEncoding !== table.keyEncoding });
  const joined = new Map(shape.joined ?? []);
  joined.set(name, step.type === "left" ? Types.nullable(table.value) : table.value);
  return { ...shape, keyChanged: false, window: undefined, joined, keyEncoding: table.keyEncoding, nonNull: forget(shape.nonNull, `joined.${name}`) };
}

/** A table-table join on the key: both tables keyed alike, and partitioned alike. */
function checkTableJoin(cx: CheckContext, step: JoinStep, shape: Shape, leftName: string): Shape {
  const name = step.other.name;
  const table = cx.shapeOf(name);
  if (!table) return shape;
  if (table.collection !== "table") {
    cx.bag.report("joinNotATable", step.other, [name, "a table joins tables only"], {
      hint: `join the other way round, the stream with the table: stream ... = ${name} | join ${leftName}; or join the table of its latest values per key`,
    });
    return shape;
  }
  if (step.within) {
    const keep = step.on ? ` on ${formatExpression(step.on)}` : "";
    cx.bag.report("withinOnTableJoin", step.within, [name], { hint: `tables join their current rows, without a time window: '| ${stepName(step)} ${name}${keep}'` });
    return shape;
  }
  if (table.window) {
    reportWindowedTable(cx, step.other, name);
    return shape;
  }
  if (step.on) return checkForeignKeyJoin(cx, step, step.on, shape, table);
  if (!isUnchecked(shape.key) && !isUnchecked(table.key) && !sameType(nonNull(shape.key), nonNull(table.key))) {
    cx.bag.report("tableJoinKeyType", step.other, [leftName, describeType(shape.key), name, describeType(table.key)], {
      hint: "a table-table join matches rows with equal keys: key both tables alike (a table is re-keyed by 'group by' and an aggregation of its changes)",
    });
  } else if (shape.keyEncoding && table.keyEncoding && shape.keyEncoding !== table.keyEncoding) {
    cx.bag.report("tableJoinEncoding", step.other, [leftName, shape.keyEncoding, name, table.keyEncoding], {
      hint: encodingHint(cx, shape.keyEncoding === "json" ? leftName : name),
    });
  }
  cx.joinForms.set(step, { kind: "tableTable" });
  const leftMissing = leftMayBeMissing(step.type);
  const joined = new Map<string, Type>([[name, rightMayBeMissing(step.type) ? Types.nullable(table.value) : table.value]]);
  const value = leftMissing ? Types.nullable(shape.value) : shape.value;
  // An outer or right join's row may have no value of its own: a null check on it no longer holds.
  const known = forget(shape.nonNull, `joined.${name}`);
  return { ...shape, value, joined, nonNull: leftMissing ? forget(known, "value") : known };
}

/**
 * How to join a table with JSON keys to one with text keys. Only a key whose
 * type is not known to be a string is JSON (keyEncodingOf); it never suggests
 * `key json`, which would send every plain-text key to the dead-letter topic.
 */
function encodingHint(cx: CheckContext, jsonTable: string): string {
  const source = jsonKeySource(cx, jsonTable);
  if (source) {
    return `'${jsonTable}' reads the keys of "${source.topic.value}" as JSON ('key json' on '${source.name.name}'): the same key is other bytes there, in another partition. If those keys are plain text, declare '${source.name.name}' with 'key string', which reads every key as it is`;
  }
  return `weir writes a key as text when its type is a string, and '${jsonTable}' is keyed by a value of unknown type: key it by a string, e.g. with toString(...)`;
}

/** The source declared `key json` whose keys a table still has: none when a step computed them. */
function jsonKeySource(cx: CheckContext, name: string): SourceDecl | undefined {
  const seen = new Set<string>();
  let declaration = cx.resolved.collections.get(name);
  while (declaration && !seen.has(declaration.name.name)) {
    seen.add(declaration.name.name);
    if (declaration.kind === "Source") return declaration.keyFormat.name === "json" ? declaration : undefined;
    if (declaration.kind !== "Pipeline") return undefined;
    const keeps = declaration.steps.every((step) => step.kind !== "Rekey" && step.kind !== "Merge" && step.kind !== "Join" && !(step.kind === "GroupBy" && !(step.key.kind === "Name" && step.key.name.name === "key")));
    if (!keeps) return undefined;
    declaration = cx.resolved.collections.get(declaration.input.name);
  }
  return undefined;
}

/**
 * `join TABLE on EXPR`: a foreign-key join (Kafka Streams' KIP-213). EXPR,
 * over the left row, names the right row's key; the result is keyed like the
 * left table. The tables need not be co-partitioned: subscriptions and
 * responses travel through internal topics.
 */
function checkForeignKeyJoin(cx: CheckContext, step: JoinStep, on: Expr, shape: Shape, table: Shape): Shape {
  const name = step.other.name;
  const foreignKey = cx.expressions.check(on, shape);
  if (leftMayBeMissing(step.type)) {
    cx.bag.report("foreignKeyOuterJoin", step, [stepName(step)], { hint: `'join ${name} on ...' keeps rows whose ${name} row exists; 'left join ${name} on ...' keeps every row` });
    return shape;
  }
  if (!isUnchecked(foreignKey) && !isUnchecked(table.key) && !sameType(nonNull(foreignKey), nonNull(table.key))) {
    cx.bag.report("foreignKeyType", on, [describeType(foreignKey), name, describeType(table.key)], {
      hint: `'on' computes the key of the ${name} row to join, from this table's row: for example 'on ${guessKeyField(shape.value, name)}'`,
    });
  }
  cx.joinForms.set(step, { kind: "foreignKey" });
  const joined = new Map<string, Type>([[name, step.type === "inner" ? table.value : Types.nullable(table.value)]]);
  return { ...shape, joined };
}
