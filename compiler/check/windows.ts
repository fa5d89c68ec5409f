// The checker's windows room: windows and the durations in them, and aggregations
// (count, sum, `aggregate { ... }` with built-in and imported aggregate functions).
import type { AggregateStep, Duration, PipelineDecl, SourceDecl, Step, WindowStep } from "../../grammar/ast.ts";
import { aggregateFunctions, isAggregateFunction } from "../builtins.ts";
import { durationMs, durationText, isTimeUnit, msText } from "../durations.ts";
import type { CollectionDecl } from "../resolve.ts";
import { didYouMean } from "../../runtime/suggest.ts";
import { Types, isNullable, isNumeric, nonNull, type Type } from "../types.ts";
import type { Shape } from "./checked-file.ts";
import type { CheckContext } from "./context.ts";
import { advanceHint, unitSuggestion } from "./hints.ts";
import { checkNewField } from "./schemas.ts";

/** The built-in aggregate functions that can take a row back out (their accumulators keep enough). */
const subtractableAggregates: ReadonlySet<string> = new Set(["count", "sum", "avg"]);

export function checkWindow(cx: CheckContext, step: WindowStep, pipeline: PipelineDecl): void {
  const size = checkDuration(cx, step.size);
  const advance = step.advance ? checkDuration(cx, step.advance) : undefined;
  const grace = step.grace ? checkDuration(cx, step.grace) : undefined;
  const kindOfSize = step.type === "session" ? "the inactivity gap" : step.type === "sliding" ? "the time difference" : "the window size";
  if (size !== undefined && size <= 0) {
    cx.bag.report("durationNotPositive", step.size, [kindOfSize, durationText(step.size)]);
  }
  if (step.type === "hopping") {
    if (!step.advance) {
      // An example that overlaps: each window starts a fifth of the size after the previous one.
      const example = size !== undefined && size > 0 && Number.isInteger(size / 5) ? msText(size / 5) : "1 minute";
      cx.bag.report("hoppingWithoutAdvance", step, [], { hint: `for example: window hopping ${durationText(step.size)} advance ${example}` });
    } else if (advance !== undefined && advance <= 0) {
      cx.bag.report("durationNotPositive", step.advance, ["the advance", durationText(step.advance)]);
    } else if (advance !== undefined && size !== undefined && size > 0 && advance > size) {
      cx.bag.report("advanceLargerThanSize", step.advance, [durationText(step.advance), durationText(step.size)], {
        hint: "an advance equal to the size makes tumbling windows: write 'window tumbling SIZE'",
      });
    }
  } else if (step.advance && step.type !== "") {
    cx.bag.report("advanceNotAllowed", step.advance, [step.type], {
      hint: advanceHint(step.type),
    });
  }
  if (step.grace && grace !== undefined && grace < 0) {
    cx.bag.report("negativeGrace", step.grace, [durationText(step.grace)], { hint: "grace 0s closes a window as soon as stream time reaches its end" });
  }
  if (step.emit?.mode === "final" && !step.grace) {
    cx.bag.report("emitFinalWithoutGrace", step.emit, [], {
      hint: "say how long to wait for late records before the result is final: 'grace 0s' (not at all), 'grace 30 seconds', ...",
    });
  }
  const source = sourceOf(cx, pipeline);
  if (source && !source.eventTime) {
    cx.bag.report("windowWithoutEventTime", step, [source.name.name], {
      hint: `if the value carries the time of the event, declare it: stream ${source.name.name} from topic ... event time FIELD`,
    });
  }
}

/** Milliseconds, recorded, or undefined when the unit is unknown or the amount not whole (both reported). */
export function checkDuration(cx: CheckContext, duration: Duration): number | undefined {
  const unit = duration.unit.name;
  if (unit === "") return undefined;
  if (!isTimeUnit(unit)) {
    cx.bag.report("unknownTimeUnit", duration.unit, [unit], {
      hint: unitSuggestion(unit, duration.amount) ?? "units: ms, s, min, h, d (or millisecond(s), second(s), minute(s), hour(s), day(s))",
    });
    return undefined;
  }
  const ms = durationMs(duration)!;
  if (!Number.isSafeInteger(ms)) {
    cx.bag.report("durationNotWhole", duration, [durationText(duration)]);
    return undefined;
  }
  cx.durations.set(duration, ms);
  return ms;
}

/** The source a pipeline's records come from, following the pipelines it reads. */
function sourceOf(cx: CheckContext, pipeline: PipelineDecl): SourceDecl | undefined {
  const seen = new Set<string>();
  let current: CollectionDecl | undefined = pipeline;
  while (current && current.kind !== "Source" && !seen.has(current.name.name)) {
    seen.add(current.name.name);
    current = cx.resolved.collections.get(current.kind === "Pipeline" ? current.input.name : current.branch.input.name);
  }
  return current?.kind === "Source" ? current : undefined;
}

