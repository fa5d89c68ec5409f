// Phase 3: the topology plan. Turns the checked file into the processor graph
// the runtime will run: one operation per step, a repartition wherever a
// stateful step needs records partitioned by a key that changed, a named state
// store per aggregation. Names of stores and internal topics derive from the
// names in the .weir file, so they stay stable when the file is edited.
import type { Duration, Expr, FormatRef, RecordExpr, SinkDecl, Step, WindowStep } from "../grammar/ast.ts";
import { fixedTopic } from "../grammar/ast.ts";
import type { CollectionDecl } from "./resolve.ts";
import { stepName, type CallBinding, type CheckedFile, type NameBinding, type Shape } from "./check.ts";
import type { AggregateFunctionName } from "./builtins.ts";
import { LineMap } from "./diagnostic-printer.ts";
import { Types, type RecordType, type Type } from "./types.ts";

export type FormatPlan =
  | { readonly kind: "string" }
  /** JSON; validated against the schema when there is one. */
  | { readonly kind: "json"; readonly schema: string | undefined; readonly type: Type };

export interface SourcePlan {
  readonly kind: "source";
  /** A table is materialized in a store named after it. */
  readonly collection: "stream" | "table";
  readonly topic: string;
  readonly keyFormat: FormatPlan;
  readonly valueFormat: FormatPlan;
  readonly eventTimeField: string | undefined;
}

/** A window, in milliseconds. */
export type WindowPlan =
  | { readonly kind: "tumbling"; readonly sizeMs: number; readonly graceMs: number; readonly emit: "changes" | "final" }
  | { readonly kind: "hopping"; readonly sizeMs: number; readonly advanceMs: number; readonly graceMs: number; readonly emit: "changes" | "final" }
  /** Kafka Streams' SlidingWindows: [t - difference, t], both ends inclusive. */
  | { readonly kind: "sliding"; readonly differenceMs: number; readonly graceMs: number; readonly emit: "changes" | "final" }
  | { readonly kind: "session"; readonly gapMs: number; readonly graceMs: number; readonly emit: "changes" | "final" };

export type AggregationPlan =
  | { readonly kind: "count" }
  | { readonly kind: "sum"; readonly value: Expr }
  | { readonly kind: "record"; readonly fields: readonly AggregateFieldPlan[] };

export type AggregateFieldPlan =
  | { readonly kind: "builtin"; readonly name: string; readonly fn: AggregateFunctionName; readonly argument: Expr | undefined }
  /** An imported aggregate (`user` is its import name), given `add`'s arguments after the accumulator. */
  | { readonly kind: "user"; readonly name: string; readonly user: string; readonly arguments: readonly Expr[] };

export type OperationPlan =
  | { readonly kind: "filter"; readonly node: string; readonly condition: Expr; readonly input: Shape }
  | { readonly kind: "mapValues"; readonly node: string; readonly value: Expr; readonly input: Shape }
  | { readonly kind: "selectKey"; readonly node: string; readonly key: Expr; readonly input: Shape }
  | { readonly kind: "flatMapValues"; readonly node: string; readonly values: Expr; readonly input: Shape }
  /** Through the internal topic `<application>-<name>-repartition`. */
  | { readonly kind: "repartition"; readonly name: string; readonly keyFormat?: FormatPlan }
  /** A stream-table join on the key with the table read from a topic (its store has the table's name). */
  | { readonly kind: "join"; readonly node: string; readonly table: string; readonly left: boolean; readonly input: Shape }
  | {
      readonly kind: "aggregate";
      readonly node: string;
      /** The store's name; its changelog is `<application>-<store>-changelog`. */
      readonly store: string;
      readonly aggregation: AggregationPlan;
      /** A windowed aggregation: the store is a window store. */
      readonly window: WindowPlan | undefined;
      readonly input: Shape;
      readonly result: Type;
    };

export interface CollectionPlan {
  readonly name: string;
  /** 1-based line of the declaration in the .weir file. */
  readonly line: number;
  readonly start: SourcePlan | { readonly kind: "collection"; readonly name: string };
  readonly operations: readonly OperationPlan[];
  readonly shape: Shape;
}

