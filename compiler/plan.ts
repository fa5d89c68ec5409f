// Phase 3: the topology plan. Turns the checked file into the processor graph
// the runtime will run: one operation per step, a repartition wherever a
// stateful step needs records partitioned by a key that changed, a named state
// store per aggregation. Names of stores and internal topics derive from the
// names in the .weir file, so they stay stable when the file is edited.
import type { AggregateStep, BranchDecl, CountStep, DedupStep, Duration, Expr, FormatRef, GroupByStep, JoinStep, JoinType, RecordExpr, SinkDecl, SourceDecl, Step, SumStep, WindowStep } from "../grammar/ast.ts";
import { fixedTopic } from "../grammar/ast.ts";
import type { BranchStreamDecl, CollectionDecl } from "./resolve.ts";
import { stepName, streamJoinKeyEncoding, type CallBinding, type CheckedFile, type JoinForm, type JoinWindowMs, type NameBinding, type Shape } from "./check.ts";
import type { AggregateFunctionName } from "./builtins.ts";
import { LineMap } from "./diagnostic-printer.ts";
import { keyEncodingOf, type KeyEncoding } from "./key-encoding.ts";
import { Types, type RecordType, type Type } from "./types.ts";
import { aggregateShape, dedupShape, foreignKeysShape, joinBufferShape, subscriptionsShape, tableShape, windowText, type StoreShapePlan } from "./store-shapes.ts";

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
  /** A table's store (named after it): what it holds. */
  readonly shape: StoreShapePlan | undefined;
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
  /**
   * The first step of a stream over a table's changes whose changes include deletes
   * (CheckedFile.tableDeletes): the stream carries the updates only. The node is
   * `<stream>-0-updates` for a table's deleted rows, `<stream>-0-sessions` for retracted sessions.
   */
  | { readonly kind: "dropDeletes"; readonly node: string }
  | { readonly kind: "filter"; readonly node: string; readonly condition: Expr; readonly input: Shape }
  | { readonly kind: "mapValues"; readonly node: string; readonly value: Expr; readonly input: Shape }
  /** `rekey`; `fromKeyOnly`: the key expression reads no part of the value, so a tombstone gets its key too. */
  | { readonly kind: "selectKey"; readonly node: string; readonly key: Expr; readonly fromKeyOnly: boolean; readonly input: Shape }
  /**
   * `group by EXPR` on a stream: the records keyed by the group and written through
   * `<application>-<repartition>-repartition`; tombstones and records whose group key is null are dropped.
   */
  | { readonly kind: "groupBy"; readonly node: string; readonly key: Expr; readonly repartition: string; readonly keyFormat?: FormatPlan; readonly input: Shape }
  | { readonly kind: "flatMapValues"; readonly node: string; readonly values: Expr; readonly input: Shape }
  /** Through the internal topic `<application>-<name>-repartition`. */
  | { readonly kind: "repartition"; readonly name: string; readonly keyFormat?: FormatPlan }
  /**
   * Drops a record whose key (and `by` value) a record kept within `withinMs`
   * had; the store `<stream>-dedup` remembers when each was last kept.
   */
  | { readonly kind: "dedup"; readonly node: string; readonly store: string; readonly shape: StoreShapePlan; readonly withinMs: number; readonly by: Expr | undefined; readonly input: Shape }
  /** The records of other streams join this one, each as it is. */
  | { readonly kind: "merge"; readonly node: string; readonly streams: readonly string[]; readonly input: Shape }
  /** A stream-table join on the key with the table read from a topic (its store has the table's name). */
  | { readonly kind: "join"; readonly node: string; readonly table: string; readonly left: boolean; readonly input: Shape }
  /** A table's filter: a row that does not match becomes a delete. */
  | { readonly kind: "tableFilter"; readonly node: string; readonly condition: Expr; readonly input: Shape }
  /** A table's new values: deletes pass through. */
  | { readonly kind: "tableMapValues"; readonly node: string; readonly value: Expr; readonly input: Shape }
  /** A table-table join on the key with another table's store. */
  | { readonly kind: "tableJoin"; readonly node: string; readonly table: string; readonly type: JoinType; readonly input: Shape }
  /**
   * A foreign-key join (KIP-213): subscriptions through `<application>-<table>-subscription-repartition`
   * (keys encoded as the right table's topic does), responses through
   * `<application>-<table>-response-repartition` (as the left table's).
   */
  | {
      readonly kind: "foreignKeyJoin";
      readonly node: string;
      readonly table: string;
      readonly left: boolean;
      readonly foreignKey: Expr;
      readonly prefix: string;
      readonly subscriptionKey: FormatPlan | undefined;
      readonly responseKey: FormatPlan | undefined;
      /** The stores `<prefix>-foreign-keys` and `<prefix>-subscriptions`. */
      readonly shapes: { readonly foreignKeys: StoreShapePlan; readonly subscriptions: StoreShapePlan };
      readonly input: Shape;
    }
  /** A derived table's rows, kept in the store named after it (changelog `<application>-<store>-changelog`). */
  | { readonly kind: "materialize"; readonly node: string; readonly store: string; readonly shape: StoreShapePlan }
  /** A table's rows regrouped: each change of a row sent to its old group (subtracted) and its new one (added) through the repartition topic. */
  | { readonly kind: "tableGroupBy"; readonly node: string; readonly key: Expr; readonly repartition: string; readonly keyFormat?: FormatPlan; readonly input: Shape }
  /** A grouped table's aggregation: every aggregate function in it can subtract. */
  | {
      readonly kind: "tableAggregate";
      readonly node: string;
      readonly store: string;
      readonly shape: StoreShapePlan;
      readonly aggregation: AggregationPlan;
      readonly input: Shape;
      readonly result: Type;
    }
  /**
   * A windowed stream-stream join with the collection `other`; each side is
   * buffered in its store (changelogs `<application>-<store>-changelog`). The
   * other side, when its key changed, is first written through the repartition
   * topic `<application>-<otherRepartition.name>-repartition`.
   */
  | {
      readonly kind: "streamJoin";
      readonly node: string;
      readonly other: string;
      readonly type: JoinType;
      readonly window: JoinWindowMs;
      readonly stores: { readonly this: string; readonly other: string };
      readonly shapes: { readonly this: StoreShapePlan; readonly other: StoreShapePlan };
      readonly otherRepartition: { readonly name: string; readonly keyFormat?: FormatPlan } | undefined;
      readonly input: Shape;
    }
  | {
      readonly kind: "aggregate";
      readonly node: string;
      /** The store's name; its changelog is `<application>-<store>-changelog`. */
      readonly store: string;
      readonly shape: StoreShapePlan;
      readonly aggregation: AggregationPlan;
      /** A windowed aggregation: the store is a window store. */
      readonly window: WindowPlan | undefined;
      readonly input: Shape;
      readonly result: Type;
    };

