// `weir fmt`: prints a parsed file in its canonical layout. Pure: AST and
// source text in, text out. The layout is decided here, not kept from the
// input, except for two things the author chose: comments, and blank lines
// between declarations. Formatting is idempotent, and parsing the output gives
// the same AST (ranges aside) as parsing the input.
//
// The layout:
//   - one declaration per line; a pipeline with more than one step puts each
//     step on its own line, indented `  | step`;
//   - a schema or record that does not fit in the line width gets a line per field;
//     a sink that does not fit gets a line per clause (key, value, headers);
//   - single spaces around binary operators and after commas and colons,
//     `{ a, b }` with inner spaces, `[a, b]` and `f(a, b)` without;
//   - parentheses only where precedence needs them, and around a comparison
//     (or another `not`) after `not`.
import type {
  BranchDecl,
  Comment,
  Declaration,
  Duration,
  Expr,
  FieldDecl,
  FormatRef,
  JoinWindowClause,
  PipelineDecl,
  RecordExpr,
  SchemaDecl,
  SinkDecl,
  SourceRange,
  Step,
  TypeRef,
  WeirFile,
} from "./ast.ts";

const LINE_WIDTH = 100;
const INDENT = "  ";

/** Formats a file that parsed without problems. */
export function formatWeir(file: WeirFile, text: string): string {
  return new Formatter(file, text).format();
}

class Formatter {
  private readonly out: string[] = [];
  /** Comments not yet printed, in source order. */
  private readonly pending: Comment[];

  constructor(
    private readonly file: WeirFile,
    private readonly text: string,
  ) {
    this.pending = [...file.comments];
  }

  format(): string {
    let previousEnd: number | undefined;
    const items: { readonly range: SourceRange; readonly print: () => string[] }[] = [];
    if (this.file.application) {
      const application = this.file.application;
      items.push({ range: application.range, print: () => [`application ${application.name.name}`] });
    }
    for (const declaration of this.file.declarations) items.push({ range: declaration.range, print: () => this.declaration(declaration) });

    for (const item of items) {
      const leading = this.takeCommentsBefore(item.range.start);
      const start = leading[0]?.range.start ?? item.range.start;
      if (previousEnd !== undefined && this.blankLineBetween(previousEnd, start)) this.out.push("");
      for (const comment of leading) {
        if (previousEnd !== undefined && comment !== leading[0] && this.blankLineBetween(this.previousCommentEnd(leading, comment), comment.range.start)) this.out.push("");
        this.out.push(comment.text);
      }
      if (leading.length > 0 && this.blankLineBetween(leading[leading.length - 1]!.range.end, item.range.start)) this.out.push("");
      const lines = item.print();
      // Comments inside a declaration follow it, on their own lines: rare, and never lost.
      const inner = this.takeCommentsBefore(item.range.end);
      const trailing = this.takeTrailingComment(item.range.end);
      if (trailing) lines[lines.length - 1] += ` ${trailing.text}`;
      this.out.push(...lines, ...inner.map((c) => c.text));
      previousEnd = trailing?.range.end ?? item.range.end;
    }
    const rest = this.pending.splice(0);
    if (rest.length > 0 && previousEnd !== undefined && this.blankLineBetween(previousEnd, rest[0]!.range.start)) this.out.push("");
    for (const comment of rest) this.out.push(comment.text);
    return this.out.length === 0 ? "" : `${this.out.join("\n")}\n`;
  }

  private previousCommentEnd(comments: Comment[], comment: Comment): number {
    return comments[comments.indexOf(comment) - 1]!.range.end;
  }

  private takeCommentsBefore(offset: number): Comment[] {
    let count = 0;
    while (count < this.pending.length && this.pending[count]!.range.start < offset) count++;
    return this.pending.splice(0, count);
  }

  /** A comment that starts on the same line as `offset`, after it (and before `limit`). */
  private takeTrailingComment(offset: number, limit = Number.POSITIVE_INFINITY): Comment | undefined {
    const next = this.pending[0];
    if (!next || next.range.start >= limit || next.range.start < offset) return undefined;
    if (this.text.slice(offset, next.range.start).includes("\n")) return undefined;
    if (next.text.startsWith("/*") && next.text.includes("\n")) return undefined;
    return this.pending.shift();
  }

