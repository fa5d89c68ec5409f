// Phase 2: types. Gives every schema its record type, every stream and table its
// shape (key type, value type, stream or table), every expression its type, and
// reports what does not fit, on the node that does not fit. Validators are named
// checkXxx and report through the DiagnosticBag; nothing here knows positions.
import type {
  AggregateStep,
  BetweenExpr,
  BranchDecl,
  CallExpr,
  DedupStep,
  Duration,
  Expr,
  FormatRef,
  GroupByStep,
  Identifier,
  IndexExpr,
  InExpr,
  JoinStep,
  JoinType,
  JoinWindowClause,
  MergeStep,
  NameExpr,
  PipelineDecl,
  RecordExpr,
  SchemaDecl,
  SinkDecl,
  SourceDecl,
  SelectStep,
  Step,
  StringLiteral,
  TypeRef,
  WhereStep,
  WindowStep,
} from "../grammar/ast.ts";
import { fixedTopic } from "../grammar/ast.ts";
import { expression as formatExpression } from "../grammar/format.ts";
import { durationMs, durationText, isTimeUnit, msText, timeUnits } from "./durations.ts";
import { aggregateFunctions, builtinFunctions, isAggregateFunction, isBuiltinFunction, type AggregateFunctionName, type FunctionSignature } from "./builtins.ts";
import { DiagnosticBag, type ReportOptions } from "./diagnostics.ts";
import { keyEncodingOf, type KeyEncoding } from "./key-encoding.ts";
import { commonNonNull, forget, isKnownNonNull, nonNullWhen, pathOf, withNonNull, type NonNullPaths } from "./narrowing.ts";
import { didYouMean, orList, shortList, suggest } from "../runtime/suggest.ts";
import type { BranchStreamDecl, CollectionDecl, ResolvedFile } from "./resolve.ts";
import { aliasTarget } from "./resolve.ts";
import {
  Types,
  arithmeticType,
  describeType,
  fieldOf,
  isAssignable,
  isNullable,
  isNumeric,
  isUnchecked,
  nonNull,
  sameType,
  typeToString,
  unify,
  type RecordType,
  type Type,
} from "./types.ts";

/** What a collection carries: its key and value types, and whether it is a stream or a table. */
export interface Shape {
  readonly collection: "stream" | "table";
  readonly key: Type;
  readonly value: Type;
  /**
   * The key was changed since the records were last partitioned (by `rekey`):
   * a stateful step must repartition first.
   */
  readonly keyChanged: boolean;
  /**
   * The records' window, after a windowed aggregation: the table's key is
   * (key, window), and `window.start` / `window.end` can be read.
   */
  readonly window?: "time" | "session" | undefined;
  /**
   * Tables joined in this pipeline, by name, with the type their name has in
   * expressions (nullable after a left join). A join brings a table's name into
   * the steps after it, up to and including the first step that is not `where`.
   */
  readonly joined?: ReadonlyMap<string, Type> | undefined;
  /**
   * How the key was encoded in the topic that last partitioned the records: a
   * source topic's key format; for a repartition topic, keyEncodingOf its key's
   * type (key-encoding.ts), unless a join chose its partner's. Records with
   * equal keys share a partition only when their keys are encoded alike.
   */
  readonly keyEncoding?: KeyEncoding | undefined;
  /**
   * Paths known not to be null here (`value.note` after `where note != null`): reading
   * one gives its type without "or null". See narrowing.ts.
   */
  readonly nonNull?: NonNullPaths | undefined;
}

/** `window` in an expression: its start and end, in epoch milliseconds. */
export const windowType: RecordType = Types.record([
  { name: "start", type: Types.timestamp },
  { name: "end", type: Types.timestamp },
]);

export type NameBinding =
  | { readonly kind: "key" | "value" | "timestamp" | "window" }
  /** `valueMayBeNull`: after an outer join (of streams or tables), the record may have no value of its own, so the field may be null. */
  | { readonly kind: "field"; readonly name: string; readonly valueMayBeNull?: boolean }
  /** The value of a table joined earlier in the pipeline. */
  | { readonly kind: "joined"; readonly table: string; readonly type: Type };

/**
 * How a join step runs. The checker decides it, from what the other side is
 * (a stream or a table, and whether the step has `on`); the plan reads it.
 */
export type JoinForm =
  /** Kafka Streams' KStream-KTable join on the key. */
  | { readonly kind: "streamTable" }
  /** A windowed KStream-KStream join (JoinWindows). */
  | { readonly kind: "streamStream"; readonly window: JoinWindowMs }
  /** KTable-KTable join on the key. */
  | { readonly kind: "tableTable" }
  /** KTable-KTable foreign-key join (KIP-213). */
  | { readonly kind: "foreignKey" };

/**
 * A stream-stream join's window in milliseconds, as Kafka Streams' JoinWindows:
 * a left record at t joins the right records at [t - beforeMs, t + afterMs].
 */
export interface JoinWindowMs {
  readonly beforeMs: number;
  readonly afterMs: number;
  readonly graceMs: number;
}

export type CallBinding =
  | { readonly kind: "builtin"; readonly name: string }
  | { readonly kind: "import"; readonly name: string }
  | { readonly kind: "aggregate"; readonly name: AggregateFunctionName }
  /** An imported aggregate (an object with init and add). */
  | { readonly kind: "userAggregate"; readonly name: string };

export interface CheckedFile extends ResolvedFile {
  readonly schemaTypes: ReadonlyMap<string, RecordType>;
  /** The shape of each collection, by name. */
  readonly shapes: ReadonlyMap<string, Shape>;
  /** The shape of the records each step receives. */
  readonly stepInputs: ReadonlyMap<Step, Shape>;
  readonly types: ReadonlyMap<Expr, Type>;
  readonly names: ReadonlyMap<NameExpr, NameBinding>;
  readonly calls: ReadonlyMap<CallExpr, CallBinding>;
  /**
   * Names and fields whose type may be null but which a null check made non-null here: the
   * emitter asserts them (`record.value.note!`), as TypeScript cannot follow weir's checks.
   */
  readonly narrowed: ReadonlySet<Expr>;
  /** The shape of the records each branch receives (the arms' streams have it too). */
  readonly branchInputs: ReadonlyMap<BranchDecl, Shape>;
  /** The durations of windows, in milliseconds (only valid ones). */
  readonly durations: ReadonlyMap<Duration, number>;
  /** How each join step runs, decided here once (for the joins without errors): plan and emit read it. */
  readonly joinForms: ReadonlyMap<JoinStep, JoinForm>;
  /** Collections in an order where each comes after the one it reads. */
  readonly order: readonly string[];
}

/** The names every record has, whatever its value: they take precedence over value fields. */
const recordNames = ["key", "value", "timestamp"] as const;

export function checkFile(resolved: ResolvedFile, bag: DiagnosticBag): CheckedFile {
  return new Checker(resolved, bag).run();
}

class Checker {
  private readonly schemaTypes = new Map<string, RecordType>();
  private readonly shapes = new Map<string, Shape>();
  private readonly stepInputs = new Map<Step, Shape>();
  private readonly types = new Map<Expr, Type>();
  private readonly names = new Map<NameExpr, NameBinding>();
  /** The sink input whose deletes the topic being checked must route (see checkTopic), or undefined. */
  private checkingDeleteTopic: string | undefined;
  private readonly calls = new Map<CallExpr, CallBinding>();
  private readonly narrowed = new Set<Expr>();
  private readonly durations = new Map<Duration, number>();
  private readonly joinForms = new Map<JoinStep, JoinForm>();
  private readonly branchInputs = new Map<BranchDecl, Shape>();
  /** Branches already checked (each is checked once, whichever arm is reached first). */
  private readonly checkedBranches = new Set<BranchDecl>();
  private readonly order: string[] = [];
  private readonly inProgress = new Set<string>();
  /** The collections being checked, each reading the next: a name met again closes a cycle. */
  private readonly path: string[] = [];
  /** Collections already checked, with or without a shape: each is checked (and reported) once. */
  private readonly done = new Set<string>();

  constructor(
    private readonly resolved: ResolvedFile,
    private readonly bag: DiagnosticBag,
  ) {}

  run(): CheckedFile {
    for (const schema of this.resolved.schemas.values()) this.schemaType(schema.name.name);
    for (const schema of this.resolved.schemas.values()) this.checkSchemaFields(schema);
    this.checkSources();
    for (const name of this.resolved.collections.keys()) this.shapeOf(name);
    // A branch without arms declares no stream, so no shape reaches it: check it here.
    for (const declaration of this.resolved.file.declarations) if (declaration.kind === "Branch") this.checkBranch(declaration);
    for (const sink of this.resolved.sinks) this.checkSink(sink);
    this.checkUnused();
    return {
      ...this.resolved,
      schemaTypes: this.schemaTypes,
      shapes: this.shapes,
      stepInputs: this.stepInputs,
      types: this.types,
      names: this.names,
      calls: this.calls,
      narrowed: this.narrowed,
      durations: this.durations,
      joinForms: this.joinForms,
      branchInputs: this.branchInputs,
      order: this.order,
    };
  }

  // ------------------------------------------------------------ schemas

  private schemaType(name: string, visiting = new Set<string>()): Type {
    const known = this.schemaTypes.get(name);
    if (known) return known;
    const schema = this.resolved.schemas.get(name);
    // A schema that contains itself has no finite JSON shape to check: checked at run time only.
    if (!schema || visiting.has(name)) return Types.any;
    visiting.add(name);
    const fields = schema.fields.map((field) => {
      const type = this.typeFromRef(field.type, visiting);
      return { name: field.name.name, type: field.optional ? Types.nullable(type) : type };
    });
    const type = Types.record(fields, name);
    this.schemaTypes.set(name, type);
    return type;
  }

  private typeFromRef(ref: TypeRef, visiting: Set<string>): Type {
    switch (ref.kind) {
      case "PrimitiveType":
        return Types[ref.name];
      case "ListType":
        return Types.list(this.typeFromRef(ref.element, visiting));
      case "MapType":
        // The key type is string (resolve.ts reports any other): only the values' type is kept.
        return Types.map(this.typeFromRef(ref.value, visiting));
      case "NamedType":
        return this.schemaType(ref.name.name, visiting);
    }
  }

  private checkSchemaFields(schema: SchemaDecl): void {
    const seen = new Set<string>();
    for (const field of schema.fields) {
      if (seen.has(field.name.name)) this.bag.report("duplicateField", field.name, [field.name.name]);
      this.checkFieldName(field.name);
      seen.add(field.name.name);
    }
  }

  private checkFieldName(name: Identifier): void {
    if (name.name === "__proto__") this.bag.report("reservedFieldName", name, [name.name], { hint: "rename the field" });
  }