/** A `branch` declaration: one node that sends each record to the first arm that takes it. */
export interface BranchPlan {
  readonly kind: "branch";
  readonly node: string;
  /** The stream branched. */
  readonly from: string;
  readonly line: number;
  /** In order; an arm without a condition is the `else` arm (always the last). */
  readonly arms: readonly { readonly name: string; readonly condition: Expr | undefined }[];
  /** The shape of the records the conditions read. */
  readonly input: Shape;
}

/** A pipeline's input: another collection. */
export interface CollectionInputPlan {
  readonly kind: "collection";
  readonly name: string;
  /** A stream declared over a table reads the table's stream of changes (KTable.toStream()). */
  readonly changes: boolean;
}

export interface CollectionPlan {
  readonly name: string;
  /** 1-based line of the declaration in the .weir file (for an arm of a branch: of the arm). */
  readonly line: number;
  /** A branch's arms share one BranchPlan: the branch is built with its first arm. */
  readonly start: SourcePlan | CollectionInputPlan | BranchPlan;
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
  /** Whether `topicExpr` reads the value: a tombstone's topic cannot be computed then, unless it was checked as nullable. */
  readonly topicReadsValue: boolean;
  /**
   * The input is a table whose changes include deletes (a table's deleted rows, retracted
   * sessions: CheckedFile.tableDeletes): they are written as tombstones.
   */
  readonly tombstones: boolean;
  /**
   * `topicExpr` may be given a tombstone: it reads no value, or it was checked with a value
   * that may be null (the input has deletes). Otherwise a tombstone is dead-lettered.
   */
  readonly topicOfTombstones: boolean;
  /** `headers { name: EXPR }`, computed from the record (before `value EXPR`). */
  readonly headers: RecordExpr | undefined;
  /** The key's format; with `windowedKey`, the format of the key inside the windowed key. */
  readonly keyFormat: FormatPlan;
  /** `key windowed`: the key written with its window, in Kafka Streams' time-windowed or session-windowed format. */
  readonly windowedKey: "time" | "session" | undefined;
  readonly valueFormat: FormatPlan;
  /** `value EXPR`: the value written, computed from each record. */
  readonly value: Expr | undefined;
  /**
   * The node that computes `value EXPR` before the sink, `<node>-value`. None when the topic or
   * the headers are computed per record: they read the record as it is, and the sink computes
   * the value itself, after them.
   */
  readonly valueNode: string | undefined;
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
    /** Names and fields a null check made non-null: TypeScript is told with `!`. */
    readonly narrowed: ReadonlySet<Expr>;
  };
}

