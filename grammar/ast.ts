// The AST of a .weir file: weir's own node types, independent of chevrotain's CST.
// Every node carries the source range it was parsed from, as character offsets
// (end exclusive); offsets become line:column only when a diagnostic is printed.

export interface SourceRange {
  readonly start: number;
  readonly end: number;
}

interface NodeBase {
  readonly range: SourceRange;
}

export interface WeirFile extends NodeBase {
  readonly kind: "File";
  /** Absent only when the file does not start with `application NAME` (a parse error). */
  readonly application: ApplicationDecl | undefined;
  readonly declarations: readonly Declaration[];
  /** Line and block comments, in source order (kept for the formatter). */
  readonly comments: readonly Comment[];
}

export interface Comment extends NodeBase {
  readonly kind: "Comment";
  readonly text: string;
}

export interface Identifier extends NodeBase {
  readonly kind: "Identifier";
  /** Empty when the parser recovered from a missing name. */
  readonly name: string;
}

export interface ApplicationDecl extends NodeBase {
  readonly kind: "Application";
  readonly name: Identifier;
}

export type Declaration = ImportDecl | SchemaDecl | SourceDecl | PipelineDecl | BranchDecl | SinkDecl;

/** `import { riskScore, normalise } from "./udfs.ts"` */
export interface ImportDecl extends NodeBase {
  readonly kind: "Import";
  readonly names: readonly Identifier[];
  readonly from: StringLiteral;
}

/** `schema Order { id: string, amount: number, note?: string }` */
export interface SchemaDecl extends NodeBase {
  readonly kind: "Schema";
  readonly name: Identifier;
  readonly fields: readonly FieldDecl[];
}

export interface FieldDecl extends NodeBase {
  readonly kind: "Field";
  readonly name: Identifier;
  readonly optional: boolean;
  readonly type: TypeRef;
}

export type TypeRef = PrimitiveTypeRef | ListTypeRef | MapTypeRef | NamedTypeRef;

export type PrimitiveTypeName = "string" | "number" | "integer" | "boolean" | "timestamp";

export interface PrimitiveTypeRef extends NodeBase {
  readonly kind: "PrimitiveType";
  readonly name: PrimitiveTypeName;
}

/** `list<string>` */
export interface ListTypeRef extends NodeBase {
  readonly kind: "ListType";
  readonly element: TypeRef;
}

/** `map<string, number>`: a JSON object whose fields are not known in advance. */
export interface MapTypeRef extends NodeBase {
  readonly kind: "MapType";
  /** As written; the compiler accepts only `string` (JSON object keys are text). */
  readonly key: TypeRef;
  readonly value: TypeRef;
}

/** A reference to a schema by name. */
export interface NamedTypeRef extends NodeBase {
  readonly kind: "NamedType";
  readonly name: Identifier;
}

/** `string`, `json`, or `json Order` (JSON validated against a schema). */
export interface FormatRef extends NodeBase {
  readonly kind: "Format";
  /** Empty when the parser recovered from a missing format (never a made-up "string"). */
  readonly name: "string" | "json" | "";
  readonly schema: Identifier | undefined;
}

/**
 * `stream orders from topic "orders" key string value json Order event time ts`, or
 * `table customers from topic "customers" key string value json Customer` (the latest value per key).
 */
export interface SourceDecl extends NodeBase {
  readonly kind: "Source";
  readonly collection: "stream" | "table";
  readonly name: Identifier;
  readonly topic: StringLiteral;
  readonly keyFormat: FormatRef;
  readonly valueFormat: FormatRef;
  /** The value field that holds the event time; absent: the record's own timestamp. */
  readonly eventTime: Identifier | undefined;
}

/** `table counts = words | group by value | count` */
export interface PipelineDecl extends NodeBase {
  readonly kind: "Pipeline";
  readonly collection: "stream" | "table";
  readonly name: Identifier;
  readonly input: Identifier;
  readonly steps: readonly Step[];
}

/**
 * `branch enriched { risky: risk > 0.8, normal: else }`: splits a stream into named streams.
 * Each record goes to the first arm whose condition holds, or to the `else` arm, or nowhere.
 */
export interface BranchDecl extends NodeBase {
  readonly kind: "Branch";
  readonly input: Identifier;
  readonly arms: readonly BranchArm[];
}

/** `risky: risk > 0.8`, or `normal: else` (condition undefined). Its name is a stream's. */
export interface BranchArm extends NodeBase {
  readonly kind: "BranchArm";
  readonly name: Identifier;
  readonly condition: Expr | undefined;
}

export type Step =
  | WhereStep
  | SelectStep
  | FlatMapStep
  | RekeyStep
  | JoinStep
  | DedupStep
  | MergeStep
  | GroupByStep
  | WindowStep
  | CountStep
  | SumStep
  | AggregateStep;