  /** The changelog, repartition and dead-letter topics of this application. */
  private isInternalTopic(topic: string): boolean {
    const prefix = `${this.resolved.application}-`;
    return topic === `${prefix}dlq` || (topic.startsWith(prefix) && (topic.endsWith("-changelog") || topic.endsWith("-repartition")));
  }

  private checkSources(): void {
    const readers = new Map<string, SourceDecl>();
    for (const collection of this.resolved.collections.values()) {
      if (collection.kind !== "Source") continue;
      const first = readers.get(collection.topic.value);
      if (first) {
        this.bag.report("duplicateSource", collection.topic, [collection.topic.value, first.name.name], {
          hint: `read the topic once, and derive the second stream from the first: stream ${collection.name.name} = ${first.name.name} | ...`,
          related: [{ message: "read here", node: first.topic }],
        });
      } else {
        readers.set(collection.topic.value, collection);
      }
    }
  }

  private formatType(format: FormatRef): Type {
    if (format.name === "string") return Types.string;
    return format.schema ? this.schemaType(format.schema.name) : Types.any;
  }

  // ------------------------------------------------------------ collections

  private shapeOf(name: string): Shape | undefined {
    if (this.done.has(name)) return this.shapes.get(name);
    const declaration = this.resolved.collections.get(name);
    if (!declaration) return undefined;
    if (this.inProgress.has(name)) {
      this.checkCycle(name, declaration);
      return undefined;
    }
    this.inProgress.add(name);
    this.path.push(name);
    const shape =
      declaration.kind === "Source" ? this.checkSource(declaration) : declaration.kind === "BranchStream" ? this.checkBranchStream(declaration) : this.checkPipeline(declaration);
    this.path.pop();
    this.inProgress.delete(name);
    this.done.add(name);
    if (shape) {
      this.shapes.set(name, shape);
      this.order.push(name);
    }
    return shape;
  }

  private checkSource(source: SourceDecl): Shape {
    const value = this.formatType(source.valueFormat);
    if (source.eventTime && source.eventTime.name !== "") this.checkEventTime(source, value);
    return { collection: source.collection, key: this.formatType(source.keyFormat), value, keyChanged: false, keyEncoding: source.keyFormat.name === "string" ? "string" : "json" };
  }

  /** `stream a = b | ...` with `stream b = a | ...`: records would go round for ever. A collection reading itself directly is WEIR2013. */
  private checkCycle(name: string, declaration: CollectionDecl): void {
    const cycle = this.path.slice(this.path.indexOf(name));
    if (cycle.length < 2) return;
    this.bag.report("cyclicReference", declaration.name, [name, [...cycle, name].join(" → ")], {
      hint: "a stream can only read streams declared from sources, without coming back to itself",
    });
  }

  /** An arm of a branch carries the branch's input records: same key, value and partitioning. */
  private checkBranchStream(declaration: BranchStreamDecl): Shape | undefined {
    this.checkBranch(declaration.branch);
    const input = this.branchInputs.get(declaration.branch);
    return input ? { ...input, collection: "stream" } : undefined;
  }

  private checkBranch(branch: BranchDecl): void {
    if (this.checkedBranches.has(branch)) return;
    this.checkedBranches.add(branch);
    if (branch.arms.length === 0) {
      this.bag.report("emptyBranch", branch, [], { hint: `for example: branch ${branch.input.name || "orders"} { big: amount > 100, small: else }` });
    }
    const input = this.shapeOf(branch.input.name);
    if (!input) return;
    if (input.collection === "table") {
      this.bag.report("needsStream", branch.input, [branch.input.name, "'branch'"], {
        hint: `branch the table's changes: declare 'stream ${branch.input.name}Changes = ${branch.input.name}' and branch that`,
      });
      return;
    }
    branch.arms.forEach((arm, index) => {
      if (arm.condition) this.checkCondition(arm.condition, input, `the condition of the arm '${arm.name.name}'`);
      else if (index < branch.arms.length - 1) {
        this.bag.report("elseNotLast", arm, [arm.name.name], { hint: "move it to the end: each record goes to the first arm whose condition holds, else to 'else'" });
      }
    });
    this.branchInputs.set(branch, { ...input, joined: undefined });
  }

  private checkEventTime(source: SourceDecl, value: Type): void {
    const field = source.eventTime!;
    if (value.kind !== "record") {
      this.bag.report("eventTimeNeedsSchema", field, [], { hint: "declare the value as 'value json SCHEMA'" });
      return;
    }
    const found = fieldOf(value, field.name);
    if (!found) {
      const names = value.fields.map((f) => f.name);
      const hint = didYouMean(field.name, names) ?? `its fields are ${names.join(", ")}`;
      this.bag.report("unknownField", field, [field.name, describeType(value)], { hint });
    } else if (!isNumeric(found.type)) {
      this.bag.report("eventTimeType", field, [field.name, describeType(found.type)]);
    }
  }

  /** `where COND`, on a stream or a table: what passes is what the condition holds for, so its null checks narrow. */
  private checkWhere(step: WhereStep, shape: Shape): Shape {
    this.checkCondition(step.condition, shape, "the condition of 'where'");
    return { ...shape, nonNull: withNonNull(shape.nonNull, nonNullWhen(step.condition, true, this.names)) };
  }

  private checkPipeline(pipeline: PipelineDecl): Shape | undefined {
    // Reading itself directly was reported when names were resolved (WEIR2013).
    const input = this.shapeOf(pipeline.input.name);
    if (!input) return undefined;
    let shape: Shape = input;
    if (input.collection === "table" && pipeline.collection === "table" && pipeline.steps.length > 0) return this.checkTablePipeline(pipeline, input);
    // A stream declared over a table is the table's stream of changes.
    if (input.collection === "table" && pipeline.steps.length > 0) shape = { ...input, collection: "stream" };
    let grouped: { readonly step: Step } | undefined;
    let windowed: WindowStep | undefined;
    /** A window without a group by was reported: the aggregation after it is not reported again. */
    let ungroupedWindow = false;
    let aggregated: Step | undefined;
    for (const step of pipeline.steps) {
      this.stepInputs.set(step, shape);
      // `where` and `select` after an aggregation, in a table's pipeline, transform the aggregated table as a table (a HAVING).
      if (aggregated && !(pipeline.collection === "table" && isTableStepAfterAggregation(step))) {
        this.bag.report("stepAfterAggregate", step, [stepName(step)], { hint: stepAfterAggregateHint(pipeline) });
        break;
      }
      if (windowed && !isAggregation(step)) {
        this.bag.report("windowWithoutAggregate", windowed, [], { hint: "for example: | window tumbling 1 minute | aggregate { total: sum(amount), count: count() }" });
        windowed = undefined;
        grouped = undefined;
      }
      if (grouped && !isAggregation(step) && step.kind !== "Window") {
        this.bag.report("groupWithoutAggregate", grouped.step, [], { hint: "for example: | group by customerId | count" });
        grouped = undefined;
      }
      // The names a join brought in are read by this step and forgotten after it, unless it is a `where`.
      const joined = step.kind === "Where" || step.kind === "Join" ? shape.joined : undefined;
      switch (step.kind) {
        case "Where":
          shape = this.checkWhere(step, shape);
          break;
        case "Join":
          shape = withJoinedName(step, this.isStreamStreamJoin(step) ? this.checkStreamStreamJoin(step, shape, pipeline) : this.checkJoin(step, shape));
          break;
        case "Dedup":
          shape = this.checkDedup(step, shape);
          break;
        case "Merge":
          shape = this.checkMerge(step, shape);
          break;
        case "Select":
          shape = { ...shape, value: this.checkExpr(step.value, shape), nonNull: forget(shape.nonNull, "value") };
          break;
        case "FlatMap": {
          const type = this.checkExpr(step.values, shape);
          if (type.kind === "list") shape = { ...shape, value: type.element, nonNull: forget(shape.nonNull, "value") };
          else {
            if (!isUnchecked(type)) this.bag.report("notAList", step.values, [describeType(type)], { hint: "split(text, \" \") and extractAll(text, pattern) make lists" });
            shape = { ...shape, value: Types.any, nonNull: forget(shape.nonNull, "value") };
          }
          break;
        }
        case "Rekey":
          // A new key leaves the window behind: it was part of the old key.
          shape = { ...shape, key: this.checkExpr(step.key, shape), keyChanged: true, window: undefined, nonNull: forget(shape.nonNull, "key") };
          break;
        case "GroupBy": {
          const byKey = step.key.kind === "Name" && step.key.name.name === "key";
          // Records whose group key is null are dropped (an aggregation has no group for them): the key is never null after.
          const key = nonNull(this.checkExpr(step.key, shape));
          shape = { ...shape, key, keyChanged: shape.keyChanged || !byKey, window: undefined, nonNull: byKey ? shape.nonNull : forget(shape.nonNull, "key") };
          grouped = { step };
          break;
        }
        case "Window":
          this.checkWindow(step, pipeline);
          if (!grouped) {
            this.bag.report("windowWithoutGroup", step, [], { hint: "group first: '| group by customerId | window ...'; '| group by key' keeps the key" });
            ungroupedWindow = true;
          } else {
            windowed = step;
          }
          break;
        case "Count":
        case "Sum":
        case "Aggregate": {
          if (!grouped && !ungroupedWindow) {
            this.bag.report("aggregateWithoutGroup", step, [stepName(step)], {
              hint: "group first: '| group by key' aggregates per key, '| group by EXPR' per another key",
            });
          }
          const value = this.checkAggregation(step, shape, windowed);
          const window = windowed ? (windowed.type === "session" ? "session" : "time") : undefined;
          // The aggregation reads a repartition topic when the key changed, else its input's partitions.
          const keyEncoding = shape.keyChanged ? keyEncodingOf(shape.key) : shape.keyEncoding;
          // The group key is kept; a null check on it still holds (records with a null key are dropped anyway).
          shape = { collection: "table", key: shape.key, value, keyChanged: false, window, keyEncoding, nonNull: forget(forget(shape.nonNull, "value"), "joined") };
          grouped = undefined;
          windowed = undefined;
          aggregated = step;
          break;
        }
      }
      if (step.kind !== "Join") shape = { ...shape, joined };
    }
    shape = { ...shape, joined: undefined };
    if (windowed) {
      this.bag.report("windowWithoutAggregate", windowed, [], { hint: "for example: | window tumbling 1 minute | aggregate { total: sum(amount), count: count() }" });
    } else if (grouped) {
      this.bag.report("groupWithoutAggregate", grouped.step, [], { hint: "for example: | group by customerId | count" });
    }
    if (shape.collection !== pipeline.collection) {
      this.bag.report("collectionMismatch", pipeline.name, [pipeline.collection, shape.collection], {
        hint:
          shape.collection === "table"
            ? `an aggregation makes a table: write 'table ${pipeline.name.name} = ...'`
            : "a table is made by an aggregation: '| group by EXPR | count', '| sum EXPR' or '| aggregate { ... }'",
      });
    }
    return shape;
  }