/** Only called on a file without errors: every name resolves and every type fits. */
export function planTopology(checked: CheckedFile, text: string): TopologyPlan {
  const lines = new LineMap(text);
  const lineOf = (node: { range: { start: number } }) => lines.position(node.range.start).line;

  const imports = new Map<string, string[]>();
  for (const fn of checked.imports.values()) imports.set(fn.modulePath, [...(imports.get(fn.modulePath) ?? []), fn.name]);

  const branches = new Map<BranchDecl, BranchPlan>();
  const branchPlan = (branch: BranchDecl): BranchPlan => {
    let plan = branches.get(branch);
    if (!plan) branches.set(branch, (plan = planBranch(branch, checked, lineOf(branch))));
    return plan;
  };
  const collections = checked.order.map((name) => {
    const declaration = checked.collections.get(name)!;
    if (declaration.kind === "BranchStream") return planBranchStream(declaration, branchPlan(declaration.branch), checked, lineOf(declaration));
    return planCollection(declaration, checked, lineOf(declaration));
  });

  const sinks = checked.sinks.map((sink) => planSink(sink, checked, lineOf(sink)));

  return {
    application: checked.application,
    schemas: [...checked.schemaTypes.values()],
    imports,
    collections,
    sinks,
    expressions: { types: checked.types, names: checked.names, calls: checked.calls, narrowed: checked.narrowed },
  };
}

/** The branch node is named after what it reads and its first arm: two branches of one stream differ by their arms. */
function planBranch(branch: BranchDecl, checked: CheckedFile, line: number): BranchPlan {
  return {
    kind: "branch",
    node: `${branch.input.name}-branch-${branch.arms[0]!.name.name}`,
    from: branch.input.name,
    line,
    arms: branch.arms.map((arm) => ({ name: arm.name.name, condition: arm.condition })),
    input: checked.branchInputs.get(branch)!,
  };
}

function planBranchStream(declaration: BranchStreamDecl, branch: BranchPlan, checked: CheckedFile, line: number): CollectionPlan {
  const name = declaration.name.name;
  return { name, line, start: branch, operations: [], shape: checked.shapes.get(name)! };
}

function planSource(declaration: SourceDecl, shape: Shape): SourcePlan {
  return {
    kind: "source",
    collection: declaration.collection,
    topic: declaration.topic.value,
    keyFormat: planFormat(declaration.keyFormat, shape.key),
    valueFormat: planFormat(declaration.valueFormat, shape.value),
    eventTimeField: declaration.eventTime?.name,
    shape: declaration.collection === "table" ? tableShape(shape.key, shape.keyEncoding, shape.value) : undefined,
  };
}

