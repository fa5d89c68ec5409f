// CST → AST. One method per grammar rule (checked by validateVisitor), each turning the
// rule's CST children into weir's own AST nodes, every node with its source range.
//
// The CST may come from error recovery, so any child may be missing. The builder never throws;
// what it makes of missing pieces:
//   - a missing name            → Identifier with name "" (zero-length range at the failure point)
//   - a missing expression      → ErrorExpr (zero-length range)
//   - a missing required format → FormatRef with name "" (never a made-up "string")
//   - a missing type            → NamedType over an empty Identifier
//   - a missing topic / path    → StringLiteral "" with a zero-length range (a real "" has length 2)
//   - a missing aggregate body  → RecordExpr without fields
//   - an optional clause that is absent stays undefined (e.g. a sink's `key` format); when its
//     keyword is there but its content is not, the content gets the placeholder above
//   - a step or declaration whose keyword could not be parsed at all is left out.
// "The failure point" is the end of what the enclosing rule did parse (recovery drops the rest).
//
// Parenthesised expressions are not nodes of their own: `(a + b)` is the BinaryExpr `a + b`,
// with the range of `a + b` (without the parentheses). An expression built around one still
// covers them: `(a + b) * c` spans from `(` to `c`.

import type { CstNode, IToken } from "chevrotain";
import type {
  ApplicationDecl,
  BranchArm,
  BranchDecl,
  BinaryOperator,
  Comment,
  Declaration,
  DedupStep,
  Duration,
  EmitClause,
  Expr,
  FieldDecl,
  FormatRef,
  Identifier,
  ImportDecl,
  PipelineDecl,
  PrimitiveTypeName,
  RecordExpr,
  RecordField,
  SchemaDecl,
  SinkDecl,
  SourceDecl,
  SourceRange,
  JoinStep,
  JoinType,
  JoinWindowClause,
  Step,
  StringLiteral,
  TypeRef,
  WeirFile,
  WindowStep,
} from "./ast.ts";
import type {
  AddExprCstChildren,
  AndExprCstChildren,
  ApplicationCstChildren,
  BranchArmCstChildren,
  BranchDeclCstChildren,
  CallOrNameCstChildren,
  CompareExprCstChildren,
  DeclarationCstChildren,
  DedupStepCstChildren,
  DurationCstChildren,
  ExpressionCstChildren,
  FieldCstChildren,
  FileCstChildren,
  FormatCstChildren,
  IfExprCstChildren,
  JoinStepCstChildren,
  JoinWindowCstChildren,
  ImportDeclCstChildren,
  ListExprCstChildren,
  MulExprCstChildren,
  NameCstChildren,
  NotExprCstChildren,
  OrExprCstChildren,
  ParenExprCstChildren,
  PipelineCstChildren,
  PostfixExprCstChildren,
  PrimaryCstChildren,
  RecordExprCstChildren,
  RecordFieldCstChildren,
  SchemaDeclCstChildren,
  SinkDeclCstChildren,
  StepCstChildren,
  StreamDeclCstChildren,
  SuffixCstChildren,
  TableDeclCstChildren,
  TypeRefCstChildren,
  WindowStepCstChildren,
  UnaryExprCstChildren,
} from "./cst.ts";
import { weirParser } from "./parser.ts";
import { decodeString } from "./strings.ts";
import { tokenRange } from "./tokens.ts";

// ---------------------------------------------------------------- ranges

function emptyRange(at: number): SourceRange {
  return { start: at, end: at };
}

/** A CST node's range; a node that consumed no token (recovery) gets an empty range at `fallback`. */
function cstRange(node: CstNode, fallback: number): SourceRange {
  const location = node.location;
  if (location === undefined || Number.isNaN(location.startOffset) || location.endOffset === undefined || Number.isNaN(location.endOffset)) {
    return emptyRange(fallback);
  }
  return { start: location.startOffset, end: Math.max(location.endOffset + 1, location.startOffset) };
}

/** The end of a token if it is there, else `fallback`. */
function endOf(token: IToken | undefined, fallback: number): number {
  return token === undefined ? fallback : tokenRange(token).end;
}

function span(from: SourceRange, to: SourceRange): SourceRange {
  return { start: Math.min(from.start, to.start), end: Math.max(from.end, to.end) };
}

