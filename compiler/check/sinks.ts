// The checker's sinks room: what a sink writes (its key and value formats, `value EXPR`,
// a windowed key), where (a fixed topic, or one computed per record) and with which headers.
import type { Expr, FormatRef, NameExpr, RecordExpr, SinkDecl, StringLiteral } from "../../grammar/ast.ts";
import { fixedTopic } from "../../grammar/ast.ts";
import { orList, suggest } from "../../runtime/suggest.ts";
import { Types, describeType, fieldOf, isAssignable, isNullable, isUnchecked, nonNull, type Type } from "../types.ts";
import type { Shape } from "./checked-file.ts";
import type { CheckContext } from "./context.ts";
import { ExpressionChecker, recordNames } from "./expressions.ts";
import { deleteTopicHint, deleteTopicNullHint, formatText, mismatchDetail, nameOrThis } from "./hints.ts";

const formatNames = ["string", "json"];

export function checkSink(cx: CheckContext, sink: SinkDecl): void {
  const shape = cx.shapeOf(sink.input.name);
  if (shape) {
    checkSinkFormat(cx, "key", sink.keyFormat, shape.key);
    if (sink.windowedKey && !shape.window) {
      cx.bag.report("windowedKeyNotWindowed", sink.windowedKey, [sink.input.name], {
        hint: sink.keyFormat ? `write the key alone: 'key ${formatText(sink.keyFormat)}'` : "write the key alone: leave out 'key windowed'",
      });
    }
    // Over a table, the projection sees each change: its key, value and (windowed) window.
    if (sink.value && isMisspeltFormat(sink.value, shape)) {
      const name = (sink.value as NameExpr).name.name;
      cx.bag.report("unknownName", sink.value, [name, "after 'value'"], { hint: `did you mean the format ${orList(suggest(name, formatNames).map((f) => `'${f}'`))}?` });
    } else if (sink.value) {
      cx.expressions.check(sink.value, { ...shape, collection: "stream" });
    }
    checkSinkFormat(cx, "value", sink.valueFormat, shape.value);
    // The topic and the headers are computed from the record, as it is before `value EXPR`.
    // A delete (or a retracted session) has no value: its topic can rely on the key only,
    // and it is written without headers (see docs/language.md, "Sinks").
    const deletes = cx.tableDeletes.has(sink.input.name);
    if (!fixedTopic(sink)) checkTopic(cx, sink.topic, { ...shape, collection: "stream", ...(deletes ? { value: Types.nullable(shape.value) } : {}) }, sink.input.name, deletes);
    if (sink.headers) checkHeaders(cx, sink.headers, { ...shape, collection: "stream" });
  }
  const topic = fixedTopic(sink);
  if (topic) checkFixedTopic(cx, sink, topic);
}

/** A topic computed per record; over a table with deletes, `shape`'s value may be null (a delete has none). */
function checkTopic(cx: CheckContext, topic: Expr, shape: Shape, sinkInput: string, deletes: boolean): void {
  // `to topic orders` most likely meant the topic "orders", not a field.
  if (topic.kind === "Name" && isUnknownBareName(topic, shape)) {
    cx.bag.report("unknownName", topic, [topic.name.name, "after 'to topic'"], { hint: `a fixed topic is a string: to topic "${topic.name.name}"` });
    return;
  }
  // Inside the topic of a sink over deletes, a value that may be null is one a delete does not have.
  const expressions = deletes ? new ExpressionChecker(cx, deleteTopicNullHint(sinkInput)) : cx.expressions;
  const type = expressions.check(topic, shape);
  if (isUnchecked(type) || type.kind === "string") return;
  if (isNullable(type) && nonNull(type).kind === "string") {
    const hint = deletes ? deleteTopicHint(sinkInput) : 'give a default topic: coalesce(EXPR, "orders-other")';
    cx.bag.report("mayBeNull", topic, [nameOrThis(topic), describeType(type)], { hint });
    return;
  }
  cx.bag.report("topicNotString", topic, [describeType(type)], { hint: 'a topic is named by text: "orders-" + toString(EXPR)' });
}