/** `dedup within 10 minutes` (by key) or `dedup by eventId within 1 hour` (by key and eventId). */
export interface DedupStep extends NodeBase {
  readonly kind: "Dedup";
  /** Absent: the key alone identifies a record. */
  readonly by: Expr | undefined;
  readonly within: Duration;
}

/** `merge returns, refunds`: the records of other streams join this one. */
export interface MergeStep extends NodeBase {
  readonly kind: "Merge";
  readonly streams: readonly Identifier[];
}

/** Which records are kept without a match: none (inner), the left side's, the right side's, or both sides'. */
export type JoinType = "inner" | "left" | "right" | "outer";

/**
 * `[left | right | outer] join OTHER [on EXPR] [within WINDOW [grace DURATION]]`.
 * `join customers` is a stream-table join on the key; `within` makes a
 * windowed stream-stream join; `on` a foreign-key join.
 */
export interface JoinStep extends NodeBase {
  readonly kind: "Join";
  readonly type: JoinType;
  /** The stream or table joined with. */
  readonly other: Identifier;
  readonly on: Expr | undefined;
  readonly within: JoinWindowClause | undefined;
  readonly grace: Duration | undefined;
}

/**
 * What follows `within` (Kafka Streams' JoinWindows): how far in time the other
 * stream's records may be from this stream's record. `within 5 minutes` sets
 * `both`; `within 10 seconds before and 2 seconds after` sets `before` and
 * `after`, and a bound left out is 0 (`within 10 seconds before`).
 */
export interface JoinWindowClause extends NodeBase {
  readonly kind: "JoinWindow";
  readonly both: Duration | undefined;
  readonly before: Duration | undefined;
  readonly after: Duration | undefined;
}

/** `where amount > 0` */
export interface WhereStep extends NodeBase {
  readonly kind: "Where";
  readonly condition: Expr;
}

/** `select { orderId: id, amount }` or `select lower(value)`: the expression becomes the value. */
export interface SelectStep extends NodeBase {
  readonly kind: "Select";
  readonly value: Expr;
}

/** `flatmap words(value)`: one record per element of the list; the key is kept. */
export interface FlatMapStep extends NodeBase {
  readonly kind: "FlatMap";
  readonly values: Expr;
}

/** `rekey customerId`: the expression becomes the key. */
export interface RekeyStep extends NodeBase {
  readonly kind: "Rekey";
  readonly key: Expr;
}

/** `group by customerId`: must be followed by an aggregation. */
export interface GroupByStep extends NodeBase {
  readonly kind: "GroupBy";
  readonly key: Expr;
}

export type WindowType = "tumbling" | "hopping" | "sliding" | "session";

/** `window hopping 5 minutes advance 1 minute grace 30s emit final`: between `group by` and the aggregation. */
export interface WindowStep extends NodeBase {
  readonly kind: "Window";
  /** Empty when the parser recovered from a missing kind of window. */
  readonly type: WindowType | "";
  /** The size (tumbling, hopping), the time difference (sliding) or the inactivity gap (session). */
  readonly size: Duration;
  readonly advance: Duration | undefined;
  readonly grace: Duration | undefined;
  readonly emit: EmitClause | undefined;
}

/** `30 seconds`, `-1 min`: a number and a unit, which the compiler checks. */
export interface Duration extends NodeBase {
  readonly kind: "Duration";
  /** Negative when written with a minus sign. */
  readonly amount: number;
  /** Empty when the parser recovered from a missing unit. */
  readonly unit: Identifier;
}

/** `emit final` or `emit changes` */
export interface EmitClause extends NodeBase {
  readonly kind: "Emit";
  readonly mode: "final" | "changes";
}

/** `count` */
export interface CountStep extends NodeBase {
  readonly kind: "Count";
}

/** `sum amount` */
export interface SumStep extends NodeBase {
  readonly kind: "Sum";
  readonly value: Expr;
}

/** `aggregate { total: sum(amount), orders: count() }`: each field an aggregate function call. */
export interface AggregateStep extends NodeBase {
  readonly kind: "Aggregate";
  readonly value: RecordExpr;
}

/**
 * `sink counts to topic "word-counts" key string value json` (formats optional), or
 * `sink revenue to topic "r" value { customerId: key, total }` (the value written, computed).
 */
export interface SinkDecl extends NodeBase {
  readonly kind: "Sink";
  readonly input: Identifier;
  /** A StringLiteral for a fixed topic; any other expression picks the topic per record. */
  readonly topic: Expr;
  /** The key's format; with `key windowed`, the format of the key inside the windowed key. */
  readonly keyFormat: FormatRef | undefined;
  /** `key windowed [FORMAT]`: the key written with its window (Kafka Streams' windowed key formats). */
  readonly windowedKey: WindowedKeyRef | undefined;
  readonly valueFormat: FormatRef | undefined;
  /** `value EXPR`: the value to write instead of the record's value. Never together with valueFormat. */
  readonly value: Expr | undefined;
  /** `headers { name: EXPR, ... }`: string headers of each record written (a null value leaves the header out). */
  readonly headers: RecordExpr | undefined;
}