// ---------------------------------------------------------------- leaves

function stringLiteral(token: IToken | undefined, fallback: number): StringLiteral {
  if (token === undefined) return { kind: "StringLiteral", value: "", range: emptyRange(fallback) };
  return { kind: "StringLiteral", value: token.image === "" ? "" : decodeString(token.image).value, range: tokenRange(token) };
}

/** `42` is an integer; `42.0`, `4.2e1` and an integer too large to be exact in a double are numbers. */
function numberLiteral(token: IToken): Expr {
  const value = Number(token.image);
  return { kind: "NumberLiteral", value, integer: /^\d+$/.test(token.image) && Number.isSafeInteger(value), range: tokenRange(token) };
}

const binaryOperators: ReadonlySet<string> = new Set<BinaryOperator>(["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "and", "or"]);

function isBinaryOperator(text: string): text is BinaryOperator {
  return binaryOperators.has(text);
}

const primitiveTypeNames: ReadonlySet<string> = new Set<PrimitiveTypeName>(["string", "number", "integer", "boolean", "timestamp"]);

function isPrimitiveTypeName(name: string): name is PrimitiveTypeName {
  return primitiveTypeNames.has(name);
}

/** A postfix suffix before it is applied to the expression on its left. */
type Suffix =
  | { readonly kind: "member"; readonly property: Identifier; readonly range: SourceRange }
  | { readonly kind: "index"; readonly index: Expr; readonly range: SourceRange };

type Build<C, R> = (ctx: C, range: SourceRange) => R;

// ---------------------------------------------------------------- the visitor

const BaseVisitor = weirParser.getBaseCstVisitorConstructor<SourceRange, unknown>();

class AstBuilder extends BaseVisitor {
  constructor() {
    super();
    this.validateVisitor();
  }

  /**
   * Builds a child with the method for its rule. Calling the method directly (rather than
   * `visit`, which dispatches on the node's name) lets TypeScript check the result type.
   * An absent child is built from no children at all, so each method makes its own placeholder.
   */
  private sub<C, R>(build: Build<C, R>, node: CstNode | undefined, fallback: number): R {
    if (node === undefined) return build.call(this, {} as C, emptyRange(fallback));
    return build.call(this, node.children as C, cstRange(node, fallback));
  }

  /**
   * A left-associative chain `operand (operator operand)*`. The range of each operation is taken
   * from the operands' CST nodes, not their AST nodes, so that it covers parentheses around an
   * operand: `(a + b) * c` spans all of that text, though its left operand spans `a + b`.
   */
  private fold<C>(build: Build<C, Expr>, operands: readonly CstNode[] | undefined, operators: readonly IToken[] | undefined, range: SourceRange): Expr {
    const first = operands?.[0];
    let left = this.sub(build, first, range.start);
    const start = first === undefined ? left.range.start : cstRange(first, left.range.start).start;
    (operators ?? []).forEach((operatorToken, i) => {
      const operatorRange = tokenRange(operatorToken);
      const operand = operands?.[i + 1];
      const right = this.sub(build, operand, operatorRange.end);
      const end = Math.max(operatorRange.end, operand === undefined ? right.range.end : cstRange(operand, right.range.end).end);
      // Operators are consumed by lookahead over their own tokens, so the text is always one.
      if (!isBinaryOperator(operatorToken.image)) return;
      left = { kind: "Binary", operator: operatorToken.image, operatorRange, left, right, range: { start, end } };
    });
    return left;
  }

  // -------------------------------------------------------------- file and declarations

  file(ctx: FileCstChildren, range: SourceRange): Pick<WeirFile, "application" | "declarations"> {
    return {
      application: ctx.application === undefined ? undefined : this.sub(this.application, ctx.application[0], range.start),
      declarations: (ctx.declaration ?? []).flatMap((node) => this.sub(this.declaration, node, range.end) ?? []),
    };
  }

  application(ctx: ApplicationCstChildren, range: SourceRange): ApplicationDecl {
    return { kind: "Application", name: this.sub(this.name, ctx.name?.[0], endOf(ctx.ApplicationKw?.[0], range.end)), range };
  }

  declaration(ctx: DeclarationCstChildren, range: SourceRange): Declaration | undefined {
    if (ctx.importDecl) return this.sub(this.importDecl, ctx.importDecl[0], range.start);
    if (ctx.schemaDecl) return this.sub(this.schemaDecl, ctx.schemaDecl[0], range.start);
    if (ctx.streamDecl) return this.sub(this.streamDecl, ctx.streamDecl[0], range.start);
    if (ctx.tableDecl) return this.sub(this.tableDecl, ctx.tableDecl[0], range.start);
    if (ctx.sinkDecl) return this.sub(this.sinkDecl, ctx.sinkDecl[0], range.start);
    if (ctx.branchDecl) return this.sub(this.branchDecl, ctx.branchDecl[0], range.start);
    return undefined;
  }

  importDecl(ctx: ImportDeclCstChildren, range: SourceRange): ImportDecl {
    return {
      kind: "Import",
      names: (ctx.name ?? []).map((node) => this.sub(this.name, node, range.end)),
      from: stringLiteral(ctx.StringLiteral?.[0], range.end),
      range,
    };
  }

  schemaDecl(ctx: SchemaDeclCstChildren, range: SourceRange): SchemaDecl {
    return {
      kind: "Schema",
      name: this.sub(this.name, ctx.name?.[0], endOf(ctx.SchemaKw?.[0], range.end)),
      fields: (ctx.field ?? []).map((node) => this.sub(this.field, node, range.end)),
      range,
    };
  }

  field(ctx: FieldCstChildren, range: SourceRange): FieldDecl {
    return {
      kind: "Field",
      name: this.sub(this.name, ctx.name?.[0], range.start),
      optional: ctx.Question !== undefined,
      type: this.sub(this.typeRef, ctx.typeRef?.[0], range.end),
      range,
    };
  }

  typeRef(ctx: TypeRefCstChildren, range: SourceRange): TypeRef {
    if (ctx.ListKw) return { kind: "ListType", element: this.sub(this.typeRef, ctx.typeRef?.[0], range.end), range };
    if (ctx.MapKw) {
      const key = this.sub(this.typeRef, ctx.mapKey?.[0], endOf(ctx.LessThan?.[0], range.end));
      return { kind: "MapType", key, value: this.sub(this.typeRef, ctx.mapValue?.[0], endOf(ctx.Comma?.[0], range.end)), range };
    }
    const name = this.sub(this.name, ctx.name?.[0], range.start);
    if (isPrimitiveTypeName(name.name)) return { kind: "PrimitiveType", name: name.name, range: name.range };
    return { kind: "NamedType", name, range: name.range };
  }

  streamDecl(ctx: StreamDeclCstChildren, range: SourceRange): SourceDecl | PipelineDecl {
    return this.collectionDecl("stream", ctx, ctx.StreamKw?.[0], range);
  }

  tableDecl(ctx: TableDeclCstChildren, range: SourceRange): SourceDecl | PipelineDecl {
    return this.collectionDecl("table", ctx, ctx.TableKw?.[0], range);
  }

  /** `stream NAME ...` and `table NAME ...` have the same children after their keyword. */
  private collectionDecl(
    collection: "stream" | "table",
    ctx: Omit<StreamDeclCstChildren, "StreamKw">,
    keyword: IToken | undefined,
    range: SourceRange,
  ): SourceDecl | PipelineDecl {
    const name = this.sub(this.name, ctx.name?.[0], endOf(keyword, range.end));
    if (ctx.FromKw) {
      return {
        kind: "Source",
        collection,
        name,
        topic: stringLiteral(ctx.StringLiteral?.[0], range.end),
        keyFormat: this.sub(this.format, ctx.keyFormat?.[0], range.end),
        valueFormat: this.sub(this.format, ctx.valueFormat?.[0], range.end),
        eventTime: ctx.EventKw || ctx.eventTime ? this.sub(this.name, ctx.eventTime?.[0], range.end) : undefined,
        range,
      };
    }
    // With neither `from` nor `=` (recovery), a pipeline without steps stands in.
    return { kind: "Pipeline", collection, name, ...this.sub(this.pipeline, ctx.pipeline?.[0], range.end), range };
  }

  sinkDecl(ctx: SinkDeclCstChildren, range: SourceRange): SinkDecl {
    return {
      kind: "Sink",
      input: this.sub(this.name, ctx.name?.[0], endOf(ctx.SinkKw?.[0], range.end)),
      topic: this.sub(this.expression, ctx.topic?.[0], endOf(ctx.TopicKw?.[0], range.end)),
      keyFormat: ctx.keyFormat || (ctx.KeyKw && !ctx.WindowedKw) ? this.sub(this.format, ctx.keyFormat?.[0], range.end) : undefined,
      windowedKey: ctx.WindowedKw ? { kind: "WindowedKey", range: tokenRange(ctx.WindowedKw[0]!) } : undefined,
      valueFormat: ctx.valueFormat || (ctx.ValueKw && !ctx.valueProjection) ? this.sub(this.format, ctx.valueFormat?.[0], range.end) : undefined,
      value: ctx.valueProjection ? this.sub(this.expression, ctx.valueProjection[0], range.end) : undefined,
      headers: ctx.HeadersKw ? this.sub(this.recordExpr, ctx.headers?.[0], endOf(ctx.HeadersKw[0], range.end)) : undefined,
      range,
    };
  }

  branchDecl(ctx: BranchDeclCstChildren, range: SourceRange): BranchDecl {
    return {
      kind: "Branch",
      input: this.sub(this.name, ctx.input?.[0], endOf(ctx.BranchKw?.[0], range.end)),
      arms: (ctx.branchArm ?? []).map((node) => this.sub(this.branchArm, node, range.end)),
      range,
    };
  }

  branchArm(ctx: BranchArmCstChildren, range: SourceRange): BranchArm {
    const name = this.sub(this.name, ctx.name?.[0], range.start);
    // A missing condition (recovery) is an ErrorExpr, never a made-up `else`.
    const condition = ctx.ElseKw ? undefined : this.sub(this.expression, ctx.condition?.[0], endOf(ctx.Colon?.[0], range.end));
    return { kind: "BranchArm", name, condition, range };
  }

  format(ctx: FormatCstChildren, range: SourceRange): FormatRef {
    if (ctx.StringKw) return { kind: "Format", name: "string", schema: undefined, range };
    if (ctx.JsonKw) {
      const schema = ctx.schema === undefined ? undefined : this.sub(this.name, ctx.schema[0], range.end);
      return { kind: "Format", name: "json", schema, range };
    }
    return { kind: "Format", name: "", schema: undefined, range };
  }

  // -------------------------------------------------------------- pipelines

  pipeline(ctx: PipelineCstChildren, range: SourceRange): Pick<PipelineDecl, "input" | "steps"> {
    return {
      input: this.sub(this.name, ctx.input?.[0], range.start),
      steps: (ctx.step ?? []).flatMap((node) => this.sub(this.step, node, range.end) ?? []),
    };
  }

  step(ctx: StepCstChildren, range: SourceRange): Step | undefined {
    const expression = (): Expr => this.sub(this.expression, ctx.expression?.[0], range.end);
    if (ctx.WhereKw) return { kind: "Where", condition: expression(), range };
    if (ctx.SelectKw) return { kind: "Select", value: expression(), range };
    if (ctx.FlatmapKw) return { kind: "FlatMap", values: expression(), range };
    if (ctx.RekeyKw) return { kind: "Rekey", key: expression(), range };
    if (ctx.GroupKw) return { kind: "GroupBy", key: expression(), range };
    if (ctx.windowStep) return this.sub(this.windowStep, ctx.windowStep[0], range.start);
    if (ctx.CountKw) return { kind: "Count", range };
    if (ctx.SumKw) return { kind: "Sum", value: expression(), range };
    if (ctx.AggregateKw) return { kind: "Aggregate", value: this.sub(this.recordExpr, ctx.recordExpr?.[0], range.end), range };
    if (ctx.joinStep) return this.sub(this.joinStep, ctx.joinStep[0], range.start);
    if (ctx.dedupStep) return this.sub(this.dedupStep, ctx.dedupStep[0], range.start);
    if (ctx.MergeKw) {
      const streams = (ctx.merged ?? []).map((node) => this.sub(this.name, node, range.end));
      return { kind: "Merge", streams: streams.length > 0 ? streams : [{ kind: "Identifier", name: "", range: emptyRange(endOf(ctx.MergeKw[0], range.end)) }], range };
    }
    return undefined;
  }

  joinStep(ctx: JoinStepCstChildren, range: SourceRange): JoinStep {
    const type: JoinType = ctx.LeftKw ? "left" : ctx.RightKw ? "right" : ctx.OuterKw ? "outer" : "inner";
    return {
      kind: "Join",
      type,
      other: this.sub(this.name, ctx.other?.[0], endOf(ctx.JoinKw?.[0], range.end)),
      on: ctx.OnKw ? this.sub(this.expression, ctx.on?.[0], endOf(ctx.OnKw[0], range.end)) : undefined,
      within: ctx.WithinKw ? this.sub(this.joinWindow, ctx.joinWindow?.[0], endOf(ctx.WithinKw[0], range.end)) : undefined,
      grace: ctx.GraceKw ? this.sub(this.duration, ctx.grace?.[0], endOf(ctx.GraceKw[0], range.end)) : undefined,
      range,
    };
  }

  joinWindow(ctx: JoinWindowCstChildren, range: SourceRange): JoinWindowClause {
    const first = this.sub(this.duration, ctx.first?.[0], range.start);
    const bounds = [...(ctx.BeforeKw ?? []).map((token) => ({ token, bound: "before" as const })), ...(ctx.AfterKw ?? []).map((token) => ({ token, bound: "after" as const }))];
    if (bounds.length === 0) return { kind: "JoinWindow", both: first, before: undefined, after: undefined, range };
    // The bound written first names the first duration: `10 s before and 2 s after`, or `2 s after and 10 s before`.
    bounds.sort((a, b) => a.token.startOffset - b.token.startOffset);
    const second = ctx.second ? this.sub(this.duration, ctx.second[0], range.end) : undefined;
    const firstIsBefore = bounds[0]!.bound === "before";
    return { kind: "JoinWindow", both: undefined, before: firstIsBefore ? first : second, after: firstIsBefore ? second : first, range };
  }

  dedupStep(ctx: DedupStepCstChildren, range: SourceRange): DedupStep {
    return {
      kind: "Dedup",
      by: ctx.ByKw ? this.sub(this.expression, ctx.by?.[0], endOf(ctx.ByKw[0], range.end)) : undefined,
      within: this.sub(this.duration, ctx.within?.[0], endOf(ctx.WithinKw?.[0], range.end)),
      range,
    };
  }

  windowStep(ctx: WindowStepCstChildren, range: SourceRange): WindowStep {
    const type = ctx.TumblingKw ? "tumbling" : ctx.HoppingKw ? "hopping" : ctx.SlidingKw ? "sliding" : ctx.SessionKw ? "session" : "";
    const duration = (node: CstNode | undefined, after: IToken | undefined) => this.sub(this.duration, node, endOf(after, range.end));
    const emitToken = ctx.FinalKw?.[0] ?? ctx.ChangesKw?.[0];
    const emit: EmitClause | undefined =
      ctx.EmitKw && emitToken ? { kind: "Emit", mode: ctx.FinalKw ? "final" : "changes", range: span(tokenRange(ctx.EmitKw[0]!), tokenRange(emitToken)) } : undefined;
    return {
      kind: "Window",
      type,
      size: duration(ctx.size?.[0], ctx.TumblingKw?.[0] ?? ctx.HoppingKw?.[0] ?? ctx.SlidingKw?.[0] ?? ctx.SessionKw?.[0] ?? ctx.WindowKw?.[0]),
      advance: ctx.AdvanceKw ? duration(ctx.advance?.[0], ctx.AdvanceKw[0]) : undefined,
      grace: ctx.GraceKw ? duration(ctx.grace?.[0], ctx.GraceKw[0]) : undefined,
      emit,
      range,
    };
  }

  duration(ctx: DurationCstChildren, range: SourceRange): Duration {
    const number = ctx.NumberLiteral?.[0];
    const magnitude = number ? Number(number.image) : 0;
    const unitToken = ctx.unit?.[0];
    const unit: Identifier = unitToken
      ? { kind: "Identifier", name: unitToken.image, range: tokenRange(unitToken) }
      : { kind: "Identifier", name: "", range: emptyRange(range.end) };
    return { kind: "Duration", amount: ctx.Minus ? -magnitude : magnitude, unit, range };
  }

  // -------------------------------------------------------------- expressions

  expression(ctx: ExpressionCstChildren, range: SourceRange): Expr {
    if (ctx.ifExpr) return this.sub(this.ifExpr, ctx.ifExpr[0], range.start);
    if (ctx.orExpr) return this.sub(this.orExpr, ctx.orExpr[0], range.start);
    return { kind: "Error", range };
  }

  ifExpr(ctx: IfExprCstChildren, range: SourceRange): Expr {
    return {
      kind: "If",
      condition: this.sub(this.expression, ctx.condition?.[0], endOf(ctx.IfKw?.[0], range.end)),
      then: this.sub(this.expression, ctx.then?.[0], endOf(ctx.ThenKw?.[0], range.end)),
      else: this.sub(this.expression, ctx.else?.[0], endOf(ctx.ElseKw?.[0], range.end)),
      range,
    };
  }

  orExpr(ctx: OrExprCstChildren, range: SourceRange): Expr {
    return this.fold(this.andExpr, ctx.andExpr, ctx.OrKw, range);
  }

  andExpr(ctx: AndExprCstChildren, range: SourceRange): Expr {
    return this.fold(this.notExpr, ctx.notExpr, ctx.AndKw, range);
  }

  notExpr(ctx: NotExprCstChildren, range: SourceRange): Expr {
    const not = ctx.NotKw?.[0];
    if (not === undefined) return this.sub(this.compareExpr, ctx.compareExpr?.[0], range.start);
    const operand = this.sub(this.notExpr, ctx.notExpr?.[0], endOf(not, range.end));
    return { kind: "Unary", operator: "not", operand, range: span(range, operand.range) };
  }

  compareExpr(ctx: CompareExprCstChildren, range: SourceRange): Expr {
    const keyword = ctx.InKw?.[0] ?? ctx.BetweenKw?.[0];
    if (keyword === undefined) return this.fold(this.addExpr, ctx.addExpr, ctx.ComparisonOperator, range);
    const value = this.sub(this.addExpr, ctx.addExpr?.[0], range.start);
    const not = ctx.NotKw?.[0];
    const operatorRange = span(tokenRange(not ?? keyword), tokenRange(keyword));
    const negated = not !== undefined;
    if (ctx.InKw) return { kind: "In", value, list: this.sub(this.addExpr, ctx.list?.[0], operatorRange.end), negated, operatorRange, range };
    const low = this.sub(this.addExpr, ctx.low?.[0], operatorRange.end);
    const high = this.sub(this.addExpr, ctx.high?.[0], endOf(ctx.AndKw?.[0], range.end));
    return { kind: "Between", value, low, high, negated, operatorRange, range };
  }

  addExpr(ctx: AddExprCstChildren, range: SourceRange): Expr {
    return this.fold(this.mulExpr, ctx.mulExpr, ctx.AdditiveOperator, range);
  }

  mulExpr(ctx: MulExprCstChildren, range: SourceRange): Expr {
    return this.fold(this.unaryExpr, ctx.unaryExpr, ctx.MultiplicativeOperator, range);
  }

  unaryExpr(ctx: UnaryExprCstChildren, range: SourceRange): Expr {
    const minus = ctx.Minus?.[0];
    if (minus === undefined) return this.sub(this.postfixExpr, ctx.postfixExpr?.[0], range.start);
    // `-1` stays a UnaryExpr over the literal 1: folding is the compiler's business.
    const operand = this.sub(this.unaryExpr, ctx.unaryExpr?.[0], endOf(minus, range.end));
    return { kind: "Unary", operator: "-", operand, range: span(range, operand.range) };
  }

  postfixExpr(ctx: PostfixExprCstChildren, range: SourceRange): Expr {
    let object = this.sub(this.primary, ctx.primary?.[0], range.start);
    // From the CST, like `fold`: `(a).b` spans the parentheses too.
    const start = range.start;
    for (const node of ctx.suffix ?? []) {
      const suffix = this.sub(this.suffix, node, object.range.end);
      const whole = span({ start, end: start }, suffix.range);
      object =
        suffix.kind === "member"
          ? { kind: "Member", object, property: suffix.property, range: whole }
          : { kind: "Index", object, index: suffix.index, range: whole };
    }
    return object;
  }

  suffix(ctx: SuffixCstChildren, range: SourceRange): Suffix {
    if (ctx.Dot) return { kind: "member", property: this.sub(this.name, ctx.property?.[0], endOf(ctx.Dot[0], range.end)), range };
    return { kind: "index", index: this.sub(this.expression, ctx.index?.[0], endOf(ctx.LBracket?.[0], range.end)), range };
  }

  primary(ctx: PrimaryCstChildren, range: SourceRange): Expr {
    const number = ctx.NumberLiteral?.[0];
    if (number) return numberLiteral(number);
    const string = ctx.StringLiteral?.[0];
    if (string) return stringLiteral(string, range.start);
    if (ctx.TrueKw) return { kind: "BooleanLiteral", value: true, range: tokenRange(ctx.TrueKw[0]) };
    if (ctx.FalseKw) return { kind: "BooleanLiteral", value: false, range: tokenRange(ctx.FalseKw[0]) };
    if (ctx.NullKw) return { kind: "NullLiteral", range: tokenRange(ctx.NullKw[0]) };
    if (ctx.callOrName) return this.sub(this.callOrName, ctx.callOrName[0], range.start);
    if (ctx.parenExpr) return this.sub(this.parenExpr, ctx.parenExpr[0], range.start);
    if (ctx.recordExpr) return this.sub(this.recordExpr, ctx.recordExpr[0], range.start);
    if (ctx.listExpr) return this.sub(this.listExpr, ctx.listExpr[0], range.start);
    return { kind: "Error", range };
  }

  callOrName(ctx: CallOrNameCstChildren, range: SourceRange): Expr {
    const name = this.sub(this.name, ctx.name?.[0], range.start);
    if (ctx.LParen === undefined) return { kind: "Name", name, range: name.range };
    const args = (ctx.expression ?? []).map((node) => this.sub(this.expression, node, range.end));
    return { kind: "Call", callee: name, args, range };
  }

  parenExpr(ctx: ParenExprCstChildren, range: SourceRange): Expr {
    return this.sub(this.expression, ctx.expression?.[0], endOf(ctx.LParen?.[0], range.end));
  }

  recordExpr(ctx: RecordExprCstChildren, range: SourceRange): RecordExpr {
    return { kind: "Record", fields: (ctx.recordField ?? []).map((node) => this.sub(this.recordField, node, range.end)), range };
  }

  recordField(ctx: RecordFieldCstChildren, range: SourceRange): RecordField {
    const name = this.sub(this.name, ctx.name?.[0], range.start);
    if (ctx.Colon === undefined) {
      return { kind: "RecordField", name, value: { kind: "Name", name, range: name.range }, shorthand: true, range };
    }
    const value = this.sub(this.expression, ctx.expression?.[0], endOf(ctx.Colon[0], range.end));
    return { kind: "RecordField", name, value, shorthand: false, range };
  }

  listExpr(ctx: ListExprCstChildren, range: SourceRange): Expr {
    return { kind: "List", elements: (ctx.expression ?? []).map((node) => this.sub(this.expression, node, range.end)), range };
  }

  // -------------------------------------------------------------- names

  name(ctx: NameCstChildren, range: SourceRange): Identifier {
    const token = ctx.Identifier?.[0];
    // A token inserted by recovery has an empty image and a zero-length range.
    if (token !== undefined) return { kind: "Identifier", name: token.image, range: tokenRange(token) };
    return { kind: "Identifier", name: "", range };
  }
}

const builder = new AstBuilder();

function comment(token: IToken): Comment {
  return { kind: "Comment", text: token.image, range: tokenRange(token) };
}

/**
 * Builds the AST of a whole file from the CST of the `file` rule (possibly partial, after error
 * recovery) and the comment tokens the lexer set aside. The file's range is the whole text.
 */
export function buildAst(cst: CstNode | undefined, comments: readonly IToken[], textLength: number): WeirFile {
  const parts = builder.file((cst?.children ?? {}) as FileCstChildren, { start: 0, end: textLength });
  return { kind: "File", ...parts, comments: comments.map(comment), range: { start: 0, end: textLength } };
}