function planCollection(declaration: Exclude<CollectionDecl, BranchStreamDecl>, checked: CheckedFile, line: number): CollectionPlan {
  const name = declaration.name.name;
  const shape = checked.shapes.get(name)!;
  if (declaration.kind === "Source") return { name, line, start: planSource(declaration, shape), operations: [], shape };
  const input = checked.shapes.get(declaration.input.name)!;
  // A stream declared over a table is the table's stream of changes.
  const changes = input.collection === "table" && shape.collection === "stream";
  const start: CollectionInputPlan = { kind: "collection", name: declaration.input.name, changes };
  const form = checked.pipelineForms.get(declaration)!;
  if (form.kind === "table") return { name, line, start, operations: planTablePipeline(declaration, checked), shape };
  if (form.kind === "groupedTable") return { name, line, start, operations: planGroupedTable(declaration, form.afterAggregation, checked), shape };
  const operations: OperationPlan[] = [];
  const deletes = changes ? checked.tableDeletes.get(declaration.input.name) : undefined;
  if (deletes) operations.push({ kind: "dropDeletes", node: `${name}-0-${deletes === "rows" ? "updates" : "sessions"}` });
  let window: WindowPlan | undefined;
  // The stream's first repartition is named after it; a table's is its group by's.
  const repartitionName = (index: number) => {
    const first = declaration.collection === "stream" && !operations.some((o) => o.kind === "repartition");
    return first ? name : `${name}-${index + 1}`;
  };
  declaration.steps.forEach((step, index) => {
    const input = checked.stepInputs.get(step)!;
    const node = `${name}-${index + 1}-${nodeSuffix(step)}`;
    const site: StepSite = { checked, pipeline: name, index, node, earlier: operations, repartition: repartitionName(index) };
    // After the aggregation, `where` and `select` work on the table it made.
    const onTable = form.afterAggregation.includes(step);
    switch (step.kind) {
      case "Where":
        operations.push(onTable ? { kind: "tableFilter", node, condition: step.condition, input } : { kind: "filter", node, condition: step.condition, input });
        break;
      case "Select":
        operations.push(onTable ? { kind: "tableMapValues", node, value: step.value, input } : { kind: "mapValues", node, value: step.value, input });
        break;
      case "FlatMap":
        operations.push({ kind: "flatMapValues", node, values: step.values, input });
        break;
      case "Rekey":
        operations.push({ kind: "selectKey", node, key: step.key, fromKeyOnly: !readsValue(step.key, checked), input });
        break;
      case "Join": {
        const joinForm = checked.joinForms.get(step)!;
        if (joinForm.kind === "streamStream") {
          operations.push(...planStreamStreamJoin(step, joinForm, site));
          break;
        }
        if (joinForm.kind === "streamTable") operations.push(...planStreamTableJoin(step, joinForm, site));
        else throw new Error(`a ${joinForm.kind} join in a stream's pipeline reached the planner`);
        break;
      }
      case "Dedup":
        operations.push(...planDedup(step, site));
        break;
      case "Merge":
        operations.push({ kind: "merge", node, streams: step.streams.map((stream) => stream.name), input });
        break;
      case "GroupBy": {
        // The grouped records reach the aggregation partitioned by their new key.
        const keyFormat = keyFormatFor(keyEncodingOf(checked.types.get(step.key)!));
        // `group by key` needs no repartition unless a rekey came before; either way tombstones
        // and null group keys are dropped before the repartition topic, which carries only what groups.
        const byKey = step.key.kind === "Name" && checked.names.get(step.key)?.kind === "key";
        if (!byKey || input.keyChanged) operations.push({ kind: "groupBy", node, key: step.key, repartition: name, ...keyFormat, input });
        break;
      }
      case "Window":
        window = planWindow(step, checked);
        break;
      case "Count":
      case "Sum":
      case "Aggregate": {
        // What the aggregation makes is what the step after it reads, if one does.
        const next = declaration.steps[index + 1];
        const result = next ? checked.stepInputs.get(next)!.value : shape.value;
        const groupedBy = declaration.steps.slice(0, index).filter((s): s is GroupByStep => s.kind === "GroupBy").at(-1)!.key;
        const storeShape = aggregateShape(window ? "windowed aggregate" : "aggregate", shape.key, shape.keyEncoding, groupedBy, step, result, window && windowText(window));
        operations.push({ kind: "aggregate", node, store: aggregateStore(name, form.afterAggregation), shape: storeShape, aggregation: planAggregation(step, checked), window, input, result });
        break;
      }
    }
  });
  if (form.afterAggregation.length > 0) {
    operations.push({ kind: "materialize", node: `${name}-materialize`, store: name, shape: tableShape(shape.key, shape.keyEncoding, shape.value, window && windowText(window)) });
  }
  return { name, line, start, operations, shape };
}

/** Where a step of a stream's pipeline is planned. */
interface StepSite {
  readonly checked: CheckedFile;
  /** The pipeline's name. */
  readonly pipeline: string;
  /** The step's position in the pipeline, from 0, and its node. */
  readonly index: number;
  readonly node: string;
  /** The operations of the steps before it. */
  readonly earlier: readonly OperationPlan[];
  /** The name of the repartition topic the step goes through, if it needs one. */
  readonly repartition: string;
}

