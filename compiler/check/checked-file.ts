// What the checker hands the planner: the resolved file with every fact the
// later phases need, each decided here once (types, shapes, join forms, which
// tables' changes carry deletes). The planner and the emitter read these facts;
// they never decide them again.
import type { BranchDecl, CallExpr, Duration, Expr, JoinStep, NameExpr, PipelineDecl, Step } from "../../grammar/ast.ts";
import type { AggregateFunctionName } from "../builtins.ts";
import type { KeyEncoding } from "../key-encoding.ts";
import type { NonNullPaths } from "../narrowing.ts";
import type { ResolvedFile } from "../resolve.ts";
import { Types, type RecordType, type Type } from "../types.ts";

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
 * `repartitioned`: a stream's records reach the join through a repartition
 * topic, because their key changed or is encoded otherwise than the other
 * side's (the other stream's repartition is the plan's to name).
 */
export type JoinForm =
  /** Kafka Streams' KStream-KTable join on the key. */
  | { readonly kind: "streamTable"; readonly repartitioned: boolean }
  /** A windowed KStream-KStream join (JoinWindows). */
  | { readonly kind: "streamStream"; readonly window: JoinWindowMs; readonly repartitioned: boolean }
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

/**
 * How a pipeline's steps run, decided from what it reads and what it declares.
 * `afterAggregation`: in a table's pipeline, the `where` and `select` steps after
 * its aggregation (a HAVING), which transform the aggregated table as a table.
 */
export type PipelineForm =
  /** A stream's steps (over a table, its stream of changes), up to an aggregation that makes a table. */
  | { readonly kind: "stream"; readonly afterAggregation: readonly Step[] }
  /** A table transformed as a table (Kafka Streams' KTable filter, mapValues, joins). */
  | { readonly kind: "table" }
  /** `group by EXPR | <aggregation>` on a table (KTable.groupBy(...).aggregate(...)). */
  | { readonly kind: "groupedTable"; readonly afterAggregation: readonly Step[] };

/**
 * Why a table's changes include deletes (null values): `rows`, its rows are deleted (a
 * table read from a topic, or transformed as a table: a filter or a join deletes rows);
 * `sessions`, merged sessions are retracted (a session-windowed aggregation). An
 * aggregation of a stream or of a table never deletes a group.
 */
export type TableDeletes = "rows" | "sessions";

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
  /** How each pipeline's steps run (for the pipelines whose input has a shape). */
  readonly pipelineForms: ReadonlyMap<PipelineDecl, PipelineForm>;
  /** How each join step runs, decided here once (for the joins without errors): plan and emit read it. */
  readonly joinForms: ReadonlyMap<JoinStep, JoinForm>;
  /**
   * The tables whose changes include deletes, by name, and why: a sink writes them as
   * tombstones (its topic expression was checked with a value that may be null), and a
   * stream over such a table's changes drops them. Another name for a table has its deletes.
   */
  readonly tableDeletes: ReadonlyMap<string, TableDeletes>;
  /** Collections in an order where each comes after the one it reads. */
  readonly order: readonly string[];
}