export interface SinkPlan {
  readonly node: string;
  readonly line: number;
  readonly input: string;
  /** The fixed topic; undefined when `topicExpr` picks one per record. */
  readonly topic: string | undefined;
  readonly topicExpr: Expr | undefined;
  /** `headers { name: EXPR }`, computed from the record (before `value EXPR`). */
  readonly headers: RecordExpr | undefined;
  readonly keyFormat: FormatPlan;
  readonly valueFormat: FormatPlan;
  /** `value EXPR`: the value written, computed from each record (the `<node>-value` node). */
  readonly value: Expr | undefined;
  readonly shape: Shape;
}

export interface TopologyPlan {
  readonly application: string;
  readonly schemas: readonly RecordType[];
  /** Imported functions by module (absolute path). */
  readonly imports: ReadonlyMap<string, readonly string[]>;
  readonly collections: readonly CollectionPlan[];
  readonly sinks: readonly SinkPlan[];
  /** What the checker found about expressions, for the emitter. */
  readonly expressions: {
    readonly types: ReadonlyMap<Expr, Type>;
    readonly names: ReadonlyMap<Extract<Expr, { kind: "Name" }>, NameBinding>;
    readonly calls: ReadonlyMap<Extract<Expr, { kind: "Call" }>, CallBinding>;
  };
}

/** Only called on a file without errors: every name resolves and every type fits. */
export function planTopology(checked: CheckedFile, text: string): TopologyPlan {
  const lines = new LineMap(text);
  const lineOf = (node: { range: { start: number } }) => lines.position(node.range.start).line;

  const imports = new Map<string, string[]>();
  for (const fn of checked.imports.values()) imports.set(fn.modulePath, [...(imports.get(fn.modulePath) ?? []), fn.name]);

  const collections = checked.order.map((name) => {
    const declaration = checked.collections.get(name)!;
    return planCollection(declaration, checked, lineOf(declaration));
  });

  const sinks = checked.sinks.map((sink) => planSink(sink, checked, lineOf(sink)));

  return {
    application: checked.application,
    schemas: [...checked.schemaTypes.values()],
    imports,
    collections,
    sinks,
    expressions: { types: checked.types, names: checked.names, calls: checked.calls },
  };
}

function planCollection(declaration: CollectionDecl, checked: CheckedFile, line: number): CollectionPlan {
  const name = declaration.name.name;
  const shape = checked.shapes.get(name)!;
  if (declaration.kind === "Source") {
    return {
      name,
      line,
      start: {
        kind: "source",
        collection: declaration.collection,
        topic: declaration.topic.value,
        keyFormat: planFormat(declaration.keyFormat, shape.key),
        valueFormat: planFormat(declaration.valueFormat, shape.value),
        eventTimeField: declaration.eventTime?.name,
      },
      operations: [],
      shape,
    };
  }
  const operations: OperationPlan[] = [];
  let window: WindowPlan | undefined;
  declaration.steps.forEach((step, index) => {
    const input = checked.stepInputs.get(step)!;
    const node = `${name}-${index + 1}-${nodeSuffix(step)}`;
    switch (step.kind) {
      case "Where":
        operations.push({ kind: "filter", node, condition: step.condition, input });
        break;
      case "Select":
        operations.push({ kind: "mapValues", node, value: step.value, input });
        break;
      case "FlatMap":
        operations.push({ kind: "flatMapValues", node, values: step.values, input });
        break;
      case "Rekey":
        operations.push({ kind: "selectKey", node, key: step.key, input });
        break;
      case "Join": {
        if (input.keyChanged) {
          // The stream's first repartition is named after it; a table's is its group by's.
          const first = declaration.collection === "stream" && !operations.some((o) => o.kind === "repartition");
          // Keys encoded as the table's topic encodes them land in the partition of the table's row.
          const table = checked.collections.get(step.table.name)!;
          const keyFormat = table.kind === "Source" ? planFormat(table.keyFormat, checked.shapes.get(step.table.name)!.key) : undefined;
          operations.push({ kind: "repartition", name: first ? name : `${name}-${index + 1}`, ...(keyFormat ? { keyFormat } : {}) });
        }
        operations.push({ kind: "join", node, table: step.table.name, left: step.left, input });
        break;
      }
      case "GroupBy": {
        const byKey = step.key.kind === "Name" && checked.names.get(step.key)?.kind === "key";
        if (!byKey) operations.push({ kind: "selectKey", node, key: step.key, input });
        // The grouped records reach the aggregation partitioned by their new key.
        if (!byKey || input.keyChanged) operations.push({ kind: "repartition", name });
        break;
      }
      case "Window":
        window = planWindow(step, checked);
        break;
      case "Count":
      case "Sum":
      case "Aggregate":
        operations.push({ kind: "aggregate", node, store: name, aggregation: planAggregation(step, checked), window, input, result: shape.value });
        break;
    }
  });
  return { name, line, start: { kind: "collection", name: declaration.input.name }, operations, shape };
}