function checkHeaders(cx: CheckContext, headers: RecordExpr, shape: Shape): void {
  const seen = new Set<string>();
  for (const field of headers.fields) {
    if (seen.has(field.name.name)) cx.bag.report("duplicateField", field.name, [field.name.name]);
    seen.add(field.name.name);
    const type = cx.expressions.check(field.value, shape);
    if (isUnchecked(type) || type.kind === "string" || type.kind === "null" || (isNullable(type) && nonNull(type).kind === "string")) continue;
    cx.bag.report("headerNotString", field.value, [field.name.name, describeType(type)], { hint: "headers are text: toString(EXPR)" });
  }
}

function checkFixedTopic(cx: CheckContext, sink: SinkDecl, topic: StringLiteral): void {
  if (isInternalTopic(cx, topic.value)) {
    cx.bag.report("sinkToInternalTopic", topic, [topic.value], {
      hint: "weir writes these topics itself: writing to one would corrupt the state it restores",
    });
  }
  const sinks = cx.resolved.sinks;
  const earlier = sinks.find((other) => other !== sink && other.input.name === sink.input.name && fixedTopic(other)?.value === topic.value);
  if (earlier && sinks.indexOf(earlier) < sinks.indexOf(sink)) {
    cx.bag.report("duplicateSink", sink, [sink.input.name, topic.value], { related: [{ message: "first written here", node: earlier }] });
  }
  for (const collection of cx.resolved.collections.values()) {
    if (collection.kind === "Source" && collection.topic.value === topic.value) {
      cx.bag.report("sinkLoop", topic, [topic.value], {
        related: [{ message: "read here", node: collection.topic }],
        hint: "write to another topic; a topology that reads its own output never finishes",
      });
    }
  }
}

/** The changelog, repartition and dead-letter topics of this application. */
function isInternalTopic(cx: CheckContext, topic: string): boolean {
  const prefix = `${cx.resolved.application}-`;
  return topic === `${prefix}dlq` || (topic.startsWith(prefix) && (topic.endsWith("-changelog") || topic.endsWith("-repartition")));
}

/** A name that is neither a record name nor a field of a value whose fields are known. */
function isUnknownBareName(expr: NameExpr, shape: Shape): boolean {
  const name = expr.name.name;
  if (name === "" || recordNames.includes(name) || (name === "window" && shape.window) || shape.joined?.has(name)) return false;
  return shape.value.kind === "record" && fieldOf(shape.value, name) === undefined;
}

/** `value strin`: a name that is nothing else and looks like a format. */
function isMisspeltFormat(expr: Expr, shape: Shape): boolean {
  if (expr.kind !== "Name") return false;
  const name = expr.name.name;
  if (recordNames.includes(name) || (name === "window" && shape.window)) return false;
  if (isUnchecked(shape.value) || (shape.value.kind === "record" && fieldOf(shape.value, name))) return false;
  return suggest(name, formatNames).length > 0;
}

function checkSinkFormat(cx: CheckContext, part: "key" | "value", format: FormatRef | undefined, type: Type): void {
  if (!format) return;
  if (format.name === "string") {
    if (!isUnchecked(type) && type.kind !== "string") {
      cx.bag.report("formatMismatch", format, [part, "string", describeType(type)], { hint: `write the ${part} as JSON: '${part} json'` });
    }
    return;
  }
  if (format.schema && format.schema.name !== "") {
    const schema = cx.schemaTypes.get(format.schema.name);
    if (schema && !isAssignable(type, schema)) {
      cx.bag.report("sinkSchemaMismatch", format, [format.schema.name, mismatchDetail(type, schema)], {
        hint: `the sink checks every value against '${format.schema.name}': build one that matches with '| select { ... }', or write plain JSON: 'value json'`,
      });
    }
  }
}
