// The checker's collections room: the shape of every stream and table — sources,
// pipelines of a stream's steps, tables transformed as tables, grouped tables,
// branches, merges and dedups — and which tables' changes carry deletes.
import type { BranchDecl, DedupStep, GroupByStep, JoinStep, MergeStep, PipelineDecl, SelectStep, SourceDecl, Step, WhereStep, WindowStep } from "../../grammar/ast.ts";
import { durationText } from "../durations.ts";
import { keyEncodingOf } from "../key-encoding.ts";
import { commonNonNull, forget, nonNullWhen, withNonNull } from "../narrowing.ts";
import { didYouMean } from "../../runtime/suggest.ts";
import type { BranchStreamDecl, CollectionDecl } from "../resolve.ts";
import { Types, describeType, fieldOf, isNumeric, isUnchecked, nonNull, unify, type Type } from "../types.ts";
import type { PipelineForm, Shape, TableDeletes } from "./checked-file.ts";
import type { CheckContext } from "./context.ts";
import { bothSidesSelect, stepAfterAggregateHint } from "./hints.ts";
import { checkStreamJoinStep, checkTableJoinStep, leftMayBeMissing, reportWindowedTable } from "./joins.ts";
import { formatType } from "./schemas.ts";
import { isAggregation, isTableStepAfterAggregation, stepName, stepsAfterAggregation } from "./steps.ts";
import { checkAggregation, checkDuration, checkSubtractable, checkWindow, emptiedGroupTypes } from "./windows.ts";

/** The shape of one declaration (the context asks once per collection), and whether its changes carry deletes. */
export function checkCollection(cx: CheckContext, declaration: CollectionDecl): Shape | undefined {
  const shape =
    declaration.kind === "Source" ? checkSource(cx, declaration) : declaration.kind === "BranchStream" ? checkBranchStream(cx, declaration) : checkPipeline(cx, declaration);
  const deletes = shape && tableDeletes(cx, declaration, shape);
  if (deletes) cx.tableDeletes.set(declaration.name.name, deletes);
  return shape;
}

/**
 * Whether a table's changes include deletes (null values), and why: read from a topic or
 * transformed as a table (its rows are deleted), or session-windowed (merged sessions are
 * retracted); another name for a table has its deletes. Aggregations of streams and of
 * tables never delete a group. Decided here once: sinks and the planner read it.
 */
function tableDeletes(cx: CheckContext, declaration: CollectionDecl, shape: Shape): TableDeletes | undefined {
  if (shape.collection !== "table") return undefined;
  if (declaration.kind === "Source") return "rows";
  if (declaration.kind !== "Pipeline") return undefined;
  if (declaration.steps.length === 0) return cx.tableDeletes.get(declaration.input.name);
  const form = cx.pipelineForms.get(declaration);
  if (form?.kind === "table" || (form && form.afterAggregation.length > 0)) return "rows";
  return shape.window === "session" ? "sessions" : undefined;
}

/** Two sources may not read one topic: the second stream is derived from the first. */
export function checkSources(cx: CheckContext): void {
  const readers = new Map<string, SourceDecl>();
  for (const collection of cx.resolved.collections.values()) {
    if (collection.kind !== "Source") continue;
    const first = readers.get(collection.topic.value);
    if (first) {
      cx.bag.report("duplicateSource", collection.topic, [collection.topic.value, first.name.name], {
        hint: `read the topic once, and derive the second stream from the first: stream ${collection.name.name} = ${first.name.name} | ...`,
        related: [{ message: "read here", node: first.topic }],
      });
    } else {
      readers.set(collection.topic.value, collection);
    }
  }
}

function checkSource(cx: CheckContext, source: SourceDecl): Shape {
  const value = formatType(cx, source.valueFormat);
  if (source.eventTime && source.eventTime.name !== "") checkEventTime(cx, source, value);
  return { collection: source.collection, key: formatType(cx, source.keyFormat), value, keyChanged: false, keyEncoding: source.keyFormat.name === "string" ? "string" : "json" };
}