  /** `within`, or another stream on the right: a windowed stream-stream join (`on` is a join of another kind). */
  private isStreamStreamJoin(step: JoinStep): boolean {
    return step.on === undefined && (step.within !== undefined || this.resolved.collections.get(step.other.name)?.collection === "stream");
  }

  /**
   * A windowed stream-stream join on the key (Kafka Streams' JoinWindows):
   * the other side must be another stream keyed like this one, and `within`
   * says how far apart in time two records may be to join.
   */
  private checkStreamStreamJoin(step: JoinStep, shape: Shape, pipeline: PipelineDecl): Shape {
    const name = step.other.name;
    const window = step.within ? this.checkJoinWindow(step.within, step.grace) : undefined;
    if (aliasTarget(name, this.resolved.collections) === aliasTarget(pipeline.input.name, this.resolved.collections)) {
      this.bag.report("selfJoin", step.other, [name], {
        hint: `every record would join with itself; to pair different records of one stream, join two streams derived from it: stream a = ${name} | where ..., then '| join a within ...'`,
      });
      return shape;
    }
    const other = this.shapeOf(name);
    if (!other) return shape;
    if (other.collection === "table") {
      this.bag.report("withinOnTableJoin", step.within!, [name], {
        hint: `a stream joins a table on the key, with the table's value as of each record: '| ${step.type === "inner" ? "join" : "left join"} ${name}' without 'within'`,
      });
      return shape;
    }
    if (!step.within) {
      this.bag.report("joinNotATable", step.other, [name, "joining a stream needs a time window ('within')"], {
        hint: `'within' is required for stream-stream joins: '| ${stepName(step)} ${name} within 5 minutes' pairs records whose timestamps are at most 5 minutes apart; to look up the latest value per key instead, declare ${name} as a table: table ${name} from topic ...`,
      });
      return shape;
    }
    if (!isUnchecked(shape.key) && !isUnchecked(other.key) && !sameType(nonNull(shape.key), nonNull(other.key))) {
      this.bag.report("streamJoinKeyType", step.other, [describeType(shape.key), name, describeType(other.key)], {
        hint: `a join matches keys: rekey one stream by what holds the other's key first, e.g. '| rekey ${guessKeyField(shape.value, name)} | join ${name} within ...'`,
      });
    }
    if (window) this.joinForms.set(step, { kind: "streamStream", window });
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
    return { ...shape, value, keyChanged: false, window: undefined, joined, keyEncoding: streamJoinKeyEncoding(shape, other), nonNull: stillKnown };
  }

  /**
   * `within D` (D either way) or `within B before and A after`, and `grace`:
   * the window in milliseconds, or undefined when a duration is wrong (reported).
   * Each bound may be 0 (`within 10 seconds before` is `... and 0 s after`), not
   * negative; together they must be longer than 0, as `within D` must.
   */
  private checkJoinWindow(within: JoinWindowClause, graceClause: Duration | undefined): JoinWindowMs | undefined {
    const grace = graceClause ? this.checkDuration(graceClause) : 0;
    if (graceClause && grace !== undefined && grace < 0) {
      this.bag.report("negativeGrace", graceClause, [durationText(graceClause)], { hint: "grace 0s closes a join window as soon as stream time passes it" });
    }
    let before: number | undefined;
    let after: number | undefined;
    if (within.both) {
      before = after = this.checkDuration(within.both);
      if (before !== undefined && before <= 0) {
        this.bag.report("durationNotPositive", within.both, ["the join window ('within')", durationText(within.both)], {
          hint: "records join when their timestamps are at most this far apart: 'within 5 minutes'",
        });
        return undefined;
      }
    } else {
      const bound = (duration: Duration | undefined, which: "before" | "after"): number | undefined => {
        if (!duration) return 0;
        const ms = this.checkDuration(duration);
        if (ms === undefined || ms >= 0) return ms;
        this.bag.report("negativeJoinBound", duration, [which, durationText(duration)], {
          hint: `'before' is how much earlier, 'after' how much later, the other stream's records may be: for only later records write 'within 5 seconds after' (0 before)`,
        });
        return undefined;
      };
      before = bound(within.before, "before");
      after = bound(within.after, "after");
      if (before !== undefined && after !== undefined && before + after <= 0) {
        this.bag.report("durationNotPositive", within, ["the join window ('within')", joinWindowText(within)], {
          hint: "records join when the other's timestamp is in the window: 'within 10 seconds before' joins the records of the 10 seconds before each record",
        });
        return undefined;
      }
    }
    if (before === undefined || after === undefined || grace === undefined || grace < 0) return undefined;
    return { beforeMs: before, afterMs: after, graceMs: grace };
  }

  /** A stream-table join on the key: any table that is not windowed, keyed like the stream. */
  private checkJoin(step: JoinStep, shape: Shape): Shape {
    const name = step.other.name;
    if (step.type === "outer") {
      // Kafka Streams has no stream-table outer join: a table's update joins no record.
      this.bag.report("joinFormNotSupported", step, ["an outer join of a stream with a table", "not supported"], {
        hint: `Kafka Streams has none either (a table's update is not an event to join): '| left join ${name}' keeps every record, with null for a missing row`,
      });
      return shape;
    }
    if (step.type === "right") {
      // As in ksqlDB, which refuses RIGHT JOIN between a stream and a table: each result is a stream record's.
      this.bag.report("joinFormNotSupported", step, ["a right join of a stream with a table", "not supported"], {
        hint: `a stream-table join makes one result per record of the stream, and a table row alone has no record to make it: '| left join ${name}' keeps every record, with null for a missing row; to follow ${name}'s rows, declare a stream over them: stream ${name}Changes = ${name}`,
      });
      return shape;
    }
    if (step.on) {
      const other = this.resolved.collections.get(name)?.collection;
      this.bag.report("joinFormNotSupported", step, ["a join of a stream 'on' an expression", "not supported yet"], {
        hint: `a stream joins on its key: rekey it by the expression first, '| rekey ${formatExpression(step.on)} | ${stepName(step)} ${name}${other === "stream" ? " within 5 minutes" : ""}'`,
      });
      return shape;
    }
    const declaration = this.resolved.collections.get(name);
    const table = this.shapeOf(name);
    if (!declaration || !table) return shape;
    // A join reaches here with a stream only when that stream was declared a table by mistake (WEIR4004 said so).
    if (table.collection !== "table") return shape;
    if (table.window) {
      this.reportWindowedTable(step.other, name);
      return shape;
    }
    if (!isUnchecked(shape.key) && !isUnchecked(table.key) && !sameType(nonNull(shape.key), table.key)) {
      this.bag.report("joinKeyType", step.other, [describeType(shape.key), name, describeType(table.key)], {
        hint: `a join matches the stream's key with the table's: rekey the stream first, by the field that holds the key of '${name}', e.g. '| rekey ${guessKeyField(shape.value, name)} | join ${name}'`,
      });
    }
    this.joinForms.set(step, { kind: "streamTable" });
    const joined = new Map(shape.joined ?? []);
    joined.set(name, step.type === "left" ? Types.nullable(table.value) : table.value);
    // A join after a rekey (or of a stream whose keys are encoded otherwise) reads the
    // stream through a repartition topic, partitioned like the table.
    return { ...shape, keyChanged: false, window: undefined, joined, keyEncoding: table.keyEncoding, nonNull: forget(shape.nonNull, `joined.${name}`) };
  }

  private reportWindowedTable(at: Identifier, name: string): void {
    this.bag.report("windowedTableAsTable", at, [name], {
      hint: `declare a stream over its changes and use that: stream ${name}Changes = ${name} | ...`,
    });
  }

  /**
   * A table transformed as a table (Kafka Streams' KTable filter, mapValues and
   * table-table joins): each step keeps the key, and the result is a table kept
   * in its own store. Steps that would change the keys or aggregate are refused.
   */
  private checkTablePipeline(pipeline: PipelineDecl, input: Shape): Shape | undefined {
    // A windowed table's rows are per key and window: they can be filtered and mapped (keeping
    // their window), not looked up by key to join or regroup.
    const keyedByWindow = input.window ? pipeline.steps.find((step) => step.kind === "Join" || step.kind === "GroupBy") : undefined;
    if (keyedByWindow) {
      this.reportWindowedTable(pipeline.input, pipeline.input.name);
      return undefined;
    }
    let shape: Shape = { ...input, joined: undefined };
    if (pipeline.steps[0]?.kind === "GroupBy") return this.checkGroupedTable(pipeline, shape);
    /** An outer or right join whose rows no select has made whole yet: a row may have no value of its own. */
    let outer: JoinStep | undefined;
    for (const [index, step] of pipeline.steps.entries()) {
      this.stepInputs.set(step, shape);
      const joined = step.kind === "Where" || step.kind === "Join" ? shape.joined : undefined;
      switch (step.kind) {
        case "Where":
          shape = this.checkWhere(step, shape);
          break;
        case "Select":
          shape = { ...shape, value: this.checkExpr(step.value, shape), nonNull: forget(shape.nonNull, "value") };
          outer = undefined;
          break;
        case "Join":
          if (index > 0) {
            this.bag.report("tableJoinNotFirst", step, [], {
              hint: `declare the table before the join on its own line, e.g. table ${pipeline.input.name}Filtered = ${pipeline.input.name} | ..., and join that`,
            });
            return undefined;
          }
          shape = withJoinedName(step, this.checkTableJoin(step, shape, pipeline.input.name));
          if (leftMayBeMissing(step.type) && !step.on) outer = step;
          break;
        case "GroupBy":
          this.bag.report("tableGroupNotFirst", step, [], {
            hint: `declare the table before the group by on its own line, e.g. table ${pipeline.input.name}Filtered = ${pipeline.input.name} | ..., and group that`,
          });
          return undefined;
        case "Count":
        case "Sum":
        case "Aggregate":
          this.bag.report("aggregateWithoutGroup", step, [stepName(step)], {
            hint: "group the table's rows first: '| group by EXPR' as the pipeline's first step",
          });
          return undefined;
        case "Rekey":
        case "FlatMap":
          this.bag.report("tableKeyChange", step, [stepName(step)], {
            hint: `to key it by something else, aggregate the stream of its changes: stream changes = ${pipeline.input.name}, then table ... = changes | group by EXPR | aggregate { ... }`,
          });
          return undefined;
        case "Merge":
          this.bag.report("needsStream", pipeline.input, [pipeline.input.name, "'merge'"], {
            hint: `merge the table's changes: declare 'stream ${pipeline.input.name}Changes = ${pipeline.input.name}' and merge into that`,
          });
          return undefined;
        default:
          this.bag.report("tableTransform", step, [stepName(step)], {
            hint: `declare '${pipeline.name.name}' as a stream to transform the table's changes`,
          });
          return undefined;
      }
      if (step.kind !== "Join") shape = { ...shape, joined };
    }
    if (outer) {
      this.bag.report("outerJoinWithoutSelect", outer, [stepName(outer)], {
        hint: `build each row from both sides, e.g. | select { name: coalesce(name, "?"), city: ${outer.other.name}.city }`,
      });
    }
    return { ...shape, joined: undefined };
  }