/** A stream joins a table on the key: records whose key changed, or is encoded otherwise, are repartitioned like the table first. */
function planStreamTableJoin(step: JoinStep, form: Extract<JoinForm, { kind: "streamTable" }>, { checked, node, repartition }: StepSite): OperationPlan[] {
  const input = checked.stepInputs.get(step)!;
  const tableShape = checked.shapes.get(step.other.name)!;
  const operations: OperationPlan[] = [];
  if (form.repartitioned) {
    // Keys encoded as the table's topic encodes them land in the partition of the table's row.
    const table = checked.collections.get(step.other.name)!;
    const keyFormat: FormatPlan | undefined =
      table.kind === "Source" ? planFormat(table.keyFormat, tableShape.key) : tableShape.keyEncoding === "string" ? { kind: "string" } : undefined;
    operations.push({ kind: "repartition", name: repartition, ...(keyFormat ? { keyFormat } : {}) });
  }
  operations.push({ kind: "join", node, table: step.other.name, left: step.type === "left", input });
  return operations;
}

/** Dedup keeps state per key: the records must be partitioned by their key, as for a join. The first dedup's store is named after the pipeline. */
function planDedup(step: DedupStep, { checked, pipeline, index, node, earlier, repartition }: StepSite): OperationPlan[] {
  const input = checked.stepInputs.get(step)!;
  const operations: OperationPlan[] = [];
  if (input.keyChanged) operations.push({ kind: "repartition", name: repartition, ...keyFormatFor(keyEncodingOf(input.key)) });
  const firstDedup = !earlier.some((o) => o.kind === "dedup");
  const store = firstDedup ? `${pipeline}-dedup` : `${pipeline}-${index + 1}-dedup`;
  const withinMs = checked.durations.get(step.within)!;
  // Repartitioned (the key changed): keys encoded as the repartition above encodes them.
  const shape = dedupShape(input.key, input.keyChanged ? keyEncodingOf(input.key) : input.keyEncoding, step.by, withinMs);
  operations.push({ kind: "dedup", node, store, shape, withinMs, by: step.by, input });
  return operations;
}

/**
 * A table whose pipeline goes on after its aggregation (`| count | where value > 3`, a
 * HAVING) keeps the aggregation in the store `<table>-aggregate` and its own rows, as
 * any table transformed as a table, in the store named after it.
 */
function aggregateStore(name: string, afterAggregation: readonly Step[]): string {
  return afterAggregation.length > 0 ? `${name}-aggregate` : name;
}

/** A table transformed as a table: stateless steps, then the rows kept in a store named after it. */
function planTablePipeline(declaration: Extract<CollectionDecl, { kind: "Pipeline" }>, checked: CheckedFile): OperationPlan[] {
  const name = declaration.name.name;
  const operations: OperationPlan[] = declaration.steps.map((step, index): OperationPlan => {
    const input = checked.stepInputs.get(step)!;
    const node = `${name}-${index + 1}-${nodeSuffix(step)}`;
    switch (step.kind) {
      case "Where":
        return { kind: "tableFilter", node, condition: step.condition, input };
      case "Select":
        return { kind: "tableMapValues", node, value: step.value, input };
      case "Join":
        if (checked.joinForms.get(step)!.kind === "foreignKey") {
          const subscriptionKey = keyFormatOf(checked.shapes.get(step.other.name)!);
          const foreignKey = checked.types.get(step.on!)!;
          return {
            kind: "foreignKeyJoin",
            node,
            table: step.other.name,
            left: step.type === "left",
            foreignKey: step.on!,
            prefix: name,
            subscriptionKey,
            responseKey: keyFormatOf(input),
            shapes: {
              foreignKeys: foreignKeysShape(input.key, input.keyEncoding, foreignKey),
              subscriptions: subscriptionsShape(foreignKey, subscriptionKey?.kind === "string" ? "string" : "json", input.key),
            },
            input,
          };
        }
        return { kind: "tableJoin", node, table: step.other.name, type: step.type, input };
      default:
        throw new Error(`'${stepName(step)}' on a table reached the planner`);
    }
  });
  const shape = checked.shapes.get(name)!;
  operations.push({ kind: "materialize", node: `${name}-materialize`, store: name, shape: tableShape(shape.key, shape.keyEncoding, shape.value) });
  return operations;
}