  private blankLineBetween(from: number, to: number): boolean {
    return /\n[ \t\r]*\n/.test(this.text.slice(from, to));
  }

  // ------------------------------------------------------------ declarations

  private declaration(declaration: Declaration): string[] {
    switch (declaration.kind) {
      case "Import":
        return [`import { ${declaration.names.map((n) => n.name).join(", ")} } from ${JSON.stringify(declaration.from.value)}`];
      case "Schema":
        return this.schema(declaration);
      case "Source": {
        const eventTime = declaration.eventTime ? ` event time ${declaration.eventTime.name}` : "";
        return [
          `${declaration.collection} ${declaration.name.name} from topic ${JSON.stringify(declaration.topic.value)} key ${format(declaration.keyFormat)} value ${format(declaration.valueFormat)}${eventTime}`,
        ];
      }
      case "Pipeline":
        return this.pipeline(declaration);
      case "Branch":
        return this.branch(declaration);
      case "Sink":
        return this.sink(declaration);
    }
  }

  /**
   * A sink on one line when it fits; else its clauses (key, value, headers)
   * each on a line of their own under it, a record in one breaking further.
   */
  private sink(sink: SinkDecl): string[] {
    const start = `sink ${sink.input.name} to topic `;
    const head = `${start}${expression(sink.topic, start.length)}`;
    // Each clause printed as if it started at `column`.
    const clauses: ((column: number) => string)[] = [];
    if (sink.windowedKey || sink.keyFormat) clauses.push(() => `key${sink.windowedKey ? " windowed" : ""}${sink.keyFormat ? ` ${format(sink.keyFormat)}` : ""}`);
    if (sink.value) clauses.push((column) => `value ${expression(sink.value!, column + 6)}`);
    else if (sink.valueFormat) clauses.push(() => `value ${format(sink.valueFormat!)}`);
    if (sink.headers) clauses.push((column) => `headers ${expression(sink.headers!, column + 8)}`);
    let inline = head;
    for (const clause of clauses) inline += ` ${clause(lastLineLength(inline) + 1)}`;
    if (!inline.includes("\n") && inline.length <= LINE_WIDTH) return [inline];
    const lines = head.split("\n");
    for (const clause of clauses) {
      const [first, ...rest] = clause(INDENT.length).split("\n");
      lines.push(`${INDENT}${first}`, ...rest.map((line) => `${INDENT}${line}`));
    }
    return lines;
  }

  private schema(schema: SchemaDecl): string[] {
    const fields = schema.fields.map(field);
    const inline = `schema ${schema.name.name} { ${fields.join(", ")} }`;
    if (fields.length === 0) return [`schema ${schema.name.name} {}`];
    if (inline.length <= LINE_WIDTH) return [inline];
    return [`schema ${schema.name.name} {`, ...fields.map((f) => `${INDENT}${f},`), "}"];
  }

  private pipeline(pipeline: PipelineDecl): string[] {
    const head = `${pipeline.collection} ${pipeline.name.name} = ${pipeline.input.name}`;
    const steps = pipeline.steps.map((step) => this.step(step, INDENT.length + 2));
    const commented = this.pending.some((c) => c.range.start < pipeline.range.end);
    if (steps.length === 0) return [head];
    if (steps.length === 1 && !steps[0]!.includes("\n") && !commented) {
      const inline = `${head} | ${steps[0]}`;
      if (inline.length <= LINE_WIDTH) return [inline];
    }
    const lines = [head];
    const headTrailing = pipeline.steps[0] ? this.takeTrailingComment(pipeline.input.range.end, pipeline.steps[0].range.start) : undefined;
    if (headTrailing) lines[0] += ` ${headTrailing.text}`;
    pipeline.steps.forEach((step, index) => {
      // Comments on their own lines before a step stay before it; one after it on its line stays there.
      for (const comment of this.takeCommentsBefore(step.range.start)) lines.push(`${INDENT}${comment.text}`);
      const [first, ...rest] = steps[index]!.split("\n");
      lines.push(`${INDENT}| ${first}`, ...rest.map((line) => `${INDENT}  ${line}`));
      const next = pipeline.steps[index + 1]?.range.start ?? pipeline.range.end;
      const trailing = this.takeTrailingComment(step.range.end, next);
      if (trailing) lines[lines.length - 1] += ` ${trailing.text}`;
    });
    return lines;
  }