  /**
   * A grouped table (Kafka Streams' KTable.groupBy(...).aggregate(...)): the
   * rows regrouped by an expression and aggregated, each change of a row
   * subtracted from its old group and added to its new one. So the pipeline
   * is exactly `group by EXPR | <aggregation>`, with no window, and every
   * aggregate function in it must be able to subtract.
   */
  private checkGroupedTable(pipeline: PipelineDecl, input: Shape): Shape | undefined {
    const [group, aggregation] = pipeline.steps as [GroupByStep, Step | undefined];
    this.stepInputs.set(group, input);
    const byKey = group.key.kind === "Name" && group.key.name.name === "key";
    // A row whose group key is null is in no group: the grouped table's key is never null.
    const key = nonNull(this.checkExpr(group.key, input));
    const grouped: Shape = { ...input, key, keyChanged: true, window: undefined, nonNull: byKey ? input.nonNull : forget(input.nonNull, "key") };
    if (aggregation?.kind === "Window") {
      this.bag.report("windowOnGroupedTable", aggregation, [], {
        hint: `aggregate all the rows of each group ('| group by ... | count'), or window the table's changes: stream ${pipeline.input.name}Changes = ${pipeline.input.name}`,
      });
      return undefined;
    }
    if (!aggregation || !isAggregation(aggregation)) {
      this.bag.report("groupWithoutAggregate", group, [], { hint: "for example: | group by tier | count" });
      return undefined;
    }
    this.stepInputs.set(aggregation, grouped);
    const value = this.emptiedGroupTypes(aggregation, this.checkAggregation(aggregation, grouped, undefined));
    this.checkSubtractable(aggregation);
    // The groups are read from a repartition topic.
    let shape: Shape = { collection: "table", key, value, keyChanged: false, window: undefined, keyEncoding: keyEncodingOf(key), nonNull: forget(forget(grouped.nonNull, "value"), "joined") };
    for (const step of pipeline.steps.slice(2)) {
      this.stepInputs.set(step, shape);
      if (!isTableStepAfterAggregation(step)) {
        this.bag.report("stepAfterAggregate", step, [stepName(step)], { hint: stepAfterAggregateHint(pipeline) });
        return undefined;
      }
      shape = step.kind === "Where" ? this.checkWhere(step, shape) : { ...shape, value: this.checkExpr(step.value, shape), nonNull: forget(shape.nonNull, "value") };
    }
    return shape;
  }

  /** A group whose rows all left it stays: its `avg` fields are null then (there is nothing to average). */
  private emptiedGroupTypes(step: Step, value: Type): Type {
    if (step.kind !== "Aggregate" || value.kind !== "record") return value;
    const averaged = new Set(step.value.fields.filter((field) => field.value.kind === "Call" && this.calls.get(field.value)?.kind === "aggregate" && field.value.callee.name === "avg").map((field) => field.name.name));
    return Types.record(value.fields.map((field) => (averaged.has(field.name) ? { ...field, type: Types.nullable(field.type) } : field)));
  }

  /** Each aggregate function of a grouped table must take a changed row's old value back out. */
  private checkSubtractable(step: Step): void {
    if (step.kind !== "Aggregate") return; // count and sum subtract
    for (const field of step.value.fields) {
      if (field.value.kind !== "Call") continue;
      const call = field.value;
      const binding = this.calls.get(call);
      if (binding?.kind === "aggregate" && !subtractableAggregates.has(binding.name)) {
        this.bag.report("notSubtractable", call.callee, [binding.name], {
          hint: "on a table, use count(), sum(x) or avg(x); or aggregate the stream of the table's changes, where rows are never taken back",
        });
      }
      if (binding?.kind === "userAggregate" && !this.resolved.imports.get(binding.name)?.aggregate?.subtract) {
        this.bag.report("userAggregateWithoutSubtract", call.callee, [binding.name], {
          hint: `export a subtract: (acc: A, ...args) => A beside '${binding.name}'s add, which undoes add with the same arguments`,
        });
      }
    }
  }