function checkEventTime(cx: CheckContext, source: SourceDecl, value: Type): void {
  const field = source.eventTime!;
  if (value.kind !== "record") {
    cx.bag.report("eventTimeNeedsSchema", field, [], { hint: "declare the value as 'value json SCHEMA'" });
    return;
  }
  const found = fieldOf(value, field.name);
  if (!found) {
    const names = value.fields.map((f) => f.name);
    const hint = didYouMean(field.name, names) ?? `its fields are ${names.join(", ")}`;
    cx.bag.report("unknownField", field, [field.name, describeType(value)], { hint });
  } else if (!isNumeric(found.type)) {
    cx.bag.report("eventTimeType", field, [field.name, describeType(found.type)]);
  }
}

/** An arm of a branch carries the branch's input records: same key, value and partitioning. */
function checkBranchStream(cx: CheckContext, declaration: BranchStreamDecl): Shape | undefined {
  checkBranch(cx, declaration.branch);
  const input = cx.branchInputs.get(declaration.branch);
  return input ? { ...input, collection: "stream" } : undefined;
}

/** Each branch once, whichever arm reaches it first (a branch without arms is reached from the file's declarations). */
export function checkBranch(cx: CheckContext, branch: BranchDecl): void {
  if (cx.checkedBranches.has(branch)) return;
  cx.checkedBranches.add(branch);
  if (branch.arms.length === 0) {
    cx.bag.report("emptyBranch", branch, [], { hint: `for example: branch ${branch.input.name || "orders"} { big: amount > 100, small: else }` });
  }
  const input = cx.shapeOf(branch.input.name);
  if (!input) return;
  if (input.collection === "table") {
    cx.bag.report("needsStream", branch.input, [branch.input.name, "'branch'"], {
      hint: `branch the table's changes: declare 'stream ${branch.input.name}Changes = ${branch.input.name}' and branch that`,
    });
    return;
  }
  branch.arms.forEach((arm, index) => {
    if (arm.condition) cx.expressions.checkCondition(arm.condition, input, `the condition of the arm '${arm.name.name}'`);
    else if (index < branch.arms.length - 1) {
      cx.bag.report("elseNotLast", arm, [arm.name.name], { hint: "move it to the end: each record goes to the first arm whose condition holds, else to 'else'" });
    }
  });
  cx.branchInputs.set(branch, { ...input, joined: undefined });
}

function checkPipeline(cx: CheckContext, pipeline: PipelineDecl): Shape | undefined {
  // Reading itself directly was reported when names were resolved (WEIR2013).
  const input = cx.shapeOf(pipeline.input.name);
  if (!input) return undefined;
  const form = pipelineForm(pipeline, input);
  cx.pipelineForms.set(pipeline, form);
  if (form.kind !== "stream") return checkTablePipeline(cx, pipeline, input, form);
  const shape = checkStreamPipeline(cx, pipeline, input);
  if (shape.collection !== pipeline.collection) {
    cx.bag.report("collectionMismatch", pipeline.name, [pipeline.collection, shape.collection], {
      hint:
        shape.collection === "table"
          ? `an aggregation makes a table: write 'table ${pipeline.name.name} = ...'`
          : "a table is made by an aggregation: '| group by EXPR | count', '| sum EXPR' or '| aggregate { ... }'",
    });
  }
  return shape;
}

/**
 * How a pipeline's steps run: a table's steps over a table transform it as a table (or,
 * after `group by`, regroup its rows); any other pipeline is a stream's steps, which in a
 * table's pipeline may go on after the aggregation with `where` and `select` (a HAVING).
 */
function pipelineForm(pipeline: PipelineDecl, input: Shape): PipelineForm {
  const steps = pipeline.steps;
  if (input.collection === "table" && pipeline.collection === "table" && steps.length > 0) {
    return steps[0]!.kind === "GroupBy" ? { kind: "groupedTable", afterAggregation: steps.slice(2) } : { kind: "table" };
  }
  return { kind: "stream", afterAggregation: pipeline.collection === "table" ? stepsAfterAggregation(steps) : [] };
}