/** `group by EXPR | <aggregation>` on a table: the repartition topic and the store are named after the table, as a stream's aggregation's. */
function planGroupedTable(declaration: Extract<CollectionDecl, { kind: "Pipeline" }>, after: readonly Step[], checked: CheckedFile): OperationPlan[] {
  const name = declaration.name.name;
  const [group, aggregation] = declaration.steps as [GroupByStep, CountStep | SumStep | AggregateStep];
  const shape = checked.shapes.get(name)!;
  const result = after[0] ? checked.stepInputs.get(after[0])!.value : shape.value;
  const operations: OperationPlan[] = [
    { kind: "tableGroupBy", node: `${name}-1-${nodeSuffix(group)}`, key: group.key, repartition: name, ...keyFormatFor(keyEncodingOf(checked.types.get(group.key)!)), input: checked.stepInputs.get(group)! },
    {
      kind: "tableAggregate",
      node: `${name}-2-${nodeSuffix(aggregation)}`,
      store: aggregateStore(name, after),
      shape: aggregateShape("table aggregate", shape.key, shape.keyEncoding, group.key, aggregation, result, undefined),
      aggregation: planAggregation(aggregation, checked),
      input: checked.stepInputs.get(aggregation)!,
      result,
    },
  ];
  after.forEach((step, index) => {
    const node = `${name}-${index + 3}-${nodeSuffix(step)}`;
    const input = checked.stepInputs.get(step)!;
    if (step.kind === "Where") operations.push({ kind: "tableFilter", node, condition: step.condition, input });
    else if (step.kind === "Select") operations.push({ kind: "tableMapValues", node, value: step.value, input });
    else throw new Error(`'${stepName(step)}' after a grouped table's aggregation reached the planner`);
  });
  if (after.length > 0) operations.push({ kind: "materialize", node: `${name}-materialize`, store: name, shape: tableShape(shape.key, shape.keyEncoding, shape.value) });
  return operations;
}

/** The format that encodes keys as the topic partitioning these records does: text, or JSON (the default). */
function keyFormatOf(shape: Shape): FormatPlan | undefined {
  return shape.keyEncoding === "string" ? { kind: "string" } : undefined;
}

/** An internal topic's `keyFormat`: given for text keys only, as JSON is the runtime's default. */
function keyFormatFor(encoding: KeyEncoding | undefined): { keyFormat?: FormatPlan } {
  return encoding === "string" ? { keyFormat: { kind: "string" } } : {};
}

/**
 * Whether an expression reads the record's value (a field, `value`, a joined
 * table's value): if not, it can be computed for a tombstone, which has none.
 */
export function readsValue(expr: Expr, checked: Pick<CheckedFile, "names">): boolean {
  switch (expr.kind) {
    case "Name": {
      const binding = checked.names.get(expr);
      return binding === undefined || binding.kind === "value" || binding.kind === "field" || binding.kind === "joined";
    }
    case "Member":
      return readsValue(expr.object, checked);
    case "Index":
      return readsValue(expr.object, checked) || readsValue(expr.index, checked);
    case "Call":
      return expr.args.some((arg) => readsValue(arg, checked));
    case "Unary":
      return readsValue(expr.operand, checked);
    case "Binary":
      return readsValue(expr.left, checked) || readsValue(expr.right, checked);
    case "If":
      return readsValue(expr.condition, checked) || readsValue(expr.then, checked) || readsValue(expr.else, checked);
    case "Record":
      return expr.fields.some((field) => readsValue(field.value, checked));
    case "List":
      return expr.elements.some((element) => readsValue(element, checked));
    case "In":
      return readsValue(expr.value, checked) || readsValue(expr.list, checked);
    case "Between":
      return readsValue(expr.value, checked) || readsValue(expr.low, checked) || readsValue(expr.high, checked);
    case "NumberLiteral":
    case "StringLiteral":
    case "BooleanLiteral":
    case "NullLiteral":
    case "Error":
      return false;
  }
}

/**
 * Both sides must reach the join partitioned alike: equal keys, encoded alike.
 * A side whose key changed is repartitioned first, its key encoded as the other
 * side's topic encodes it (JSON when both are repartitioned); when neither key
 * changed but the two topics encode keys differently, this side is repartitioned
 * with the other's encoding (streamJoinKeyEncoding in check.ts says which).
 */