function planWindow(step: WindowStep, checked: CheckedFile): WindowPlan {
  const ms = (duration: Duration | undefined) => (duration ? checked.durations.get(duration)! : 0);
  const emit = step.emit?.mode ?? "changes";
  const graceMs = ms(step.grace);
  switch (step.type) {
    case "hopping":
      return { kind: "hopping", sizeMs: ms(step.size), advanceMs: ms(step.advance), graceMs, emit };
    case "sliding":
      return { kind: "sliding", differenceMs: ms(step.size), graceMs, emit };
    case "session":
      return { kind: "session", gapMs: ms(step.size), graceMs, emit };
    default:
      return { kind: "tumbling", sizeMs: ms(step.size), graceMs, emit };
  }
}

function planAggregation(step: Extract<Step, { kind: "Count" | "Sum" | "Aggregate" }>, checked: CheckedFile): AggregationPlan {
  switch (step.kind) {
    case "Count":
      return { kind: "count" };
    case "Sum":
      return { kind: "sum", value: step.value };
    case "Aggregate":
      return {
        kind: "record",
        fields: step.value.fields.map((field): AggregateFieldPlan => {
          const call = field.value as Extract<Expr, { kind: "Call" }>;
          if (checked.calls.get(call)?.kind === "userAggregate") return { kind: "user", name: field.name.name, user: call.callee.name, arguments: call.args };
          return { kind: "builtin", name: field.name.name, fn: call.callee.name as AggregateFunctionName, argument: call.args[0] };
        }),
      };
  }
}

function planSink(sink: SinkDecl, checked: CheckedFile, line: number): SinkPlan {
  const shape = checked.shapes.get(sink.input.name)!;
  const value = sink.value ? checked.types.get(sink.value)! : shape.value;
  const topic = fixedTopic(sink)?.value;
  return {
    node: topic !== undefined ? `${sink.input.name}-to-${topic}` : pickingSinkName(sink, checked),
    line,
    input: sink.input.name,
    topic,
    topicExpr: topic === undefined ? sink.topic : undefined,
    headers: sink.headers,
    keyFormat: sink.keyFormat ? planFormat(sink.keyFormat, shape.key) : defaultFormat(shape.key),
    valueFormat: sink.valueFormat ? planFormat(sink.valueFormat, value) : defaultFormat(value),
    value: sink.value,
    shape,
  };
}

/** `<input>-to-topic-per-record`, numbered from the second such sink of the same input on. */
function pickingSinkName(sink: SinkDecl, checked: CheckedFile): string {
  const earlier = checked.sinks.filter((other) => other.input.name === sink.input.name && !fixedTopic(other));
  const index = earlier.indexOf(sink);
  return `${sink.input.name}-to-topic-per-record${index > 0 ? `-${index + 1}` : ""}`;
}

function planFormat(format: FormatRef, type: Type): FormatPlan {
  return format.name === "string" ? { kind: "string" } : { kind: "json", schema: format.schema?.name, type };
}

/** A string is written as its text; anything else as JSON. */
function defaultFormat(type: Type): FormatPlan {
  return type.kind === "string" ? { kind: "string" } : { kind: "json", schema: undefined, type: type.kind === "error" ? Types.any : type };
}

/** Node names use the step's keyword, with dashes: `counts-1-group-by`. */
function nodeSuffix(step: Step): string {
  return stepName(step).replaceAll(" ", "-");
}