  /** A branch always has a line per arm: each arm declares a stream, and reads best in a column. */
  private branch(branch: BranchDecl): string[] {
    const head = `branch ${branch.input.name} {`;
    if (branch.arms.length === 0) return [`branch ${branch.input.name} {}`];
    const lines = [head];
    branch.arms.forEach((arm, index) => {
      for (const comment of this.takeCommentsBefore(arm.range.start)) lines.push(`${INDENT}${comment.text}`);
      const prefix = `${INDENT}${arm.name.name}: `;
      const condition = arm.condition ? expression(arm.condition, prefix.length) : "else";
      const [first, ...rest] = `${prefix}${condition},`.split("\n");
      lines.push(first!, ...rest.map((line) => `${INDENT}${line}`));
      const next = branch.arms[index + 1]?.range.start ?? branch.range.end;
      const trailing = this.takeTrailingComment(arm.range.end, next);
      if (trailing) lines[lines.length - 1] += ` ${trailing.text}`;
    });
    lines.push("}");
    return lines;
  }

  /** A step's text; a long record breaks over lines (relative indentation). */
  private step(step: Step, indent: number): string {
    switch (step.kind) {
      case "Where":
        return `where ${expression(step.condition, indent + 6)}`;
      case "Select":
        return `select ${expression(step.value, indent + 7)}`;
      case "FlatMap":
        return `flatmap ${expression(step.values, indent + 8)}`;
      case "Rekey":
        return `rekey ${expression(step.key, indent + 6)}`;
      case "GroupBy":
        return `group by ${expression(step.key, indent + 9)}`;
      case "Window": {
        const clauses = [`window ${step.type} ${duration(step.size)}`];
        if (step.advance) clauses.push(`advance ${duration(step.advance)}`);
        if (step.grace) clauses.push(`grace ${duration(step.grace)}`);
        if (step.emit) clauses.push(`emit ${step.emit.mode}`);
        return clauses.join(" ");
      }
      case "Count":
        return "count";
      case "Sum":
        return `sum ${expression(step.value, indent + 4)}`;
      case "Aggregate":
        return `aggregate ${expression(step.value, indent + 10)}`;
      case "Join": {
        const clauses = [`${step.type === "inner" ? "join" : `${step.type} join`} ${step.other.name}`];
        if (step.on) clauses.push(`on ${expression(step.on, indent + clauses[0]!.length + 4)}`);
        if (step.within) clauses.push(`within ${joinWindow(step.within)}`);
        if (step.grace) clauses.push(`grace ${duration(step.grace)}`);
        return clauses.join(" ");
      }
      case "Dedup":
        return step.by ? `dedup by ${expression(step.by, indent + 9)} within ${duration(step.within)}` : `dedup within ${duration(step.within)}`;
      case "Merge":
        return `merge ${step.streams.map((s) => s.name).join(", ")}`;
    }
  }
}

function field(declaration: FieldDecl): string {
  return `${declaration.name.name}${declaration.optional ? "?" : ""}: ${typeRef(declaration.type)}`;
}

export function typeRef(type: TypeRef): string {
  switch (type.kind) {
    case "PrimitiveType":
      return type.name;
    case "ListType":
      return `list<${typeRef(type.element)}>`;
    case "MapType":
      return `map<${typeRef(type.key)}, ${typeRef(type.value)}>`;
    case "NamedType":
      return type.name.name;
  }
}

function duration(value: Duration): string {
  return `${numberText(value.amount)} ${value.unit.name}`;
}

/** A join window: `5 minutes`, `10 seconds before`, `10 seconds before and 2 seconds after` (before first, whichever was written first). */
function joinWindow(window: JoinWindowClause): string {
  if (window.both) return duration(window.both);
  const bounds = [window.before && `${duration(window.before)} before`, window.after && `${duration(window.after)} after`];
  return bounds.filter((bound) => bound !== undefined).join(" and ");
}

function format(ref: FormatRef): string {
  return ref.schema ? `${ref.name} ${ref.schema.name}` : ref.name;
}

// ------------------------------------------------------------ expressions

/** Loosest first; as in GRAMMAR.md. */
const precedence = {
  if: 0,
  or: 1,
  and: 2,
  not: 3,
  compare: 4,
  additive: 5,
  multiplicative: 6,
  unary: 7,
  postfix: 8,
  primary: 9,
} as const;