function planStreamStreamJoin(step: JoinStep, { window, repartitioned }: Extract<JoinForm, { kind: "streamStream" }>, { checked, pipeline, index, node, earlier, repartition }: StepSite): OperationPlan[] {
  const other = step.other.name;
  const input = checked.stepInputs.get(step)!;
  const otherShape = checked.shapes.get(other)!;
  const encoding = streamJoinKeyEncoding(input, otherShape);
  const keyFormat = keyFormatFor(encoding);
  const operations: OperationPlan[] = [];
  if (repartitioned) {
    operations.push({ kind: "repartition", name: repartition, ...keyFormat });
  }
  // The first stream-stream join of a pipeline names its stores (and the other side's repartition) after the pipeline; a later one adds its position.
  const firstJoin = !earlier.some((o) => o.kind === "streamJoin");
  const prefix = firstJoin ? pipeline : `${pipeline}-${index + 1}`;
  let otherRepartition: { name: string; keyFormat?: FormatPlan } | undefined;
  if (otherShape.keyChanged || otherShape.keyEncoding !== encoding) {
    otherRepartition = { name: `${prefix}-${other}`, ...keyFormat };
  }
  operations.push({
    kind: "streamJoin",
    node,
    other,
    type: step.type,
    window,
    stores: { this: `${prefix}-join-this`, other: `${prefix}-join-other` },
    shapes: {
      this: joinBufferShape(input.key, encoding, input.value, step.type, window),
      other: joinBufferShape(otherShape.key, encoding, otherShape.value, step.type, window),
    },
    otherRepartition,
    input,
  });
  return operations;
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
  const node = topic !== undefined ? `${sink.input.name}-to-${topic}` : pickingSinkName(sink, checked);
  const topicReadsValue = topic === undefined && readsValue(sink.topic, checked);
  // The checker checked the topic of a sink over deletes with a value that may be null (see checkSink).
  const tombstones = checked.tableDeletes.has(sink.input.name);
  const perRecord = topic === undefined || sink.headers !== undefined;
  return {
    node,
    line,
    input: sink.input.name,
    topic,
    topicExpr: topic === undefined ? sink.topic : undefined,
    topicReadsValue,
    tombstones,
    topicOfTombstones: topic === undefined && (tombstones || !topicReadsValue),
    headers: sink.headers,
    keyFormat: sink.keyFormat ? planFormat(sink.keyFormat, shape.key) : defaultFormat(shape.key),
    windowedKey: sink.windowedKey ? shape.window : undefined,
    valueFormat: sink.valueFormat ? planFormat(sink.valueFormat, value) : defaultFormat(value),
    value: sink.value,
    valueNode: sink.value && !perRecord ? `${node}-value` : undefined,
    shape,
  };
}

/**
 * `<input>-to-topic-per-record`, numbered from the second such sink of the same input on,
 * skipping a name a fixed sink already has (`sink orders to topic "topic-per-record"`).
 */
function pickingSinkName(sink: SinkDecl, checked: CheckedFile): string {
  const sameInput = checked.sinks.filter((other) => other.input.name === sink.input.name);
  const taken = new Set(sameInput.flatMap((other) => (fixedTopic(other) ? [`${sink.input.name}-to-${fixedTopic(other)!.value}`] : [])));
  const base = `${sink.input.name}-to-topic-per-record`;
  let number = 0;
  let name = base;
  for (const picking of sameInput.filter((other) => !fixedTopic(other))) {
    do {
      number++;
      name = number > 1 ? `${base}-${number}` : base;
    } while (taken.has(name));
    if (picking === sink) return name;
  }
  return name;
}

function planFormat(format: FormatRef, type: Type): FormatPlan {
  return format.name === "string" ? { kind: "string" } : { kind: "json", schema: format.schema?.name, type };
}

/** A sink's key or value without a declared format: the key encoding rule (key-encoding.ts) decides. */
function defaultFormat(type: Type): FormatPlan {
  return keyEncodingOf(type) === "string" ? { kind: "string" } : { kind: "json", schema: undefined, type: type.kind === "error" ? Types.any : type };
}

/** Node names use the step's keyword, with dashes: `counts-1-group-by`. */
function nodeSuffix(step: Step): string {
  return stepName(step).replaceAll(" ", "-");
}
