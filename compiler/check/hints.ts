// The texts of the checker's hints and messages that are more than a line: how to
// fix what was found, said with the names and expressions of the file at hand.
// Pure functions of what they are given; the rooms decide when to say them.
import type { Expr, FormatRef, JoinWindowClause, PipelineDecl } from "../../grammar/ast.ts";
import type { ReportOptions } from "../diagnostics.ts";
import { durationText, timeUnits } from "../durations.ts";
import { orList, suggest } from "../../runtime/suggest.ts";
import { describeType, fieldOf, isAssignable, isNullable, isNumeric, nonNull, sameType, type RecordType, type Type } from "../types.ts";

/** The hint for a value that may be null where one that is not is needed; `fallback` is the default proposed. */
export type NullHint = (expr: Expr, fallback?: string) => string;

/**
 * For a name or field that may be null: check it first (weir then knows it is not null,
 * see narrowing.ts) or give a default. For anything else, only the default.
 */
export function mayBeNullHint(expr: Expr, fallback = "DEFAULT"): string {
  const text = pathText(expr);
  if (text === undefined) return `give a default: coalesce(EXPR, ${fallback})`;
  return `check it first ('| where ${text} != null', or '${text} != null and ...'), or give a default: coalesce(${text}, ${fallback})`;
}

/** In the topic of a sink over a table with deletes: a delete has no value, only its key. */
export function deleteTopicHint(sinkInput: string, expression = "EXPR"): string {
  return `a delete has no value, only its key: name the topic from the key ("${sinkInput}-" + key), or give a default: coalesce(${expression}, "${sinkInput}-deleted")`;
}

/** The null hint inside the topic of a sink over a table with deletes. */
export function deleteTopicNullHint(sinkInput: string): NullHint {
  return (expr) => deleteTopicHint(sinkInput, pathText(expr) ?? "EXPR");
}

/** `'note'` for a name or field, else `this` (the caret shows what). */
export function nameOrThis(expr: Expr): string {
  const text = pathText(expr);
  return text === undefined ? "this" : `'${text}'`;
}

/** `note`, `address.city`: the text of a name or a chain of fields, as written. */
export function pathText(expr: Expr): string | undefined {
  if (expr.kind === "Name") return expr.name.name;
  if (expr.kind !== "Member") return undefined;
  const object = pathText(expr.object);
  return object === undefined ? undefined : `${object}.${expr.property.name}`;
}

/** `5 minuts` is 'minutes', `1 minuts` is 'minute': of a singular and its plural, the one that agrees with the amount. */
export function unitSuggestion(unit: string, amount: number): string | undefined {
  const close = suggest(unit, timeUnits);
  const plural = Math.abs(amount) !== 1;
  const agreeing = close.filter((candidate) => !close.includes(plural ? `${candidate}s` : candidate.replace(/s$/, "")) || candidate.endsWith("s") === plural);
  return agreeing.length === 0 ? undefined : `did you mean ${orList(agreeing.map((u) => `'${u}'`))}?`;
}

export const plusHint = "'+' adds two numbers or joins two strings: toString(EXPR) makes text of a number, toNumber(EXPR) reads a number from text";

/** How to turn a value of `found` into `expected` ("a number", "a string"), where weir has a function for it. */
export function conversionHint(expr: Expr, found: Type, expected: string, aggregating = false): string | undefined {
  const type = nonNull(found);
  const text = pathText(expr) ?? "EXPR";
  if (type.kind === "string" && (expected === "a number" || expected === "numbers")) {
    const read = `if the text holds a number, read it with toNumber(${text})`;
    return aggregating ? `${read}; to count records, use count()` : read;
  }
  if ((isNumeric(type) || type.kind === "boolean") && expected === "a string") return `toString(${text}) makes text of it`;
  return undefined;
}

/** A condition that is not a boolean: what a condition on it usually is. */
export function conditionHint(expr: Expr, type: Type): string {
  const text = pathText(expr) ?? "EXPR";
  const inner = nonNull(type);
  if (inner.kind === "boolean") return `it may be null: write ${text} == true, or coalesce(${text}, false)`;
  if (isNullable(type)) return `to keep the records that have it: ${text} != null`;
  if (isNumeric(inner)) return `compare it: ${text} > 0, ${text} == 1, ...`;
  if (inner.kind === "string") return `compare it: ${text} == "...", contains(${text}, "..."), length(${text}) > 0, ...`;
  return "a condition is a comparison (==, !=, <, >, ...) or a function that gives a boolean";
}