/** Where a stream's pipeline is between `group by` and the aggregation that must follow it. */
interface Grouping {
  grouped: GroupByStep | undefined;
  windowed: WindowStep | undefined;
  /** A window without a group by was reported: the aggregation after it is not reported again. */
  ungroupedWindow: boolean;
  aggregated: Step | undefined;
}

/** A stream's steps (a stream declared over a table reads the table's stream of changes), up to an aggregation that makes a table. */
function checkStreamPipeline(cx: CheckContext, pipeline: PipelineDecl, input: Shape): Shape {
  let shape: Shape = input.collection === "table" && pipeline.steps.length > 0 ? { ...input, collection: "stream" } : input;
  const grouping: Grouping = { grouped: undefined, windowed: undefined, ungroupedWindow: false, aggregated: undefined };
  /** A right or outer stream join whose results no `select` has made whole yet (see awaitingSelect). */
  let valueless: JoinStep | undefined;
  for (const step of pipeline.steps) {
    cx.stepInputs.set(step, shape);
    const input = shape;
    // `where` and `select` after an aggregation, in a table's pipeline, transform the aggregated table as a table (a HAVING).
    if (grouping.aggregated && !(pipeline.collection === "table" && isTableStepAfterAggregation(step))) {
      cx.bag.report("stepAfterAggregate", step, [stepName(step)], { hint: stepAfterAggregateHint(pipeline) });
      break;
    }
    if (grouping.windowed && !isAggregation(step)) {
      reportWindowWithoutAggregate(cx, grouping.windowed);
      grouping.windowed = undefined;
      grouping.grouped = undefined;
    }
    if (grouping.grouped && !isAggregation(step) && step.kind !== "Window") {
      reportGroupWithoutAggregate(cx, grouping.grouped);
      grouping.grouped = undefined;
    }
    // The names a join brought in are read by this step and forgotten after it, unless it is a `where`.
    const joined = step.kind === "Where" || step.kind === "Join" ? shape.joined : undefined;
    shape = checkStreamStep(cx, step, shape, pipeline, grouping);
    valueless = awaitingSelect(cx, pipeline, step, input, valueless);
    if (step.kind !== "Join") shape = { ...shape, joined };
  }
  if (grouping.windowed) reportWindowWithoutAggregate(cx, grouping.windowed);
  else if (grouping.grouped) reportGroupWithoutAggregate(cx, grouping.grouped);
  if (valueless) {
    cx.bag.report("outerJoinWithoutSelect", valueless, [stepName(valueless), "stream"], {
      hint: `${valuelessResult(valueless, pipeline)}: written to a topic it would be a tombstone, its '${valueless.other.name}' side lost. Build each record from both sides, e.g. ${bothSidesExample(cx, valueless, pipeline)}`,
    });
  }
  return { ...shape, joined: undefined };
}

/**
 * After a right or outer stream-stream join, the result for a record of the other stream
 * that matched none of this pipeline's has a null value, and the other side under its name.
 * It is no tombstone while steps take it as it is — `where`, joins that read it where it is,
 * `group by key` and the aggregation after it (which counts it) — but a topic would get it as
 * one, its other side lost: a sink, or the repartition of a `group by EXPR`, a `rekey` or a join.
 * So, as for a table made by such a join (WEIR4053), a `select` (or a `flatmap`, which makes
 * new values too) must come before any other step and before the pipeline ends. Returns
 * the join still waiting for it after this step.
 */
function awaitingSelect(cx: CheckContext, pipeline: PipelineDecl, step: Step, input: Shape, waiting: JoinStep | undefined): JoinStep | undefined {
  if (!waiting) {
    // A join refused (reported already) has no form: nothing is waited for.
    const valueless = step.kind === "Join" && leftMayBeMissing(step.type) && cx.joinForms.get(step)?.kind === "streamStream";
    return valueless ? step : undefined;
  }
  switch (step.kind) {
    case "Select":
    case "FlatMap":
    case "Count":
    case "Sum":
    case "Aggregate":
      return undefined;
    case "Where":
    case "Window":
      return waiting;
    case "GroupBy":
      if (isGroupByKey(step) && !input.keyChanged) return waiting;
      break;
    case "Join": {
      const form = cx.joinForms.get(step);
      if (!form || ((form.kind === "streamStream" || form.kind === "streamTable") && !form.repartitioned)) return waiting;
      break;
    }
    case "Rekey":
    case "Dedup":
    case "Merge":
      break;
  }
  cx.bag.report("outerJoinWithoutSelect", step, [stepName(waiting), "stream", stepName(step)], {
    hint: `${valuelessResult(waiting, pipeline)}: ${valuelessFate(step, waiting.other.name)}. Build each record from both sides first, e.g. ${bothSidesExample(cx, waiting, pipeline)} | ${stepName(step)} ...`,
    related: [{ message: `the ${stepName(waiting)}`, node: waiting }],
  });
  return undefined;
}