  /** A table-table join on the key: both tables keyed alike, and partitioned alike. */
  private checkTableJoin(step: JoinStep, shape: Shape, leftName: string): Shape {
    const name = step.other.name;
    const table = this.shapeOf(name);
    if (!table) return shape;
    if (table.collection !== "table") {
      this.bag.report("joinNotATable", step.other, [name, "a table joins tables only"], {
        hint: `join the other way round, the stream with the table: stream ... = ${name} | join ${leftName}; or join the table of its latest values per key`,
      });
      return shape;
    }
    if (step.within) {
      const keep = step.on ? ` on ${formatExpression(step.on)}` : "";
      this.bag.report("withinOnTableJoin", step.within, [name], { hint: `tables join their current rows, without a time window: '| ${stepName(step)} ${name}${keep}'` });
      return shape;
    }
    if (table.window) {
      this.reportWindowedTable(step.other, name);
      return shape;
    }
    if (step.on) return this.checkForeignKeyJoin(step, step.on, shape, table);
    if (!isUnchecked(shape.key) && !isUnchecked(table.key) && !sameType(nonNull(shape.key), nonNull(table.key))) {
      this.bag.report("tableJoinKeyType", step.other, [leftName, describeType(shape.key), name, describeType(table.key)], {
        hint: "a table-table join matches rows with equal keys: key both tables alike (a table is re-keyed by 'group by' and an aggregation of its changes)",
      });
    } else if (shape.keyEncoding && table.keyEncoding && shape.keyEncoding !== table.keyEncoding) {
      this.bag.report("tableJoinEncoding", step.other, [leftName, shape.keyEncoding, name, table.keyEncoding], {
        hint: this.encodingHint(shape.keyEncoding === "json" ? leftName : name),
      });
    }
    this.joinForms.set(step, { kind: "tableTable" });
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
  private encodingHint(jsonTable: string): string {
    const source = this.jsonKeySource(jsonTable);
    if (source) {
      return `'${jsonTable}' reads the keys of "${source.topic.value}" as JSON ('key json' on '${source.name.name}'): the same key is other bytes there, in another partition. If those keys are plain text, declare '${source.name.name}' with 'key string', which reads every key as it is`;
    }
    return `weir writes a key as text when its type is a string, and '${jsonTable}' is keyed by a value of unknown type: key it by a string, e.g. with toString(...)`;
  }

  /** The source declared `key json` whose keys a table still has: none when a step computed them. */
  private jsonKeySource(name: string): SourceDecl | undefined {
    const seen = new Set<string>();
    let declaration = this.resolved.collections.get(name);
    while (declaration && !seen.has(declaration.name.name)) {
      seen.add(declaration.name.name);
      if (declaration.kind === "Source") return declaration.keyFormat.name === "json" ? declaration : undefined;
      if (declaration.kind !== "Pipeline") return undefined;
      const keeps = declaration.steps.every((step) => step.kind !== "Rekey" && step.kind !== "Merge" && step.kind !== "Join" && !(step.kind === "GroupBy" && !(step.key.kind === "Name" && step.key.name.name === "key")));
      if (!keeps) return undefined;
      declaration = this.resolved.collections.get(declaration.input.name);
    }
    return undefined;
  }

  /**
   * `join TABLE on EXPR`: a foreign-key join (Kafka Streams' KIP-213). EXPR,
   * over the left row, names the right row's key; the result is keyed like the
   * left table. The tables need not be co-partitioned: subscriptions and
   * responses travel through internal topics.
   */
  private checkForeignKeyJoin(step: JoinStep, on: Expr, shape: Shape, table: Shape): Shape {
    const name = step.other.name;
    const foreignKey = this.checkExpr(on, shape);
    if (leftMayBeMissing(step.type)) {
      this.bag.report("foreignKeyOuterJoin", step, [stepName(step)], { hint: `'join ${name} on ...' keeps rows whose ${name} row exists; 'left join ${name} on ...' keeps every row` });
      return shape;
    }
    if (!isUnchecked(foreignKey) && !isUnchecked(table.key) && !sameType(nonNull(foreignKey), nonNull(table.key))) {
      this.bag.report("foreignKeyType", on, [describeType(foreignKey), name, describeType(table.key)], {
        hint: `'on' computes the key of the ${name} row to join, from this table's row: for example 'on ${guessKeyField(shape.value, name)}'`,
      });
    }
    this.joinForms.set(step, { kind: "foreignKey" });
    const joined = new Map<string, Type>([[name, step.type === "inner" ? table.value : Types.nullable(table.value)]]);
    return { ...shape, joined };
  }

  /**
   * Dedup remembers, per key (and `by` value), the time of the last record it kept.
   * It is stateful per key: after a rekey the records are repartitioned first (see plan.ts).
   */
  private checkDedup(step: DedupStep, shape: Shape): Shape {
    if (step.by) this.checkExpr(step.by, shape);
    const within = this.checkDuration(step.within);
    if (within !== undefined && within <= 0) this.bag.report("durationNotPositive", step.within, ["the dedup window", durationText(step.within)]);
    // After a rekey, dedup reads the records from a repartition topic.
    return { ...shape, keyChanged: false, keyEncoding: shape.keyChanged ? keyEncodingOf(shape.key) : shape.keyEncoding };
  }

  /** Merged streams must carry records of one type: the same key and value types (nullable allowed on either side). */
  private checkMerge(step: MergeStep, shape: Shape): Shape {
    let merged = shape;
    for (const stream of step.streams) {
      const other = this.shapeOf(stream.name);
      if (!other) continue;
      if (other.collection === "table") {
        this.bag.report("needsStream", stream, [stream.name, "'merge'"], {
          hint: `merge the table's changes: declare 'stream ${stream.name}Changes = ${stream.name}' and merge that`,
        });
        continue;
      }
      const key = mergedType(merged.key, other.key);
      if (!key) this.bag.report("mergeKeyType", stream, [stream.name, describeType(other.key), describeType(merged.key)], { hint: "rekey one of them first, so that both have the same key" });
      const value = mergedType(merged.value, other.value);
      if (!value) {
        this.bag.report("mergeValueType", stream, [stream.name, describeType(other.value), describeType(merged.value)], {
          hint: "select the same fields from both first, e.g. '| select { id, amount }' on each",
        });
      }
      if (Boolean(merged.window) !== Boolean(other.window)) {
        this.bag.report("windowedMerge", stream, [stream.name], { hint: "select the window's bounds into the value first: '| select { start: window.start, ... }'" });
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

  private checkWindow(step: WindowStep, pipeline: PipelineDecl): void {
    const size = this.checkDuration(step.size);
    const advance = step.advance ? this.checkDuration(step.advance) : undefined;
    const grace = step.grace ? this.checkDuration(step.grace) : undefined;
    const kindOfSize = step.type === "session" ? "the inactivity gap" : step.type === "sliding" ? "the time difference" : "the window size";
    if (size !== undefined && size <= 0) {
      this.bag.report("durationNotPositive", step.size, [kindOfSize, durationText(step.size)]);
    }
    if (step.type === "hopping") {
      if (!step.advance) {
        // An example that overlaps: each window starts a fifth of the size after the previous one.
        const example = size !== undefined && size > 0 && Number.isInteger(size / 5) ? msText(size / 5) : "1 minute";
        this.bag.report("hoppingWithoutAdvance", step, [], { hint: `for example: window hopping ${durationText(step.size)} advance ${example}` });
      } else if (advance !== undefined && advance <= 0) {
        this.bag.report("durationNotPositive", step.advance, ["the advance", durationText(step.advance)]);
      } else if (advance !== undefined && size !== undefined && size > 0 && advance > size) {
        this.bag.report("advanceLargerThanSize", step.advance, [durationText(step.advance), durationText(step.size)], {
          hint: "an advance equal to the size makes tumbling windows: write 'window tumbling SIZE'",
        });
      }
    } else if (step.advance && step.type !== "") {
      this.bag.report("advanceNotAllowed", step.advance, [step.type], {
        hint: advanceHint(step.type),
      });
    }
    if (step.grace && grace !== undefined && grace < 0) {
      this.bag.report("negativeGrace", step.grace, [durationText(step.grace)], { hint: "grace 0s closes a window as soon as stream time reaches its end" });
    }
    if (step.emit?.mode === "final" && !step.grace) {
      this.bag.report("emitFinalWithoutGrace", step.emit, [], {
        hint: "say how long to wait for late records before the result is final: 'grace 0s' (not at all), 'grace 30 seconds', ...",
      });
    }
    const source = this.sourceOf(pipeline);
    if (source && !source.eventTime) {
      this.bag.report("windowWithoutEventTime", step, [source.name.name], {
        hint: `if the value carries the time of the event, declare it: stream ${source.name.name} from topic ... event time FIELD`,
      });
    }
  }

  /** Milliseconds, or undefined when the unit is unknown or the amount not whole (both reported). */
  private checkDuration(duration: Duration): number | undefined {
    const unit = duration.unit.name;
    if (unit === "") return undefined;
    if (!isTimeUnit(unit)) {
      this.bag.report("unknownTimeUnit", duration.unit, [unit], {
        hint: unitSuggestion(unit, duration.amount) ?? "units: ms, s, min, h, d (or millisecond(s), second(s), minute(s), hour(s), day(s))",
      });
      return undefined;
    }
    const ms = durationMs(duration)!;
    if (!Number.isSafeInteger(ms)) {
      this.bag.report("durationNotWhole", duration, [durationText(duration)]);
      return undefined;
    }
    this.durations.set(duration, ms);
    return ms;
  }

  /** The source a pipeline's records come from, following the pipelines it reads. */
  private sourceOf(pipeline: PipelineDecl): SourceDecl | undefined {
    const seen = new Set<string>();
    let current: CollectionDecl | undefined = pipeline;
    while (current && current.kind !== "Source" && !seen.has(current.name.name)) {
      seen.add(current.name.name);
      current = this.resolved.collections.get(current.kind === "Pipeline" ? current.input.name : current.branch.input.name);
    }
    return current?.kind === "Source" ? current : undefined;
  }

  private checkAggregation(step: Step, shape: Shape, window: WindowStep | undefined): Type {
    switch (step.kind) {
      case "Count":
        return Types.integer;
      case "Sum": {
        // As sum(x) in 'aggregate { }': nulls are skipped, and a group without a value sums to null.
        const type = this.checkExpr(step.value, shape);
        const sum = nonNull(type).kind === "integer" ? Types.integer : Types.number;
        if (isNullable(type) && isNumeric(nonNull(type))) return Types.nullable(sum);
        this.checkNumberType(step.value, type, "sum");
        return sum;
      }
      case "Aggregate":
        return this.checkAggregateRecord(step, shape, window);
      default:
        throw new Error(`not an aggregation: ${step.kind}`);
    }
  }

  private checkAggregateRecord(step: AggregateStep, shape: Shape, window: WindowStep | undefined): Type {
    if (step.value.fields.length === 0) this.bag.report("emptyAggregate", step.value, [], { hint: "for example: aggregate { total: sum(amount), orders: count() }" });
    const fields = [];
    const seen = new Set<string>();
    for (const field of step.value.fields) {
      if (seen.has(field.name.name)) this.bag.report("duplicateField", field.name, [field.name.name]);
      this.checkFieldName(field.name);
      seen.add(field.name.name);
      const call = field.value;
      const userAggregate = call.kind === "Call" ? this.resolved.imports.get(call.callee.name) : undefined;
      if (call.kind === "Call" && userAggregate?.aggregate) {
        this.calls.set(call, { kind: "userAggregate", name: call.callee.name });
        const type = this.checkCallArguments(call, userAggregate.signature, shape);
        if (window?.type === "session" && !userAggregate.aggregate.merge) {
          this.bag.report("sessionAggregateWithoutMerge", call.callee, [call.callee.name], {
            hint: `give the object '${call.callee.name}' exports a merge: (earlier: A, later: A) => A, which combines two sessions' accumulators`,
          });
        }
        this.types.set(call, type);
        fields.push({ name: field.name.name, type });
        continue;
      }
      if (call.kind !== "Call" || !isAggregateFunction(call.callee.name)) {
        const userAggregates = [...this.resolved.imports.values()].filter((fn) => fn.aggregate).map((fn) => fn.name);
        const misspelt = call.kind === "Call" ? didYouMean(call.callee.name, [...Object.keys(aggregateFunctions), ...userAggregates]) : undefined;
        this.bag.report("notAnAggregateCall", field.value, [field.name.name], { hint: misspelt ?? `aggregate functions: ${[...Object.keys(aggregateFunctions), ...userAggregates].join(", ")}` });
        fields.push({ name: field.name.name, type: Types.error });
        continue;
      }
      this.calls.set(call, { kind: "aggregate", name: call.callee.name });
      const type = this.checkCallArguments(call, aggregateFunctions[call.callee.name], shape);
      this.types.set(call, type);
      fields.push({ name: field.name.name, type });
    }
    return Types.record(fields);
  }

  private checkNumber(expr: Expr, shape: Shape, what: string): void {
    this.checkNumberType(expr, this.checkExpr(expr, shape), what);
  }

  private checkNumberType(expr: Expr, type: Type, what: string): void {
    if (isUnchecked(type) || isNumeric(type)) return;
    if (isNullable(type) && isNumeric(nonNull(type))) {
      this.bag.report("mayBeNull", expr, [nameOrThis(expr), describeType(type)], { hint: this.nullHint(expr, "0") });
      return;
    }
    const hint = conversionHint(expr, type, "a number", true);
    this.bag.report("operandType", expr, [what, "a number", describeType(type)], hint ? { hint } : {});
  }

  private checkCondition(expr: Expr, shape: Shape, what: string): void {
    const type = this.checkExpr(expr, shape);
    if (isUnchecked(type) || type.kind === "boolean") return;
    this.bag.report("notBoolean", expr, [what, describeType(type)], { hint: conditionHint(expr, type) });
  }

  // ------------------------------------------------------------ sinks

  private checkSink(sink: SinkDecl): void {
    const shape = this.shapeOf(sink.input.name);
    if (shape) {
      this.checkSinkFormat("key", sink.keyFormat, shape.key);
      if (sink.windowedKey && !shape.window) {
        this.bag.report("windowedKeyNotWindowed", sink.windowedKey, [sink.input.name], {
          hint: sink.keyFormat ? `write the key alone: 'key ${formatText(sink.keyFormat)}'` : "write the key alone: leave out 'key windowed'",
        });
      }
      // Over a table, the projection sees each change: its key, value and (windowed) window.
      if (sink.value && this.isMisspeltFormat(sink.value, shape)) {
        const name = (sink.value as NameExpr).name.name;
        this.bag.report("unknownName", sink.value, [name, "after 'value'"], { hint: `did you mean the format ${orList(suggest(name, formatNames).map((f) => `'${f}'`))}?` });
      } else if (sink.value) {
        this.checkExpr(sink.value, { ...shape, collection: "stream" });
      }
      this.checkSinkFormat("value", sink.valueFormat, shape.value);
      // The topic and the headers are computed from the record, as it is before `value EXPR`.
      // A delete (or a retracted session) has no value: its topic can rely on the key only,
      // and it is written without headers (see docs/language.md, "Sinks").
      const deletes = this.tableMayDelete(sink.input.name);
      if (!fixedTopic(sink)) this.checkTopic(sink.topic, { ...shape, collection: "stream", ...(deletes ? { value: Types.nullable(shape.value) } : {}) }, sink.input.name, deletes);
      if (sink.headers) this.checkHeaders(sink.headers, { ...shape, collection: "stream" });
    }
    const topic = fixedTopic(sink);
    if (topic) this.checkFixedTopic(sink, topic);
  }

  /**
   * Whether a table's changes include deletes (null values): read from a topic, transformed
   * as a table, session-windowed (merged sessions are retracted), or another name for one.
   * Aggregations of streams and of tables never delete a group. Mirrors hasDeletes in emit.ts.
   */
  private tableMayDelete(name: string): boolean {
    const seen = new Set<string>();
    let declaration = this.resolved.collections.get(name);
    while (declaration && !seen.has(declaration.name.name)) {
      seen.add(declaration.name.name);
      const shape = this.shapes.get(declaration.name.name);
      if (!shape || shape.collection !== "table") return false;
      if (shape.window === "session") return true;
      if (declaration.kind === "Source") return true;
      if (declaration.kind !== "Pipeline") return false;
      if (stepsAfterAggregation(declaration.steps).length > 0) return true;
      if (declaration.steps.length > 0) return this.shapes.get(declaration.input.name)?.collection === "table" && declaration.steps[0]!.kind !== "GroupBy";
      declaration = this.resolved.collections.get(declaration.input.name);
    }
    return false;
  }

  /** How to deal with an expression that may be null, where it was found. */
  private nullHint(expr: Expr, fallback = "DEFAULT"): string {
    if (!this.checkingDeleteTopic) return mayBeNullHint(expr, fallback);
    return `a delete has no value, only its key: name the topic from the key ("${this.checkingDeleteTopic}-" + key), or give a default: coalesce(${pathText(expr) ?? "EXPR"}, "${this.checkingDeleteTopic}-deleted")`;
  }

  private checkTopic(topic: Expr, shape: Shape, sinkInput: string, deletes = false): void {
    // `to topic orders` most likely meant the topic "orders", not a field.
    if (topic.kind === "Name" && this.isUnknownBareName(topic, shape)) {
      this.bag.report("unknownName", topic, [topic.name.name, "after 'to topic'"], { hint: `a fixed topic is a string: to topic "${topic.name.name}"` });
      return;
    }
    // Inside the topic of a sink over deletes, a value that may be null is one a delete does not have.
    this.checkingDeleteTopic = deletes ? sinkInput : undefined;
    const type = this.checkExpr(topic, shape);
    this.checkingDeleteTopic = undefined;
    if (isUnchecked(type) || type.kind === "string") return;
    if (isNullable(type) && nonNull(type).kind === "string") {
      const hint = deletes
        ? `a delete has no value, only its key: name the topic from the key ("${sinkInput}-" + key), or give a default: coalesce(EXPR, "${sinkInput}-deleted")`
        : 'give a default topic: coalesce(EXPR, "orders-other")';
      this.bag.report("mayBeNull", topic, [nameOrThis(topic), describeType(type)], { hint });
      return;
    }
    this.bag.report("topicNotString", topic, [describeType(type)], { hint: 'a topic is named by text: "orders-" + toString(EXPR)' });
  }

  private checkHeaders(headers: RecordExpr, shape: Shape): void {
    const seen = new Set<string>();
    for (const field of headers.fields) {
      if (seen.has(field.name.name)) this.bag.report("duplicateField", field.name, [field.name.name]);
      seen.add(field.name.name);
      const type = this.checkExpr(field.value, shape);
      if (isUnchecked(type) || type.kind === "string" || type.kind === "null" || (isNullable(type) && nonNull(type).kind === "string")) continue;
      this.bag.report("headerNotString", field.value, [field.name.name, describeType(type)], { hint: "headers are text: toString(EXPR)" });
    }
  }

  private checkFixedTopic(sink: SinkDecl, topic: StringLiteral): void {
    if (this.isInternalTopic(topic.value)) {
      this.bag.report("sinkToInternalTopic", topic, [topic.value], {
        hint: "weir writes these topics itself: writing to one would corrupt the state it restores",
      });
    }
    const earlier = this.resolved.sinks.find((other) => other !== sink && other.input.name === sink.input.name && fixedTopic(other)?.value === topic.value);
    if (earlier && this.resolved.sinks.indexOf(earlier) < this.resolved.sinks.indexOf(sink)) {
      this.bag.report("duplicateSink", sink, [sink.input.name, topic.value], { related: [{ message: "first written here", node: earlier }] });
    }
    for (const collection of this.resolved.collections.values()) {
      if (collection.kind === "Source" && collection.topic.value === topic.value) {
        this.bag.report("sinkLoop", topic, [topic.value], {
          related: [{ message: "read here", node: collection.topic }],
          hint: "write to another topic; a topology that reads its own output never finishes",
        });
      }
    }
  }

  /** A name that is neither a record name nor a field of a value whose fields are known. */
  private isUnknownBareName(expr: NameExpr, shape: Shape): boolean {
    const name = expr.name.name;
    if (name === "" || (recordNames as readonly string[]).includes(name) || (name === "window" && shape.window) || shape.joined?.has(name)) return false;
    return shape.value.kind === "record" && fieldOf(shape.value, name) === undefined;
  }

  /** `value strin`: a name that is nothing else and looks like a format. */
  private isMisspeltFormat(expr: Expr, shape: Shape): boolean {
    if (expr.kind !== "Name") return false;
    const name = expr.name.name;
    if ((recordNames as readonly string[]).includes(name) || (name === "window" && shape.window)) return false;
    if (isUnchecked(shape.value) || (shape.value.kind === "record" && fieldOf(shape.value, name))) return false;
    return suggest(name, formatNames).length > 0;
  }

  private checkSinkFormat(part: "key" | "value", format: FormatRef | undefined, type: Type): void {
    if (!format) return;
    if (format.name === "string") {
      if (!isUnchecked(type) && type.kind !== "string") {
        this.bag.report("formatMismatch", format, [part, "string", describeType(type)], { hint: `write the ${part} as JSON: '${part} json'` });
      }
      return;
    }
    if (format.schema && format.schema.name !== "") {
      const schema = this.schemaTypes.get(format.schema.name);
      if (schema && !isAssignable(type, schema)) {
        this.bag.report("sinkSchemaMismatch", format, [format.schema.name, mismatchDetail(type, schema)], {
          hint: `the sink checks every value against '${format.schema.name}': build one that matches with '| select { ... }', or write plain JSON: 'value json'`,
        });
      }
    }
  }

  private checkUnused(): void {
    // After an error, a collection may look unused only because a reference to it is misspelt.
    if (this.bag.hasErrors) return;
    const used = new Set<string>();
    for (const declaration of this.resolved.collections.values()) {
      if (declaration.kind !== "Pipeline") continue;
      used.add(declaration.input.name);
      for (const step of declaration.steps) {
        if (step.kind === "Join") used.add(step.other.name);
        if (step.kind === "Merge") for (const stream of step.streams) used.add(stream.name);
      }
    }
    for (const declaration of this.resolved.file.declarations) if (declaration.kind === "Branch") used.add(declaration.input.name);
    for (const sink of this.resolved.sinks) used.add(sink.input.name);
    for (const [name, declaration] of this.resolved.collections) {
      if (!used.has(name)) this.bag.report("unusedCollection", declaration.name, [name], { hint: `write it to a topic: sink ${name} to topic "..."` });
    }
  }

  // ------------------------------------------------------------ expressions

  private checkExpr(expr: Expr, shape: Shape): Type {
    const type = this.narrow(expr, this.exprType(expr, shape), shape);
    this.types.set(expr, type);
    return type;
  }

  /** A name or field that a null check made non-null here loses its "or null". */
  private narrow(expr: Expr, type: Type, shape: Shape): Type {
    if (!isNullable(type) || type.kind === "null" || (expr.kind !== "Name" && expr.kind !== "Member")) return type;
    const path = pathOf(expr, this.names);
    if (path === undefined || !isKnownNonNull(shape.nonNull, path)) return type;
    this.narrowed.add(expr);
    return nonNull(type);
  }

  /** The shape an expression is checked in when `condition` is known to evaluate to `outcome`. */
  private assuming(condition: Expr, outcome: boolean, shape: Shape): Shape {
    const paths = nonNullWhen(condition, outcome, this.names);
    return paths.length === 0 ? shape : { ...shape, nonNull: withNonNull(shape.nonNull, paths) };
  }

  private exprType(expr: Expr, shape: Shape): Type {
    switch (expr.kind) {
      case "NumberLiteral":
        return expr.integer ? Types.integer : Types.number;
      case "StringLiteral":
        return Types.string;
      case "BooleanLiteral":
        return Types.boolean;
      case "NullLiteral":
        return Types.null;
      case "Error":
        return Types.error;
      case "Name":
        return this.checkName(expr, shape);
      case "Member":
        return this.checkMember(expr, shape);
      case "Index": {
        const object = this.checkExpr(expr.object, shape);
        const container = nonNull(object);
        if (container.kind === "map") return this.checkMapAccess(expr, container.value, shape);
        const index = this.checkExpr(expr.index, shape);
        // A value of unknown shape may be a list or an object: a number or a string picks from it.
        if (isUnchecked(object)) {
          if (!isUnchecked(index) && !isNumeric(index) && index.kind !== "string") this.bag.report("operandType", expr.index, ["[ ]", "a number or a string", describeType(index)]);
          return Types.any;
        }
        if (container.kind !== "list") {
          const field = container.kind === "record" && expr.index.kind === "StringLiteral" ? expr.index.value : undefined;
          this.bag.report("notIndexable", expr.object, [describeType(object)], field === undefined ? {} : { hint: `a record's fields are read with a dot: ${pathText(expr.object) ?? "EXPR"}.${field}` });
          return Types.error;
        }
        if (!isUnchecked(index) && !isNumeric(index)) this.bag.report("operandType", expr.index, ["[ ]", "a number", describeType(index)]);
        // Past the end of a list, or in a list that is null, there is nothing: indexing may give null.
        return Types.nullable(container.element);
      }
      case "Call":
        return this.checkCall(expr, shape);
      case "Unary": {
        const operand = this.checkExpr(expr.operand, shape);
        if (expr.operator === "not") {
          this.expectOperand(expr.operand, operand, "not", "a boolean", (t) => t.kind === "boolean");
          return Types.boolean;
        }
        this.expectOperand(expr.operand, operand, "-", "a number", isNumeric);
        return operand.kind === "integer" ? Types.integer : Types.number;
      }
      case "Binary":
        return this.checkBinary(expr, shape);
      case "In":
        return this.checkIn(expr, shape);
      case "Between":
        return this.checkBetween(expr, shape);
      case "If": {
        this.checkCondition(expr.condition, shape, "the condition of 'if'");
        const thenType = this.checkExpr(expr.then, this.assuming(expr.condition, true, shape));
        const elseType = this.checkExpr(expr.else, this.assuming(expr.condition, false, shape));
        const type = unify(thenType, elseType);
        if (type) return type;
        this.bag.report("branchTypes", expr, [typeToString(thenType), typeToString(elseType)]);
        return Types.error;
      }
      case "Record": {
        const seen = new Set<string>();
        const fields = expr.fields.map((field) => {
          if (seen.has(field.name.name)) this.bag.report("duplicateField", field.name, [field.name.name]);
          this.checkFieldName(field.name);
          seen.add(field.name.name);
          return { name: field.name.name, type: this.checkExpr(field.value, shape) };
        });
        return Types.record(fields);
      }
      case "List": {
        let element: Type = Types.any;
        let first: Type | undefined;
        for (const item of expr.elements) {
          const type = this.checkExpr(item, shape);
          if (!first) {
            first = type;
            element = type;
            continue;
          }
          const unified = unify(element, type);
          if (unified) element = unified;
          else this.bag.report("listElementTypes", item, [typeToString(first), typeToString(type)]);
        }
        return Types.list(element);
      }
    }
  }

  private checkName(expr: NameExpr, shape: Shape): Type {
    const name = expr.name.name;
    if (name === "") return Types.error;
    switch (name) {
      case "key":
        this.names.set(expr, { kind: "key" });
        return shape.key;
      case "value":
        this.names.set(expr, { kind: "value" });
        return shape.value;
      case "timestamp":
        this.names.set(expr, { kind: "timestamp" });
        return Types.timestamp;
    }
    if (name === "window" && shape.window) {
      this.names.set(expr, { kind: "window" });
      return windowType;
    }
    const joined = shape.joined?.get(name);
    if (joined) {
      this.names.set(expr, { kind: "joined", table: name, type: joined });
      return joined;
    }
    // After an outer join the value may be null: its fields may be null too.
    const valueMayBeNull = isNullable(shape.value);
    const value = nonNull(shape.value);
    const hasField = value.kind === "record" && fieldOf(value, name) !== undefined;
    if (name === "window" && !hasField && !isUnchecked(value)) {
      this.bag.report("noWindow", expr, [], {
        hint: "windows come from '| group by ... | window tumbling 1 minute | aggregate { ... }'; a sink or a stream over that table can read window.start and window.end",
      });
      return Types.error;
    }
    if (!hasField && this.resolved.collections.get(name)?.collection === "table") {
      this.bag.report("tableNotJoined", expr, [name], {
        hint: `join it first ('| join ${name}'); its name is known in the steps after the join, up to the first step that is not 'where'`,
      });
      return Types.error;
    }
    if (isUnchecked(value)) {
      this.names.set(expr, { kind: "field", name });
      return Types.any;
    }
    if (value.kind === "record") {
      const field = fieldOf(value, name);
      if (field) {
        this.names.set(expr, valueMayBeNull ? { kind: "field", name, valueMayBeNull: true } : { kind: "field", name });
        return valueMayBeNull ? Types.nullable(field.type) : field.type;
      }
      const fields = value.fields.map((f) => f.name);
      const hint = didYouMean(name, [...fields, ...this.namesBesidesFields(shape)]);
      this.bag.report("unknownName", expr, [name, `in ${describeType(value)}`], {
        hint: hint ?? `${fields.length > 0 ? `its fields are ${fields.join(", ")}; ` : ""}every record also has ${shortList(this.namesBesidesFields(shape))}`,
      });
      return Types.error;
    }
    this.bag.report("unknownName", expr, [name, `here: the value is ${describeType(value)}, not a record`], {
      hint: didYouMean(name, this.namesBesidesFields(shape)) ?? "use 'value' for the whole value, 'key' for the key and 'timestamp' for the event time",
    });
    return Types.error;
  }

  /** The names a step knows whatever its value is: key, value, timestamp, and window and joined tables where there are. */
  private namesBesidesFields(shape: Shape): string[] {
    return [...recordNames, ...(shape.window ? ["window"] : []), ...(shape.joined?.keys() ?? [])];
  }

  private checkMember(expr: Extract<Expr, { kind: "Member" }>, shape: Shape): Type {
    const object = this.checkExpr(expr.object, shape);
    const name = expr.property.name;
    if (isUnchecked(object) || name === "") return Types.any;
    const record = nonNull(object);
    if (record.kind === "map") {
      this.bag.report("notARecord", expr.property, [name, describeType(object)], { hint: `a map is read by key: ${pathText(expr.object) ?? "EXPR"}[${JSON.stringify(name)}]` });
      return Types.error;
    }
    if (record.kind !== "record") {
      this.bag.report("notARecord", expr.property, [name, describeType(object)]);
      return Types.error;
    }
    const field = fieldOf(record, name);
    if (!field) {
      const hint = didYouMean(name, record.fields.map((f) => f.name));
      this.bag.report("unknownField", expr.property, [name, describeType(record)], hint ? { hint } : { hint: `its fields are ${record.fields.map((f) => f.name).join(", ")}` });
      return Types.error;
    }
    // Reading a field of a record that may be null gives null.
    return isNullable(object) ? Types.nullable(field.type) : field.type;
  }

  private checkBinary(expr: Extract<Expr, { kind: "Binary" }>, shape: Shape): Type {
    const operator = expr.operator;
    const left = this.checkExpr(expr.left, shape);
    // `a and b` evaluates b only when a holds, `a or b` only when a does not.
    const rightShape = operator === "and" ? this.assuming(expr.left, true, shape) : operator === "or" ? this.assuming(expr.left, false, shape) : shape;
    const right = this.checkExpr(expr.right, rightShape);
    const at = { range: expr.operatorRange };
    switch (operator) {
      case "and":
      case "or":
        this.expectOperand(expr.left, left, operator, "booleans", (t) => t.kind === "boolean");
        this.expectOperand(expr.right, right, operator, "booleans", (t) => t.kind === "boolean");
        return Types.boolean;
      case "+":
      case "-":
      case "*":
      case "/":
      case "%":
        if (operator === "+" && (left.kind === "string" || right.kind === "string")) {
          this.expectOperand(expr.left, left, "+", "two strings or two numbers", (t) => t.kind === "string");
          this.expectOperand(expr.right, right, "+", "two strings or two numbers", (t) => t.kind === "string");
          return Types.string;
        }
        this.expectOperand(expr.left, left, operator, "numbers", isNumeric);
        this.expectOperand(expr.right, right, operator, "numbers", isNumeric);
        // Two integers make an integer: `/` then truncates toward zero, as in Java and ksqlDB.
        const type = arithmeticType(left, right);
        if (type.kind === "integer" && (operator === "/" || operator === "%") && expr.right.kind === "NumberLiteral" && expr.right.value === 0) {
          this.bag.report("integerDivisionByZero", expr.right, [operator]);
        }
        return type;
      case "==":
      case "!=":
        if (left.kind === "null" || right.kind === "null") this.checkNullComparison(expr, left, right);
        if (isUnchecked(left) || isUnchecked(right) || left.kind === "null" || right.kind === "null") return Types.boolean;
        if (!isScalar(nonNull(left)) || !isScalar(nonNull(right)) || !sameType(nonNull(left), nonNull(right))) {
          this.bag.report("incomparable", at, [operator, describeType(left), describeType(right)], comparisonHint(left, right));
        }
        return Types.boolean;
      case "<":
      case "<=":
      case ">":
      case ">=":
        if (isUnchecked(left) || isUnchecked(right)) return Types.boolean;
        if (isNullable(left) || isNullable(right)) {
          const nullable = isNullable(left) ? expr.left : expr.right;
          this.bag.report("mayBeNull", nullable, [nameOrThis(nullable), describeType(isNullable(left) ? left : right)], { hint: this.nullHint(nullable) });
        } else if (!((isNumeric(left) && isNumeric(right)) || (left.kind === "string" && right.kind === "string"))) {
          this.bag.report("incomparable", at, [operator, describeType(left), describeType(right)], comparisonHint(left, right));
        }
        return Types.boolean;
    }
  }

  /** `attributes["color"]`, `attributes[name]`: a string key; an absent key (or a null map) gives null, as in ksqlDB. */
  private checkMapAccess(expr: IndexExpr, value: Type, shape: Shape): Type {
    const key = this.checkExpr(expr.index, shape);
    this.expectOperand(expr.index, key, "[ ]", "a string", (t) => t.kind === "string");
    return Types.nullable(value);
  }

  /**
   * `x in LIST`, `x not in LIST`: x == each element, so what `==` compares `in` compares, and a
   * null x is in a list that holds null (weir's `==` is two-valued: see docs/language.md).
   */
  private checkIn(expr: InExpr, shape: Shape): Type {
    const operator = expr.negated ? "not in" : "in";
    const value = this.checkExpr(expr.value, shape);
    const list = this.checkExpr(expr.list, shape);
    if (!isUnchecked(list) && nonNull(list).kind !== "list") {
      // `x in ("a")` or `x in "a"`: the values were meant as a list.
      this.bag.report("operandType", expr.list, [operator, "a list", describeType(list)], { hint: `a list is written in brackets: ${operator} [${formatExpression(expr.list)}]` });
      return Types.boolean;
    }
    this.expectOperand(expr.list, list, operator, "a list", (t) => t.kind === "list");
    const elements = nonNull(list);
    if (elements.kind !== "list" || isNullable(list)) return Types.boolean;
    const element = elements.element;
    if (isUnchecked(value) || isUnchecked(element) || value.kind === "null" || element.kind === "null") return Types.boolean;
    if (!isScalar(nonNull(value)) || !isScalar(nonNull(element)) || !sameType(nonNull(value), nonNull(element))) {
      this.bag.report("incomparable", { range: expr.operatorRange }, [operator, describeType(value), describeType(element)], comparisonHint(value, element));
    }
    return Types.boolean;
  }

  /** `x between LOW and HIGH`: `LOW <= x and x <= HIGH`, so it takes what `<=` takes, and none of them may be null. */
  private checkBetween(expr: BetweenExpr, shape: Shape): Type {
    const operator = expr.negated ? "not between" : "between";
    const operands = [expr.value, expr.low, expr.high];
    const types = operands.map((operand) => this.checkExpr(operand, shape));
    if (types.some(isUnchecked)) return Types.boolean;
    if (types.some(isNullable)) {
      operands.forEach((operand, index) => {
        const type = types[index]!;
        if (isNullable(type)) this.bag.report("mayBeNull", operand, [nameOrThis(operand), describeType(type)], { hint: this.nullHint(operand) });
      });
      return Types.boolean;
    }
    const [value, low, high] = types as [Type, Type, Type];
    const ordered = (a: Type, b: Type) => (isNumeric(a) && isNumeric(b)) || (a.kind === "string" && b.kind === "string");
    const unordered = [low, high].find((bound) => !ordered(value, bound));
    if (unordered) this.bag.report("incomparable", { range: expr.operatorRange }, [operator, describeType(value), describeType(unordered)], comparisonHint(value, unordered));
    return Types.boolean;
  }

  /** `x != null` where x cannot be null: always true, so probably not what was meant. */
  private checkNullComparison(expr: Extract<Expr, { kind: "Binary" }>, left: Type, right: Type): void {
    const [checked, type] = expr.left.kind === "NullLiteral" ? [expr.right, right] : [expr.left, left];
    if (checked.kind === "NullLiteral" || isNullable(type) || isUnchecked(type)) return;
    // A record's key may be null on the topic whatever its format says: checking it is right.
    if (pathOf(checked, this.names)?.split(".")[0] === "key") return;
    const always = expr.operator === "!=" ? "true" : "false";
    this.bag.report("neverNull", { range: expr.operatorRange }, [describeType(type), always], {
      hint: this.narrowed.has(checked)
        ? "an earlier null check already tells that it is not null"
        : "only a field declared with '?', a left join's table, a list element past the end and a function that may return null can be null",
    });
  }

  private expectOperand(node: Expr, type: Type, operator: string, expected: string, accepts: (t: Type) => boolean): void {
    if (isUnchecked(type) || accepts(type)) return;
    if (isNullable(type) && accepts(nonNull(type))) {
      this.bag.report("mayBeNull", node, [nameOrThis(node), describeType(type)], { hint: this.nullHint(node) });
      return;
    }
    const hint = operator === "+" ? plusHint : conversionHint(node, type, expected);
    this.bag.report("operandType", node, [operator, expected, describeType(type)], hint ? { hint } : {});
  }

  private checkCall(expr: CallExpr, shape: Shape): Type {
    const name = expr.callee.name;
    const imported = this.resolved.imports.get(name);
    if (imported?.aggregate) {
      for (const arg of expr.args) this.checkExpr(arg, shape);
      this.bag.report("aggregateCalledAsFunction", expr.callee, [name], { hint: `after 'group by': | aggregate { ${name}: ${name}(...) }` });
      return Types.error;
    }
    if (imported) {
      this.calls.set(expr, { kind: "import", name });
      return this.checkCallArguments(expr, imported.signature, shape);
    }
    const builtin = isBuiltinFunction(name) ? builtinFunctions[name] : undefined;
    if (builtin) {
      this.calls.set(expr, { kind: "builtin", name });
      return this.checkCallArguments(expr, builtin, shape);
    }
    for (const arg of expr.args) this.checkExpr(arg, shape);
    if (name === "") return Types.error;
    this.bag.report("unknownFunction", expr.callee, [name], { hint: this.unknownFunctionHint(name) });
    return Types.error;
  }

  private unknownFunctionHint(name: string): string {
    const inAggregate = "it is an aggregate function: use it inside 'aggregate { ... }' after 'group by'";
    if (isAggregateFunction(name)) return `'${name}' ${inAggregate.slice("it ".length)}`;
    const callable = didYouMean(name, [...Object.keys(builtinFunctions), ...this.resolved.imports.keys()]);
    if (callable) return callable;
    const aggregate = didYouMean(name, Object.keys(aggregateFunctions));
    if (aggregate) return `${aggregate} ${inAggregate}`;
    const imported = shortList([...this.resolved.imports.keys()]);
    const importIt = 'import it from a TypeScript module: import { NAME } from "./functions.ts"';
    return imported ? `the imported functions are ${imported}; or ${importIt}` : importIt;
  }

  private checkCallArguments(expr: CallExpr, signature: FunctionSignature, shape: Shape): Type {
    const name = expr.callee.name;
    const argTypes = expr.args.map((arg) => this.checkExpr(arg, shape));
    const { parameters, required } = signature;
    if (expr.args.length < required || expr.args.length > parameters.length) {
      const expected =
        required === parameters.length
          ? `${parameters.length} argument${parameters.length === 1 ? "" : "s"}`
          : `${required} to ${parameters.length} arguments`;
      const list = parameters.map((p) => p.name).join(", ");
      this.bag.report("argumentCount", expr, [name, expected, expr.args.length], { hint: `${name}(${list}): ${signature.summary}` });
      return signature.result(argTypes);
    }
    argTypes.forEach((type, index) => {
      const parameter = parameters[index]!;
      if (isUnchecked(type) || parameter.accepts(type)) return;
      if (isNullable(type) && parameter.accepts(nonNull(type))) {
        this.bag.report("mayBeNull", expr.args[index]!, [nameOrThis(expr.args[index]!), describeType(type)], { hint: this.nullHint(expr.args[index]!) });
        return;
      }
      const hint =
        name === "toNumber" && isNumeric(nonNull(type)) ? "it is a number already: use it as it is" : conversionHint(expr.args[index]!, type, parameter.expected, isAggregateFunction(name));
      this.bag.report("argumentType", expr.args[index]!, [index + 1, name, parameter.expected, describeType(type)], hint ? { hint } : {});
    });
    const related = argTypes.some(isUnchecked) ? undefined : signature.relate?.(argTypes);
    if (related) {
      this.bag.report("argumentType", expr.args[related.index]!, [related.index + 1, name, related.expected, describeType(argTypes[related.index]!)]);
    }
    for (const index of signature.patternArguments ?? []) {
      const arg = expr.args[index];
      if (arg?.kind !== "StringLiteral") continue;
      try {
        new RegExp(arg.value, "u");
      } catch (error) {
        this.bag.report("invalidPattern", arg, [(error as Error).message.replace(/^Invalid regular expression: /, "")]);
      }
    }
    return signature.result(argTypes);
  }
}

const formatNames = ["string", "json"];

function formatText(format: FormatRef): string {
  return format.schema ? `${format.name} ${format.schema.name}` : format.name;
}

/**
 * For a name or field that may be null: check it first (weir then knows it is not null,
 * see narrowing.ts) or give a default. For anything else, only the default.
 */
function mayBeNullHint(expr: Expr, fallback = "DEFAULT"): string {
  const text = pathText(expr);
  if (text === undefined) return `give a default: coalesce(EXPR, ${fallback})`;
  return `check it first ('| where ${text} != null', or '${text} != null and ...'), or give a default: coalesce(${text}, ${fallback})`;
}

/** `'note'` for a name or field, else `this` (the caret shows what). */
function nameOrThis(expr: Expr): string {
  const text = pathText(expr);
  return text === undefined ? "this" : `'${text}'`;
}

/** `note`, `address.city`: the text of a name or a chain of fields, as written. */
function pathText(expr: Expr): string | undefined {
  if (expr.kind === "Name") return expr.name.name;
  if (expr.kind !== "Member") return undefined;
  const object = pathText(expr.object);
  return object === undefined ? undefined : `${object}.${expr.property.name}`;
}

/** `5 minuts` is 'minutes', `1 minuts` is 'minute': of a singular and its plural, the one that agrees with the amount. */
function unitSuggestion(unit: string, amount: number): string | undefined {
  const close = suggest(unit, timeUnits);
  const plural = Math.abs(amount) !== 1;
  const agreeing = close.filter((candidate) => !close.includes(plural ? `${candidate}s` : candidate.replace(/s$/, "")) || candidate.endsWith("s") === plural);
  return agreeing.length === 0 ? undefined : `did you mean ${orList(agreeing.map((u) => `'${u}'`))}?`;
}

const plusHint = "'+' adds two numbers or joins two strings: toString(EXPR) makes text of a number, toNumber(EXPR) reads a number from text";

/** How to turn a value of `found` into `expected` ("a number", "a string"), where weir has a function for it. */
function conversionHint(expr: Expr, found: Type, expected: string, aggregating = false): string | undefined {
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
function conditionHint(expr: Expr, type: Type): string {
  const text = pathText(expr) ?? "EXPR";
  const inner = nonNull(type);
  if (inner.kind === "boolean") return `it may be null: write ${text} == true, or coalesce(${text}, false)`;
  if (isNullable(type)) return `to keep the records that have it: ${text} != null`;
  if (isNumeric(inner)) return `compare it: ${text} > 0, ${text} == 1, ...`;
  if (inner.kind === "string") return `compare it: ${text} == "...", contains(${text}, "..."), length(${text}) > 0, ...`;
  return "a condition is a comparison (==, !=, <, >, ...) or a function that gives a boolean";
}

/** Comparing a number with text: say how to make them alike. */
function comparisonHint(left: Type, right: Type): ReportOptions {
  const kinds = new Set([nonNull(left), nonNull(right)].map((t) => (isNumeric(t) ? "number" : t.kind)));
  if (kinds.has("number") && kinds.has("string")) return { hint: "compare like with like: toNumber(EXPR) reads a number from text, toString(EXPR) makes text of a number" };
  return {};
}

/** The built-in aggregate functions that can take a row back out (their accumulators keep enough). */
const subtractableAggregates: ReadonlySet<string> = new Set(["count", "sum", "avg"]);

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

function isAggregation(step: Step): boolean {
  // (A window is followed by an aggregation; it is not one itself.)
  return step.kind === "Count" || step.kind === "Sum" || step.kind === "Aggregate";
}

/** What may follow an aggregation in a table's pipeline: steps that transform the table it made as a table. */
function isTableStepAfterAggregation(step: Step): step is WhereStep | SelectStep {
  return step.kind === "Where" || step.kind === "Select";
}

/**
 * The steps after a table pipeline's aggregation (`| count | where value > 3`, a HAVING): they
 * transform the aggregated table as a table, which is then materialized under the table's name.
 */
export function stepsAfterAggregation(steps: readonly Step[]): readonly Step[] {
  const aggregation = steps.findIndex(isAggregation);
  return aggregation === -1 ? [] : steps.slice(aggregation + 1);
}

function stepAfterAggregateHint(pipeline: PipelineDecl): string {
  if (pipeline.collection === "stream") return "declare a new stream over this table's changes and continue there";
  return "declare a new stream over this table's changes and continue there (in a table's pipeline, only 'where' and 'select' follow an aggregation)";
}

function isScalar(type: Type): boolean {
  return type.kind === "string" || isNumeric(type) || type.kind === "boolean";
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

/** After a right or outer join, a result may have no left record (its value and the tables joined into it are "T or null"). */
function leftMayBeMissing(type: JoinType): boolean {
  return type === "right" || type === "outer";
}

/** After a left or outer join, a result may have no right record (so its value is "T or null"). */
function rightMayBeMissing(type: JoinType): boolean {
  return type === "left" || type === "outer";
}

/** `10 seconds before and 2 seconds after`, as written. */
function joinWindowText(window: JoinWindowClause): string {
  if (window.both) return durationText(window.both);
  const bounds = [window.before && `${durationText(window.before)} before`, window.after && `${durationText(window.after)} after`];
  return bounds.filter((bound) => bound !== undefined).join(" and ");
}

export function stepName(step: Step): string {
  switch (step.kind) {
    case "Where":
      return "where";
    case "Select":
      return "select";
    case "FlatMap":
      return "flatmap";
    case "Rekey":
      return "rekey";
    case "GroupBy":
      return "group by";
    case "Window":
      return "window";
    case "Count":
      return "count";
    case "Sum":
      return "sum";
    case "Aggregate":
      return "aggregate";
    case "Join":
      return step.type === "inner" ? "join" : `${step.type} join`;
    case "Dedup":
      return "dedup";
    case "Merge":
      return "merge";
  }
}

/** The type of a merged stream's keys or values; undefined when the two cannot be one type. */
function mergedType(a: Type, b: Type): Type | undefined {
  if (a.kind === "error" || b.kind === "error") return Types.error;
  // Records from an unchecked side (`json` without a schema) are not validated: the merge is unchecked too.
  if (isUnchecked(a) || isUnchecked(b)) return Types.any;
  return unify(a, b);
}

/** A value field whose name ends with the table's name and "Id" (customerId for customers), for hints. */
function guessKeyField(value: Type, table: string): string {
  const stem = table.endsWith("s") ? table.slice(0, -1) : table;
  if (value.kind === "record") {
    const found = value.fields.find((f) => f.name.toLowerCase() === `${stem}id`.toLowerCase());
    if (found) return found.name;
  }
  return `${stem}Id`;
}

function mismatchDetail(type: Type, schema: RecordType): string {
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

export type { CollectionDecl };

function advanceHint(type: "tumbling" | "sliding" | "session"): string {
  switch (type) {
    case "tumbling":
      return "a tumbling window advances by its size; for overlapping windows write 'window hopping SIZE advance STEP'";
    case "sliding":
      return "sliding windows are placed by the records themselves: 'window sliding DIFFERENCE' has no advance";
    case "session":
      return "a session grows with its records: it has a gap, not an advance";
  }
}