/** Comparing a number with text: say how to make them alike. */
export function comparisonHint(left: Type, right: Type): ReportOptions {
  const kinds = new Set([nonNull(left), nonNull(right)].map((t) => (isNumeric(t) ? "number" : t.kind)));
  if (kinds.has("number") && kinds.has("string")) return { hint: "compare like with like: toNumber(EXPR) reads a number from text, toString(EXPR) makes text of a number" };
  return {};
}

export function stepAfterAggregateHint(pipeline: PipelineDecl): string {
  if (pipeline.collection === "stream") return "declare a new stream over this table's changes and continue there";
  return "declare a new stream over this table's changes and continue there (in a table's pipeline, only 'where' and 'select' follow an aggregation)";
}

export function advanceHint(type: "tumbling" | "sliding" | "session"): string {
  switch (type) {
    case "tumbling":
      return "a tumbling window advances by its size; for overlapping windows write 'window hopping SIZE advance STEP'";
    case "sliding":
      return "sliding windows are placed by the records themselves: 'window sliding DIFFERENCE' has no advance";
    case "session":
      return "a session grows with its records: it has a gap, not an advance";
  }
}

/** A value field whose name ends with the table's name and "Id" (customerId for customers), for hints. */
export function guessKeyField(value: Type, table: string): string {
  const stem = table.endsWith("s") ? table.slice(0, -1) : table;
  if (value.kind === "record") {
    const found = value.fields.find((f) => f.name.toLowerCase() === `${stem}id`.toLowerCase());
    if (found) return found.name;
  }
  return `${stem}Id`;
}

/** What in a value does not fit a sink's schema: the first field missing or of another type. */
export function mismatchDetail(type: Type, schema: RecordType): string {
  if (type.kind !== "record") return `the value is ${describeType(type)}`;
  for (const field of schema.fields) {
    const found = fieldOf(type, field.name);
    if (!found) {
      if (!isNullable(field.type)) return `the field '${field.name}' is missing`;
    } else if (!isAssignable(found.type, field.type)) {
      return `the field '${field.name}' is ${describeType(found.type)}, not ${describeType(field.type)}`;
    }
  }
  return `it is ${describeType(type)}`;
}

/** `json Order`, `string`: a format as written. */
export function formatText(format: FormatRef): string {
  return format.schema ? `${format.name} ${format.schema.name}` : format.name;
}

/** `10 seconds before and 2 seconds after`, as written. */
export function joinWindowText(window: JoinWindowClause): string {
  if (window.both) return durationText(window.both);
  const bounds = [window.before && `${durationText(window.before)} before`, window.after && `${durationText(window.after)} after`];
  return bounds.filter((bound) => bound !== undefined).join(" and ");
}

/**
 * `| select { orderId: byOrder.orderId, amount: coalesce(amount, byOrder.amount) }`: a select
 * that builds each result of a right or outer join from both sides (either may be missing),
 * from the fields the two values have: one of the other side's, and one both have. A value
 * without known fields is taken whole: `{ customers: value, addresses }`.
 */
export function bothSidesSelect(leftName: string, left: Type, other: string, right: Type | undefined): string {
  const leftFields = left.kind === "record" ? left.fields : [];
  const rightFields = right?.kind === "record" ? right.fields : [];
  const shared = rightFields.find((r) => leftFields.some((l) => l.name === r.name && sameType(nonNull(l.type), nonNull(r.type))));
  const own = rightFields.find((r) => r !== shared);
  const parts: string[] = [];
  if (own) parts.push(`${own.name}: ${other}.${own.name}`);
  else if (!shared) parts.push(other);
  if (shared) parts.push(`${shared.name}: coalesce(${shared.name}, ${other}.${shared.name})`);
  else parts.push(leftFields[0] ? leftFields[0].name : `${leftName}: value`);
  return `| select { ${parts.join(", ")} }`;
}