/** "a result for a 'byOrder' record that matched no 'orders' record has a null value" */
function valuelessResult(join: JoinStep, pipeline: PipelineDecl): string {
  return `a result for a '${join.other.name}' record that matched no '${pipeline.input.name}' record has a null value`;
}

/** What a step other than `where`, a join in place and `group by key` would do with a result that has no value of its own. */
function valuelessFate(step: Step, other: string): string {
  switch (step.kind) {
    case "GroupBy":
      return `'group by' writes the records to a repartition topic, where it would be a tombstone, never counted`;
    case "Join":
      return `this join reads the records through a repartition topic, where it would be a tombstone`;
    default:
      return `only 'where', joins and 'group by key' take it as it is: after '${stepName(step)}' its '${other}' side could no longer be read, and a topic would get it as a tombstone`;
  }
}

/** A select over both sides of the join, with the fields of the file at hand. */
function bothSidesExample(cx: CheckContext, join: JoinStep, pipeline: PipelineDecl): string {
  const left = cx.stepInputs.get(join)?.value;
  return bothSidesSelect(pipeline.input.name, left ? nonNull(left) : Types.any, join.other.name, cx.shapes.get(join.other.name)?.value);
}

/** One step of a stream's pipeline: the shape of the records after it. */
function checkStreamStep(cx: CheckContext, step: Step, shape: Shape, pipeline: PipelineDecl, grouping: Grouping): Shape {
  switch (step.kind) {
    case "Where":
      return checkWhere(cx, step, shape);
    case "Join":
      return checkStreamJoinStep(cx, step, shape, pipeline);
    case "Dedup":
      return checkDedup(cx, step, shape);
    case "Merge":
      return checkMerge(cx, step, shape);
    case "Select":
      return checkSelect(cx, step, shape);
    case "FlatMap": {
      const type = cx.expressions.check(step.values, shape);
      if (type.kind === "list") return { ...shape, value: type.element, nonNull: forget(shape.nonNull, "value") };
      if (!isUnchecked(type)) cx.bag.report("notAList", step.values, [describeType(type)], { hint: "split(text, \" \") and extractAll(text, pattern) make lists" });
      return { ...shape, value: Types.any, nonNull: forget(shape.nonNull, "value") };
    }
    case "Rekey":
      // A new key leaves the window behind: it was part of the old key.
      return { ...shape, key: cx.expressions.check(step.key, shape), keyChanged: true, window: undefined, nonNull: forget(shape.nonNull, "key") };
    case "GroupBy": {
      const byKey = isGroupByKey(step);
      // Records whose group key is null are dropped (an aggregation has no group for them): the key is never null after.
      const key = nonNull(cx.expressions.check(step.key, shape));
      grouping.grouped = step;
      return { ...shape, key, keyChanged: shape.keyChanged || !byKey, window: undefined, nonNull: byKey ? shape.nonNull : forget(shape.nonNull, "key") };
    }
    case "Window":
      checkWindow(cx, step, pipeline);
      if (!grouping.grouped) {
        cx.bag.report("windowWithoutGroup", step, [], { hint: "group first: '| group by customerId | window ...'; '| group by key' keeps the key" });
        grouping.ungroupedWindow = true;
      } else {
        grouping.windowed = step;
      }
      return shape;
    case "Count":
    case "Sum":
    case "Aggregate": {
      if (!grouping.grouped && !grouping.ungroupedWindow) {
        cx.bag.report("aggregateWithoutGroup", step, [stepName(step)], {
          hint: "group first: '| group by key' aggregates per key, '| group by EXPR' per another key",
        });
      }
      const windowed = grouping.windowed;
      const value = checkAggregation(cx, step, shape, windowed);
      const window = windowed ? (windowed.type === "session" ? "session" : "time") : undefined;
      // The aggregation reads a repartition topic when the key changed, else its input's partitions.
      const keyEncoding = shape.keyChanged ? keyEncodingOf(shape.key) : shape.keyEncoding;
      grouping.grouped = undefined;
      grouping.windowed = undefined;
      grouping.aggregated = step;
      // The group key is kept; a null check on it still holds (records with a null key are dropped anyway).
      return { collection: "table", key: shape.key, value, keyChanged: false, window, keyEncoding, nonNull: forget(forget(shape.nonNull, "value"), "joined") };
    }
  }
}