/** The word `windowed` of a sink's `key windowed [FORMAT]`. */
export interface WindowedKeyRef extends NodeBase {
  readonly kind: "WindowedKey";
}

/** The topic of a sink that writes to one fixed topic. */
export function fixedTopic(sink: SinkDecl): StringLiteral | undefined {
  return sink.topic.kind === "StringLiteral" ? sink.topic : undefined;
}

// ---------------------------------------------------------------- expressions

export type Expr =
  | NumberLiteral
  | StringLiteral
  | BooleanLiteral
  | NullLiteral
  | NameExpr
  | MemberExpr
  | IndexExpr
  | CallExpr
  | UnaryExpr
  | BinaryExpr
  | InExpr
  | BetweenExpr
  | IfExpr
  | RecordExpr
  | ListExpr
  | ErrorExpr;

export interface NumberLiteral extends NodeBase {
  readonly kind: "NumberLiteral";
  readonly value: number;
  /** Written without a fraction or an exponent (`42`, not `42.0` or `4.2e1`): an integer. */
  readonly integer: boolean;
}

export interface StringLiteral extends NodeBase {
  readonly kind: "StringLiteral";
  /** The decoded value (escapes resolved, quotes removed). */
  readonly value: string;
}

export interface BooleanLiteral extends NodeBase {
  readonly kind: "BooleanLiteral";
  readonly value: boolean;
}

export interface NullLiteral extends NodeBase {
  readonly kind: "NullLiteral";
}

/** A bare name: a value field, `key`, `value`, `timestamp`, or an imported function's name in a call. */
export interface NameExpr extends NodeBase {
  readonly kind: "Name";
  readonly name: Identifier;
}

/** `customer.name` */
export interface MemberExpr extends NodeBase {
  readonly kind: "Member";
  readonly object: Expr;
  readonly property: Identifier;
}

/** `tags[0]` */
export interface IndexExpr extends NodeBase {
  readonly kind: "Index";
  readonly object: Expr;
  readonly index: Expr;
}

/** `lower(value)`, `riskScore(amount, tier)`, `count()` */
export interface CallExpr extends NodeBase {
  readonly kind: "Call";
  readonly callee: Identifier;
  readonly args: readonly Expr[];
}

export type UnaryOperator = "-" | "not";

export interface UnaryExpr extends NodeBase {
  readonly kind: "Unary";
  readonly operator: UnaryOperator;
  readonly operand: Expr;
}

export type BinaryOperator =
  | "+" | "-" | "*" | "/" | "%"
  | "==" | "!=" | "<" | "<=" | ">" | ">="
  | "and" | "or";

export interface BinaryExpr extends NodeBase {
  readonly kind: "Binary";
  readonly operator: BinaryOperator;
  /** The operator token's range, for diagnostics about the operation itself. */
  readonly operatorRange: SourceRange;
  readonly left: Expr;
  readonly right: Expr;
}

/** `tier in ["gold", "silver"]`, `tier not in [...]`: whether the value equals an element of the list. */
export interface InExpr extends NodeBase {
  readonly kind: "In";
  readonly value: Expr;
  readonly list: Expr;
  readonly negated: boolean;
  /** `in` or `not in`, for diagnostics about the comparison itself. */
  readonly operatorRange: SourceRange;
}

/** `amount between 10 and 100`, `amount not between ...`: inclusive at both ends, as in SQL. */
export interface BetweenExpr extends NodeBase {
  readonly kind: "Between";
  readonly value: Expr;
  readonly low: Expr;
  readonly high: Expr;
  readonly negated: boolean;
  /** `between` or `not between`. */
  readonly operatorRange: SourceRange;
}

/** `if amount > 100 then "big" else "small"` */
export interface IfExpr extends NodeBase {
  readonly kind: "If";
  readonly condition: Expr;
  readonly then: Expr;
  readonly else: Expr;
}

/** `{ orderId: id, amount }` */
export interface RecordExpr extends NodeBase {
  readonly kind: "Record";
  readonly fields: readonly RecordField[];
}

export interface RecordField extends NodeBase {
  readonly kind: "RecordField";
  readonly name: Identifier;
  /** For the shorthand `{ amount }` this is a NameExpr over the same range as the name. */
  readonly value: Expr;
  readonly shorthand: boolean;
}

/** `["a", "b"]` */
export interface ListExpr extends NodeBase {
  readonly kind: "List";
  readonly elements: readonly Expr[];
}

/** Stands where the parser recovered from a missing or broken expression. */
export interface ErrorExpr extends NodeBase {
  readonly kind: "Error";
}

export type Node =
  | WeirFile
  | Comment
  | Identifier
  | ApplicationDecl
  | Declaration
  | FieldDecl
  | TypeRef
  | FormatRef
  | WindowedKeyRef
  | Step
  | BranchArm
  | Duration
  | EmitClause
  | Expr
  | RecordField;