/** The type of what an aggregation step makes of each group (in `window`, when it is windowed). */
export function checkAggregation(cx: CheckContext, step: Step, shape: Shape, window: WindowStep | undefined): Type {
  switch (step.kind) {
    case "Count":
      return Types.integer;
    case "Sum": {
      // As sum(x) in 'aggregate { }': nulls are skipped, and a group without a value sums to 0.
      const type = cx.expressions.check(step.value, shape);
      const sum = nonNull(type).kind === "integer" ? Types.integer : Types.number;
      if (isNullable(type) && isNumeric(nonNull(type))) return sum;
      cx.expressions.checkNumberType(step.value, type, "sum");
      return sum;
    }
    case "Aggregate":
      return checkAggregateRecord(cx, step, shape, window);
    default:
      throw new Error(`not an aggregation: ${step.kind}`);
  }
}

function checkAggregateRecord(cx: CheckContext, step: AggregateStep, shape: Shape, window: WindowStep | undefined): Type {
  if (step.value.fields.length === 0) cx.bag.report("emptyAggregate", step.value, [], { hint: "for example: aggregate { total: sum(amount), orders: count() }" });
  const fields = [];
  const seen = new Set<string>();
  for (const field of step.value.fields) {
    checkNewField(cx, field.name, seen);
    const call = field.value;
    const userAggregate = call.kind === "Call" ? cx.resolved.imports.get(call.callee.name) : undefined;
    if (call.kind === "Call" && userAggregate?.aggregate) {
      cx.calls.set(call, { kind: "userAggregate", name: call.callee.name });
      const type = cx.expressions.checkCallArguments(call, userAggregate.signature, shape);
      if (window?.type === "session" && !userAggregate.aggregate.merge) {
        cx.bag.report("sessionAggregateWithoutMerge", call.callee, [call.callee.name], {
          hint: `give the object '${call.callee.name}' exports a merge: (earlier: A, later: A) => A, which combines two sessions' accumulators`,
        });
      }
      cx.types.set(call, type);
      fields.push({ name: field.name.name, type });
      continue;
    }
    if (call.kind !== "Call" || !isAggregateFunction(call.callee.name)) {
      const userAggregates = [...cx.resolved.imports.values()].filter((fn) => fn.aggregate).map((fn) => fn.name);
      const misspelt = call.kind === "Call" ? didYouMean(call.callee.name, [...Object.keys(aggregateFunctions), ...userAggregates]) : undefined;
      cx.bag.report("notAnAggregateCall", field.value, [field.name.name], { hint: misspelt ?? `aggregate functions: ${[...Object.keys(aggregateFunctions), ...userAggregates].join(", ")}` });
      fields.push({ name: field.name.name, type: Types.error });
      continue;
    }
    cx.calls.set(call, { kind: "aggregate", name: call.callee.name });
    const type = cx.expressions.checkCallArguments(call, aggregateFunctions[call.callee.name], shape);
    cx.types.set(call, type);
    fields.push({ name: field.name.name, type });
  }
  return Types.record(fields);
}

/** A group whose rows all left it stays: its `avg` fields are null then (there is nothing to average). */
export function emptiedGroupTypes(cx: CheckContext, step: Step, value: Type): Type {
  if (step.kind !== "Aggregate" || value.kind !== "record") return value;
  const averaged = new Set(step.value.fields.filter((field) => field.value.kind === "Call" && cx.calls.get(field.value)?.kind === "aggregate" && field.value.callee.name === "avg").map((field) => field.name.name));
  return Types.record(value.fields.map((field) => (averaged.has(field.name) ? { ...field, type: Types.nullable(field.type) } : field)));
}

/** Each aggregate function of a grouped table must take a changed row's old value back out. */
export function checkSubtractable(cx: CheckContext, step: Step): void {
  if (step.kind !== "Aggregate") return; // count and sum subtract
  for (const field of step.value.fields) {
    if (field.value.kind !== "Call") continue;
    const call = field.value;
    const binding = cx.calls.get(call);
    if (binding?.kind === "aggregate" && !subtractableAggregates.has(binding.name)) {
      cx.bag.report("notSubtractable", call.callee, [binding.name], {
        hint: "on a table, use count(), sum(x) or avg(x); or aggregate the stream of the table's changes, where rows are never taken back",
      });
    }
    if (binding?.kind === "userAggregate" && !cx.resolved.imports.get(binding.name)?.aggregate?.subtract) {
      cx.bag.report("userAggregateWithoutSubtract", call.callee, [binding.name], {
        hint: `export a subtract: (acc: A, ...args) => A beside '${binding.name}'s add, which undoes add with the same arguments`,
      });
    }
  }
}