function reportWindowWithoutAggregate(cx: CheckContext, window: WindowStep): void {
  cx.bag.report("windowWithoutAggregate", window, [], { hint: "for example: | window tumbling 1 minute | aggregate { total: sum(amount), count: count() }" });
}

function reportGroupWithoutAggregate(cx: CheckContext, group: GroupByStep): void {
  cx.bag.report("groupWithoutAggregate", group, [], { hint: "for example: | group by customerId | count" });
}

/** `group by key`: the records keep their key (and their partitions, unless the key changed before). */
function isGroupByKey(step: GroupByStep): boolean {
  return step.key.kind === "Name" && step.key.name.name === "key";
}

/** `where COND`, on a stream or a table: what passes is what the condition holds for, so its null checks narrow. */
function checkWhere(cx: CheckContext, step: WhereStep, shape: Shape): Shape {
  cx.expressions.checkCondition(step.condition, shape, "the condition of 'where'");
  return { ...shape, nonNull: withNonNull(shape.nonNull, nonNullWhen(step.condition, true, cx.names)) };
}

/** `select EXPR`, on a stream or a table: a new value, of which no null check is known. */
function checkSelect(cx: CheckContext, step: SelectStep, shape: Shape): Shape {
  return { ...shape, value: cx.expressions.check(step.value, shape), nonNull: forget(shape.nonNull, "value") };
}

/**
 * A table transformed as a table (Kafka Streams' KTable filter, mapValues and
 * table-table joins): each step keeps the key, and the result is a table kept
 * in its own store. Steps that would change the keys or aggregate are refused.
 */
function checkTablePipeline(cx: CheckContext, pipeline: PipelineDecl, input: Shape, form: Exclude<PipelineForm, { kind: "stream" }>): Shape | undefined {
  // A windowed table's rows are per key and window: they can be filtered and mapped (keeping
  // their window), not looked up by key to join or regroup.
  const keyedByWindow = input.window ? pipeline.steps.find((step) => step.kind === "Join" || step.kind === "GroupBy") : undefined;
  if (keyedByWindow) {
    reportWindowedTable(cx, pipeline.input, pipeline.input.name);
    return undefined;
  }
  let shape: Shape = { ...input, joined: undefined };
  if (form.kind === "groupedTable") return checkGroupedTable(cx, pipeline, shape);
  /** An outer or right join whose rows no select has made whole yet: a row may have no value of its own. */
  let outer: JoinStep | undefined;
  for (const [index, step] of pipeline.steps.entries()) {
    cx.stepInputs.set(step, shape);
    const joined = step.kind === "Where" || step.kind === "Join" ? shape.joined : undefined;
    switch (step.kind) {
      case "Where":
        shape = checkWhere(cx, step, shape);
        break;
      case "Select":
        shape = checkSelect(cx, step, shape);
        outer = undefined;
        break;
      case "Join":
        if (index > 0) {
          cx.bag.report("tableJoinNotFirst", step, [], {
            hint: `declare the table before the join on its own line, e.g. table ${pipeline.input.name}Filtered = ${pipeline.input.name} | ..., and join that`,
          });
          return undefined;
        }
        shape = checkTableJoinStep(cx, step, shape, pipeline.input.name);
        if (leftMayBeMissing(step.type) && !step.on) outer = step;
        break;
      default:
        refuseTableStep(cx, step, pipeline);
        return undefined;
    }
    if (step.kind !== "Join") shape = { ...shape, joined };
  }
  if (outer) {
    cx.bag.report("outerJoinWithoutSelect", outer, [stepName(outer), "table"], {
      hint: `build each row from both sides, e.g. ${bothSidesExample(cx, outer, pipeline)}`,
    });
  }
  return { ...shape, joined: undefined };
}