function binaryPrecedence(operator: string): number {
  switch (operator) {
    case "or":
      return precedence.or;
    case "and":
      return precedence.and;
    case "+":
    case "-":
      return precedence.additive;
    case "*":
    case "/":
    case "%":
      return precedence.multiplicative;
    default:
      return precedence.compare;
  }
}

function levelOf(expr: Expr): number {
  switch (expr.kind) {
    case "If":
      return precedence.if;
    case "Binary":
      return binaryPrecedence(expr.operator);
    case "In":
    case "Between":
      return precedence.compare;
    case "Unary":
      return expr.operator === "not" ? precedence.not : precedence.unary;
    case "Member":
    case "Index":
    case "Call":
      return precedence.postfix;
    default:
      return precedence.primary;
  }
}

/** `column` is where the expression starts on its line: records that would pass the line width break. */
export function expression(expr: Expr, column = 0): string {
  const wrap = (inner: Expr, minimum: number) => {
    const text = expression(inner, column);
    return levelOf(inner) < minimum ? `(${text})` : text;
  };
  switch (expr.kind) {
    case "NumberLiteral":
      return expr.integer ? numberText(expr.value) : fractionText(expr.value);
    case "StringLiteral":
      return JSON.stringify(expr.value);
    case "BooleanLiteral":
      return String(expr.value);
    case "NullLiteral":
      return "null";
    case "Name":
      return expr.name.name;
    case "Member":
      return `${wrap(expr.object, precedence.postfix)}.${expr.property.name}`;
    case "Index":
      return `${wrap(expr.object, precedence.postfix)}[${expression(expr.index, column)}]`;
    case "Call":
      return `${expr.callee.name}(${expr.args.map((arg) => expression(arg, column)).join(", ")})`;
    case "Unary":
      // `not (a == b)` keeps its parentheses, which precedence does not need: `not a == b` reads as `(not a) == b`.
      return expr.operator === "not" ? `not ${wrap(expr.operand, precedence.compare + 1)}` : `-${wrap(expr.operand, precedence.unary)}`;
    case "Binary": {
      const level = binaryPrecedence(expr.operator);
      // Comparisons do not chain: both sides must bind tighter. Others are left-associative.
      const left = wrap(expr.left, level === precedence.compare ? level + 1 : level);
      const right = wrap(expr.right, level + 1);
      return `${left} ${expr.operator} ${right}`;
    }
    case "In":
      // Like every comparison, `in` does not chain: both sides bind tighter.
      return `${wrap(expr.value, precedence.additive)} ${expr.negated ? "not in" : "in"} ${wrap(expr.list, precedence.additive)}`;
    case "Between": {
      const bounds = `${wrap(expr.low, precedence.additive)} and ${wrap(expr.high, precedence.additive)}`;
      return `${wrap(expr.value, precedence.additive)} ${expr.negated ? "not between" : "between"} ${bounds}`;
    }
    case "If":
      // `if` reaches as far right as it can: a condition or `then` branch that is itself an `if` needs no parentheses.
      return `if ${expression(expr.condition, column)} then ${expression(expr.then, column)} else ${expression(expr.else, column)}`;
    case "Record":
      return record(expr, column);
    case "List":
      return `[${expr.elements.map((e) => expression(e, column)).join(", ")}]`;
    case "Error":
      throw new Error("cannot format a file with parse errors");
  }
}

function record(expr: RecordExpr, column: number): string {
  if (expr.fields.length === 0) return "{}";
  const fields = expr.fields.map((f) => (f.shorthand ? f.name.name : `${f.name.name}: ${expression(f.value, column + INDENT.length)}`));
  const inline = `{ ${fields.join(", ")} }`;
  if (column + inline.length <= LINE_WIDTH && !inline.includes("\n")) return inline;
  const lines = fields.map((f) => `${INDENT}${f.split("\n").join(`\n${INDENT}`)},`);
  return `{\n${lines.join("\n")}\n}`;
}

function numberText(value: number): string {
  return String(value);
}

/** A number that is not an integer literal keeps a fraction (`2.0`), so that it stays a number when read again. */
function fractionText(value: number): string {
  const text = numberText(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

function lastLineLength(text: string): number {
  return text.length - text.lastIndexOf("\n") - 1;
}