/** A step that a table transformed as a table cannot take, and what to do instead. */
function refuseTableStep(cx: CheckContext, step: Step, pipeline: PipelineDecl): void {
  const input = pipeline.input.name;
  switch (step.kind) {
    case "GroupBy":
      cx.bag.report("tableGroupNotFirst", step, [], {
        hint: `declare the table before the group by on its own line, e.g. table ${input}Filtered = ${input} | ..., and group that`,
      });
      return;
    case "Count":
    case "Sum":
    case "Aggregate":
      cx.bag.report("aggregateWithoutGroup", step, [stepName(step)], {
        hint: "group the table's rows first: '| group by EXPR' as the pipeline's first step",
      });
      return;
    case "Rekey":
    case "FlatMap":
      cx.bag.report("tableKeyChange", step, [stepName(step)], {
        hint: `to key it by something else, aggregate the stream of its changes: stream changes = ${input}, then table ... = changes | group by EXPR | aggregate { ... }`,
      });
      return;
    case "Merge":
      cx.bag.report("needsStream", pipeline.input, [input, "'merge'"], {
        hint: `merge the table's changes: declare 'stream ${input}Changes = ${input}' and merge into that`,
      });
      return;
    default:
      cx.bag.report("tableTransform", step, [stepName(step)], {
        hint: `declare '${pipeline.name.name}' as a stream to transform the table's changes`,
      });
  }
}

/**
 * A grouped table (Kafka Streams' KTable.groupBy(...).aggregate(...)): the
 * rows regrouped by an expression and aggregated, each change of a row
 * subtracted from its old group and added to its new one. So the pipeline
 * is exactly `group by EXPR | <aggregation>`, with no window, and every
 * aggregate function in it must be able to subtract.
 */
function checkGroupedTable(cx: CheckContext, pipeline: PipelineDecl, input: Shape): Shape | undefined {
  const [group, aggregation] = pipeline.steps as [GroupByStep, Step | undefined];
  cx.stepInputs.set(group, input);
  const byKey = isGroupByKey(group);
  // A row whose group key is null is in no group: the grouped table's key is never null.
  const key = nonNull(cx.expressions.check(group.key, input));
  const grouped: Shape = { ...input, key, keyChanged: true, window: undefined, nonNull: byKey ? input.nonNull : forget(input.nonNull, "key") };
  if (aggregation?.kind === "Window") {
    cx.bag.report("windowOnGroupedTable", aggregation, [], {
      hint: `aggregate all the rows of each group ('| group by ... | count'), or window the table's changes: stream ${pipeline.input.name}Changes = ${pipeline.input.name}`,
    });
    return undefined;
  }
  if (!aggregation || !isAggregation(aggregation)) {
    cx.bag.report("groupWithoutAggregate", group, [], { hint: "for example: | group by tier | count" });
    return undefined;
  }
  cx.stepInputs.set(aggregation, grouped);
  const value = emptiedGroupTypes(cx, aggregation, checkAggregation(cx, aggregation, grouped, undefined));
  checkSubtractable(cx, aggregation);
  // The groups are read from a repartition topic.
  let shape: Shape = { collection: "table", key, value, keyChanged: false, window: undefined, keyEncoding: keyEncodingOf(key), nonNull: forget(forget(grouped.nonNull, "value"), "joined") };
  for (const step of pipeline.steps.slice(2)) {
    cx.stepInputs.set(step, shape);
    if (!isTableStepAfterAggregation(step)) {
      cx.bag.report("stepAfterAggregate", step, [stepName(step)], { hint: stepAfterAggregateHint(pipeline) });
      return undefined;
    }
    shape = step.kind === "Where" ? checkWhere(cx, step, shape) : checkSelect(cx, step, shape);
  }
  return shape;
}

/**
 * Dedup remembers, per key (and `by` value), the time of the last record it kept.
 * It is stateful per key: after a rekey the records are repartitioned first (see plan.ts).
 */
function checkDedup(cx: CheckContext, step: DedupStep, shape: Shape): Shape {
  if (step.by) cx.expressions.check(step.by, shape);
  const within = checkDuration(cx, step.within);
  if (within !== undefined && within <= 0) cx.bag.report("durationNotPositive", step.within, ["the dedup window", durationText(step.within)]);
  // After a rekey, dedup reads the records from a repartition topic.
  return { ...shape, keyChanged: false, keyEncoding: shape.keyChanged ? keyEncodingOf(shape.key) : shape.keyEncoding };
}

/** Merged streams must carry records of one type: the same key and value types (nullable allowed on either side). */
function checkMerge(cx: CheckContext, step: MergeStep, shape: Shape): Shape {
  let merged = shape;
  for (const stream of step.streams) {
    const other = cx.shapeOf(stream.name);
    if (!other) continue;
    if (other.collection === "table") {
      cx.bag.report("needsStream", stream, [stream.name, "'merge'"], {
        hint: `merge the table's changes: declare 'stream ${stream.name}Changes = ${stream.name}' and merge that`,
      });
      continue;
    }
    const key = mergedType(merged.key, other.key);
    if (!key) cx.bag.report("mergeKeyType", stream, [stream.name, describeType(other.key), describeType(merged.key)], { hint: "rekey one of them first, so that both have the same key" });
    const value = mergedType(merged.value, other.value);
    if (!value) {
      cx.bag.report("mergeValueType", stream, [stream.name, describeType(other.value), describeType(merged.value)], {
        hint: "select the same fields from both first, e.g. '| select { id, amount }' on each",
      });
    }
    if (Boolean(merged.window) !== Boolean(other.window)) {
      cx.bag.report("windowedMerge", stream, [stream.name], { hint: "select the window's bounds into the value first: '| select { start: window.start, ... }'" });
    }
    merged = {
      ...merged,
      key: key ?? Types.error,
      value: value ?? Types.error,
      // Equal keys encoded differently by the merged topics may sit in different partitions:
      // the next step that needs records partitioned by key repartitions them, as after a rekey.
      keyChanged: merged.keyChanged || other.keyChanged || merged.keyEncoding !== other.keyEncoding,
      window: merged.window === other.window ? merged.window : undefined,
      // A null check holds after the merge only if it holds in every merged stream.
      nonNull: commonNonNull(merged.nonNull, other.nonNull),
    };
  }
  return merged;
}

/** The type of a merged stream's keys or values; undefined when the two cannot be one type. */
function mergedType(a: Type, b: Type): Type | undefined {
  if (a.kind === "error" || b.kind === "error") return Types.error;
  // Records from an unchecked side (`json` without a schema) are not validated: the merge is unchecked too.
  if (isUnchecked(a) || isUnchecked(b)) return Types.any;
  return unify(a, b);
}

/** A collection nothing reads or writes is most likely a mistake (said only in a file without errors). */
export function checkUnused(cx: CheckContext): void {
  // After an error, a collection may look unused only because a reference to it is misspelt.
  if (cx.bag.hasErrors) return;
  const used = new Set<string>();
  for (const declaration of cx.resolved.collections.values()) {
    if (declaration.kind !== "Pipeline") continue;
    used.add(declaration.input.name);
    for (const step of declaration.steps) {
      if (step.kind === "Join") used.add(step.other.name);
      if (step.kind === "Merge") for (const stream of step.streams) used.add(stream.name);
    }
  }
  for (const declaration of cx.resolved.file.declarations) if (declaration.kind === "Branch") used.add(declaration.input.name);
  for (const sink of cx.resolved.sinks) used.add(sink.input.name);
  for (const [name, declaration] of cx.resolved.collections) {
    if (!used.has(name)) cx.bag.report("unusedCollection", declaration.name, [name], { hint: `write it to a topic: sink ${name} to topic "..."` });
  }
}
