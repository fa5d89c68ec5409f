// The checker's expressions room: the type of every expression, read in the shape of
// the records it is evaluated on (their key, value, window and joined tables), what
// each name and call stands for, and where a null check narrows a type.
import type { BetweenExpr, CallExpr, Expr, InExpr, IndexExpr, NameExpr, RecordExpr } from "../../grammar/ast.ts";
import { expression as formatExpression } from "../../grammar/format.ts";
import { aggregateFunctions, builtinFunctions, isAggregateFunction, isBuiltinFunction, type FunctionSignature } from "../builtins.ts";
import { isKnownNonNull, nonNullWhen, pathOf, withNonNull } from "../narrowing.ts";
import { didYouMean, shortList } from "../../runtime/suggest.ts";
import { Types, arithmeticType, describeType, fieldOf, isNullable, isNumeric, isUnchecked, nonNull, sameType, typeToString, unify, type Type } from "../types.ts";
import { windowType, type Shape } from "./checked-file.ts";
import type { CheckContext } from "./context.ts";
import { comparisonHint, conditionHint, conversionHint, mayBeNullHint, nameOrThis, pathText, plusHint, type NullHint } from "./hints.ts";
import { checkNewField } from "./schemas.ts";

/** The names every record has, whatever its value: they take precedence over value fields. */
export const recordNames: readonly string[] = ["key", "value", "timestamp"];

type UnaryExpr = Extract<Expr, { kind: "Unary" }>;
type BinaryExpr = Extract<Expr, { kind: "Binary" }>;
type IfExpr = Extract<Expr, { kind: "If" }>;
type ListExpr = Extract<Expr, { kind: "List" }>;
type MemberExpr = Extract<Expr, { kind: "Member" }>;

/**
 * Checks expressions and records their types, names, calls and narrowings in the context.
 * `nullHint` says how to deal with a value that may be null, where this checker checks
 * expressions (inside the topic of a sink over deletes, the value is one a delete lacks).
 */
export class ExpressionChecker {
  constructor(
    private readonly cx: CheckContext,
    private readonly nullHint: NullHint = mayBeNullHint,
  ) {}

  /** The type of `expr` over records of `shape`, recorded (narrowed where a null check says so). */
  check(expr: Expr, shape: Shape): Type {
    const type = this.narrow(expr, this.exprType(expr, shape), shape);
    this.cx.types.set(expr, type);
    return type;
  }

  checkCondition(expr: Expr, shape: Shape, what: string): void {
    const type = this.check(expr, shape);
    if (isUnchecked(type) || type.kind === "boolean") return;
    this.cx.bag.report("notBoolean", expr, [what, describeType(type)], { hint: conditionHint(expr, type) });
  }

  /** A number is needed (`what` says where): one that may be null gets the null hint. */
  checkNumberType(expr: Expr, type: Type, what: string): void {
    if (isUnchecked(type) || isNumeric(type)) return;
    if (isNullable(type) && isNumeric(nonNull(type))) {
      this.cx.bag.report("mayBeNull", expr, [nameOrThis(expr), describeType(type)], { hint: this.nullHint(expr, "0") });
      return;
    }
    const hint = conversionHint(expr, type, "a number", true);
    this.cx.bag.report("operandType", expr, [what, "a number", describeType(type)], hint ? { hint } : {});
  }

  /** The arguments of a call against its function's signature; the call's type. */
  checkCallArguments(expr: CallExpr, signature: FunctionSignature, shape: Shape): Type {
    const name = expr.callee.name;
    const argTypes = expr.args.map((arg) => this.check(arg, shape));
    const { parameters, required } = signature;
    if (expr.args.length < required || expr.args.length > parameters.length) {
      const expected =
        required === parameters.length
          ? `${parameters.length} argument${parameters.length === 1 ? "" : "s"}`
          : `${required} to ${parameters.length} arguments`;
      const list = parameters.map((p) => p.name).join(", ");
      this.cx.bag.report("argumentCount", expr, [name, expected, expr.args.length], { hint: `${name}(${list}): ${signature.summary}` });
      return signature.result(argTypes);
    }
    argTypes.forEach((type, index) => {
      const parameter = parameters[index]!;
      if (isUnchecked(type) || parameter.accepts(type)) return;
      if (isNullable(type) && parameter.accepts(nonNull(type))) {
        this.cx.bag.report("mayBeNull", expr.args[index]!, [nameOrThis(expr.args[index]!), describeType(type)], { hint: this.nullHint(expr.args[index]!) });
        return;
      }
      const hint =
        name === "toNumber" && isNumeric(nonNull(type)) ? "it is a number already: use it as it is" : conversionHint(expr.args[index]!, type, parameter.expected, isAggregateFunction(name));
      this.cx.bag.report("argumentType", expr.args[index]!, [index + 1, name, parameter.expected, describeType(type)], hint ? { hint } : {});
    });
    const related = argTypes.some(isUnchecked) ? undefined : signature.relate?.(argTypes);
    if (related) {
      this.cx.bag.report("argumentType", expr.args[related.index]!, [related.index + 1, name, related.expected, describeType(argTypes[related.index]!)]);
    }
    for (const index of signature.patternArguments ?? []) {
      const arg = expr.args[index];
      if (arg?.kind !== "StringLiteral") continue;
      try {
        new RegExp(arg.value, "u");
      } catch (error) {
        this.cx.bag.report("invalidPattern", arg, [(error as Error).message.replace(/^Invalid regular expression: /, "")]);
      }
    }
    return signature.result(argTypes);
  }

  /** A name or field that a null check made non-null here loses its "or null". */
  private narrow(expr: Expr, type: Type, shape: Shape): Type {
    if (!isNullable(type) || type.kind === "null" || (expr.kind !== "Name" && expr.kind !== "Member")) return type;
    const path = pathOf(expr, this.cx.names);
    if (path === undefined || !isKnownNonNull(shape.nonNull, path)) return type;
    this.cx.narrowed.add(expr);
    return nonNull(type);
  }

  /** The shape an expression is checked in when `condition` is known to evaluate to `outcome`. */
  private assuming(condition: Expr, outcome: boolean, shape: Shape): Shape {
    const paths = nonNullWhen(condition, outcome, this.cx.names);
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
      case "Index":
        return this.checkIndex(expr, shape);
      case "Call":
        return this.checkCall(expr, shape);
      case "Unary":
        return this.checkUnary(expr, shape);
      case "Binary":
        return this.checkBinary(expr, shape);
      case "In":
        return this.checkIn(expr, shape);
      case "Between":
        return this.checkBetween(expr, shape);
      case "If":
        return this.checkIf(expr, shape);
      case "Record":
        return this.checkRecord(expr, shape);
      case "List":
        return this.checkList(expr, shape);
    }
  }

  private checkName(expr: NameExpr, shape: Shape): Type {
    const name = expr.name.name;
    if (name === "") return Types.error;
    switch (name) {
      case "key":
        this.cx.names.set(expr, { kind: "key" });
        return shape.key;
      case "value":
        this.cx.names.set(expr, { kind: "value" });
        return shape.value;
      case "timestamp":
        this.cx.names.set(expr, { kind: "timestamp" });
        return Types.timestamp;
    }
    if (name === "window" && shape.window) {
      this.cx.names.set(expr, { kind: "window" });
      return windowType;
    }
    const joined = shape.joined?.get(name);
    if (joined) {
      this.cx.names.set(expr, { kind: "joined", table: name, type: joined });
      return joined;
    }
    // After an outer join the value may be null: its fields may be null too.
    const valueMayBeNull = isNullable(shape.value);
    const value = nonNull(shape.value);
    const hasField = value.kind === "record" && fieldOf(value, name) !== undefined;
    if (name === "window" && !hasField && !isUnchecked(value)) {
      this.cx.bag.report("noWindow", expr, [], {
        hint: "windows come from '| group by ... | window tumbling 1 minute | aggregate { ... }'; a sink or a stream over that table can read window.start and window.end",
      });
      return Types.error;
    }
    if (!hasField && this.cx.resolved.collections.get(name)?.collection === "table") {
      this.cx.bag.report("tableNotJoined", expr, [name], {
        hint: `join it first ('| join ${name}'); its name is known in the steps after the join, up to the first step that is not 'where'`,
      });
      return Types.error;
    }
    if (isUnchecked(value)) {
      this.cx.names.set(expr, { kind: "field", name });
      return Types.any;
    }
    if (value.kind === "record") {
      const field = fieldOf(value, name);
      if (field) {
        this.cx.names.set(expr, valueMayBeNull ? { kind: "field", name, valueMayBeNull: true } : { kind: "field", name });
        return valueMayBeNull ? Types.nullable(field.type) : field.type;
      }
      const fields = value.fields.map((f) => f.name);
      const hint = didYouMean(name, [...fields, ...namesBesidesFields(shape)]);
      this.cx.bag.report("unknownName", expr, [name, `in ${describeType(value)}`], {
        hint: hint ?? `${fields.length > 0 ? `its fields are ${fields.join(", ")}; ` : ""}every record also has ${shortList(namesBesidesFields(shape))}`,
      });
      return Types.error;
    }
    this.cx.bag.report("unknownName", expr, [name, `here: the value is ${describeType(value)}, not a record`], {
      hint: didYouMean(name, namesBesidesFields(shape)) ?? "use 'value' for the whole value, 'key' for the key and 'timestamp' for the event time",
    });
    return Types.error;
  }

  private checkMember(expr: MemberExpr, shape: Shape): Type {
    const object = this.check(expr.object, shape);
    const name = expr.property.name;
    if (isUnchecked(object) || name === "") return Types.any;
    const record = nonNull(object);
    if (record.kind === "map") {
      this.cx.bag.report("notARecord", expr.property, [name, describeType(object)], { hint: `a map is read by key: ${pathText(expr.object) ?? "EXPR"}[${JSON.stringify(name)}]` });
      return Types.error;
    }
    if (record.kind !== "record") {
      this.cx.bag.report("notARecord", expr.property, [name, describeType(object)]);
      return Types.error;
    }
    const field = fieldOf(record, name);
    if (!field) {
      const hint = didYouMean(name, record.fields.map((f) => f.name));
      this.cx.bag.report("unknownField", expr.property, [name, describeType(record)], hint ? { hint } : { hint: `its fields are ${record.fields.map((f) => f.name).join(", ")}` });
      return Types.error;
    }
    // Reading a field of a record that may be null gives null.
    return isNullable(object) ? Types.nullable(field.type) : field.type;
  }

  private checkIndex(expr: IndexExpr, shape: Shape): Type {
    const object = this.check(expr.object, shape);
    const container = nonNull(object);
    if (container.kind === "map") return this.checkMapAccess(expr, container.value, shape);
    const index = this.check(expr.index, shape);
    // A value of unknown shape may be a list or an object: a number or a string picks from it.
    if (isUnchecked(object)) {
      if (!isUnchecked(index) && !isNumeric(index) && index.kind !== "string") this.cx.bag.report("operandType", expr.index, ["[ ]", "a number or a string", describeType(index)]);
      return Types.any;
    }
    if (container.kind !== "list") {
      const field = container.kind === "record" && expr.index.kind === "StringLiteral" ? expr.index.value : undefined;
      this.cx.bag.report("notIndexable", expr.object, [describeType(object)], field === undefined ? {} : { hint: `a record's fields are read with a dot: ${pathText(expr.object) ?? "EXPR"}.${field}` });
      return Types.error;
    }
    if (!isUnchecked(index) && !isNumeric(index)) this.cx.bag.report("operandType", expr.index, ["[ ]", "a number", describeType(index)]);
    // Past the end of a list, or in a list that is null, there is nothing: indexing may give null.
    return Types.nullable(container.element);
  }

  /** `attributes["color"]`, `attributes[name]`: a string key; an absent key (or a null map) gives null, as in ksqlDB. */
  private checkMapAccess(expr: IndexExpr, value: Type, shape: Shape): Type {
    const key = this.check(expr.index, shape);
    this.expectOperand(expr.index, key, "[ ]", "a string", (t) => t.kind === "string");
    return Types.nullable(value);
  }

  private checkUnary(expr: UnaryExpr, shape: Shape): Type {
    const operand = this.check(expr.operand, shape);
    if (expr.operator === "not") {
      this.expectOperand(expr.operand, operand, "not", "a boolean", (t) => t.kind === "boolean");
      return Types.boolean;
    }
    this.expectOperand(expr.operand, operand, "-", "a number", isNumeric);
    return operand.kind === "integer" ? Types.integer : Types.number;
  }

  private checkBinary(expr: BinaryExpr, shape: Shape): Type {
    const operator = expr.operator;
    const left = this.check(expr.left, shape);
    // `a and b` evaluates b only when a holds, `a or b` only when a does not.
    const rightShape = operator === "and" ? this.assuming(expr.left, true, shape) : operator === "or" ? this.assuming(expr.left, false, shape) : shape;
    const right = this.check(expr.right, rightShape);
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
        return this.checkArithmetic(expr, left, right);
      case "==":
      case "!=":
        if (left.kind === "null" || right.kind === "null") this.checkNullComparison(expr, left, right);
        if (isUnchecked(left) || isUnchecked(right) || left.kind === "null" || right.kind === "null") return Types.boolean;
        if (!isScalar(nonNull(left)) || !isScalar(nonNull(right)) || !sameType(nonNull(left), nonNull(right))) {
          this.cx.bag.report("incomparable", { range: expr.operatorRange }, [operator, describeType(left), describeType(right)], comparisonHint(left, right));
        }
        return Types.boolean;
      case "<":
      case "<=":
      case ">":
      case ">=":
        if (isUnchecked(left) || isUnchecked(right)) return Types.boolean;
        if (isNullable(left) || isNullable(right)) {
          const nullable = isNullable(left) ? expr.left : expr.right;
          this.cx.bag.report("mayBeNull", nullable, [nameOrThis(nullable), describeType(isNullable(left) ? left : right)], { hint: this.nullHint(nullable) });
        } else if (!((isNumeric(left) && isNumeric(right)) || (left.kind === "string" && right.kind === "string"))) {
          this.cx.bag.report("incomparable", { range: expr.operatorRange }, [operator, describeType(left), describeType(right)], comparisonHint(left, right));
        }
        return Types.boolean;
    }
  }

  /** `+` of two strings joins them; otherwise `+ - * / %` take numbers. */
  private checkArithmetic(expr: BinaryExpr, left: Type, right: Type): Type {
    const operator = expr.operator;
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
      this.cx.bag.report("integerDivisionByZero", expr.right, [operator]);
    }
    return type;
  }

  /**
   * `x in LIST`, `x not in LIST`: x == each element, so what `==` compares `in` compares, and a
   * null x is in a list that holds null (weir's `==` is two-valued: see docs/language.md).
   */
  private checkIn(expr: InExpr, shape: Shape): Type {
    const operator = expr.negated ? "not in" : "in";
    const value = this.check(expr.value, shape);
    const list = this.check(expr.list, shape);
    if (!isUnchecked(list) && nonNull(list).kind !== "list") {
      // `x in ("a")` or `x in "a"`: the values were meant as a list.
      this.cx.bag.report("operandType", expr.list, [operator, "a list", describeType(list)], { hint: `a list is written in brackets: ${operator} [${formatExpression(expr.list)}]` });
      return Types.boolean;
    }
    this.expectOperand(expr.list, list, operator, "a list", (t) => t.kind === "list");
    const elements = nonNull(list);
    if (elements.kind !== "list" || isNullable(list)) return Types.boolean;
    const element = elements.element;
    if (isUnchecked(value) || isUnchecked(element) || value.kind === "null" || element.kind === "null") return Types.boolean;
    if (!isScalar(nonNull(value)) || !isScalar(nonNull(element)) || !sameType(nonNull(value), nonNull(element))) {
      this.cx.bag.report("incomparable", { range: expr.operatorRange }, [operator, describeType(value), describeType(element)], comparisonHint(value, element));
    }
    return Types.boolean;
  }

  /** `x between LOW and HIGH`: `LOW <= x and x <= HIGH`, so it takes what `<=` takes, and none of them may be null. */
  private checkBetween(expr: BetweenExpr, shape: Shape): Type {
    const operator = expr.negated ? "not between" : "between";
    const operands = [expr.value, expr.low, expr.high];
    const types = operands.map((operand) => this.check(operand, shape));
    if (types.some(isUnchecked)) return Types.boolean;
    if (types.some(isNullable)) {
      operands.forEach((operand, index) => {
        const type = types[index]!;
        if (isNullable(type)) this.cx.bag.report("mayBeNull", operand, [nameOrThis(operand), describeType(type)], { hint: this.nullHint(operand) });
      });
      return Types.boolean;
    }
    const [value, low, high] = types as [Type, Type, Type];
    const ordered = (a: Type, b: Type) => (isNumeric(a) && isNumeric(b)) || (a.kind === "string" && b.kind === "string");
    const unordered = [low, high].find((bound) => !ordered(value, bound));
    if (unordered) this.cx.bag.report("incomparable", { range: expr.operatorRange }, [operator, describeType(value), describeType(unordered)], comparisonHint(value, unordered));
    return Types.boolean;
  }

  /** `x != null` where x cannot be null: always true, so probably not what was meant. */
  private checkNullComparison(expr: BinaryExpr, left: Type, right: Type): void {
    const [checked, type] = expr.left.kind === "NullLiteral" ? [expr.right, right] : [expr.left, left];
    if (checked.kind === "NullLiteral" || isNullable(type) || isUnchecked(type)) return;
    // A record's key may be null on the topic whatever its format says: checking it is right.
    if (pathOf(checked, this.cx.names)?.split(".")[0] === "key") return;
    const always = expr.operator === "!=" ? "true" : "false";
    this.cx.bag.report("neverNull", { range: expr.operatorRange }, [describeType(type), always], {
      hint: this.cx.narrowed.has(checked)
        ? "an earlier null check already tells that it is not null"
        : "only a field declared with '?', a left join's table, a list element past the end and a function that may return null can be null",
    });
  }

  private checkIf(expr: IfExpr, shape: Shape): Type {
    this.checkCondition(expr.condition, shape, "the condition of 'if'");
    const thenType = this.check(expr.then, this.assuming(expr.condition, true, shape));
    const elseType = this.check(expr.else, this.assuming(expr.condition, false, shape));
    const type = unify(thenType, elseType);
    if (type) return type;
    this.cx.bag.report("branchTypes", expr, [typeToString(thenType), typeToString(elseType)]);
    return Types.error;
  }

  private checkRecord(expr: RecordExpr, shape: Shape): Type {
    const seen = new Set<string>();
    const fields = expr.fields.map((field) => {
      checkNewField(this.cx, field.name, seen);
      return { name: field.name.name, type: this.check(field.value, shape) };
    });
    return Types.record(fields);
  }

  private checkList(expr: ListExpr, shape: Shape): Type {
    let element: Type = Types.any;
    let first: Type | undefined;
    for (const item of expr.elements) {
      const type = this.check(item, shape);
      if (!first) {
        first = type;
        element = type;
        continue;
      }
      const unified = unify(element, type);
      if (unified) element = unified;
      else this.cx.bag.report("listElementTypes", item, [typeToString(first), typeToString(type)]);
    }
    return Types.list(element);
  }

  private expectOperand(node: Expr, type: Type, operator: string, expected: string, accepts: (t: Type) => boolean): void {
    if (isUnchecked(type) || accepts(type)) return;
    if (isNullable(type) && accepts(nonNull(type))) {
      this.cx.bag.report("mayBeNull", node, [nameOrThis(node), describeType(type)], { hint: this.nullHint(node) });
      return;
    }
    const hint = operator === "+" ? plusHint : conversionHint(node, type, expected);
    this.cx.bag.report("operandType", node, [operator, expected, describeType(type)], hint ? { hint } : {});
  }

  private checkCall(expr: CallExpr, shape: Shape): Type {
    const name = expr.callee.name;
    const imported = this.cx.resolved.imports.get(name);
    if (imported?.aggregate) {
      for (const arg of expr.args) this.check(arg, shape);
      this.cx.bag.report("aggregateCalledAsFunction", expr.callee, [name], { hint: `after 'group by': | aggregate { ${name}: ${name}(...) }` });
      return Types.error;
    }
    if (imported) {
      this.cx.calls.set(expr, { kind: "import", name });
      return this.checkCallArguments(expr, imported.signature, shape);
    }
    const builtin = isBuiltinFunction(name) ? builtinFunctions[name] : undefined;
    if (builtin) {
      this.cx.calls.set(expr, { kind: "builtin", name });
      return this.checkCallArguments(expr, builtin, shape);
    }
    for (const arg of expr.args) this.check(arg, shape);
    if (name === "") return Types.error;
    this.cx.bag.report("unknownFunction", expr.callee, [name], { hint: unknownFunctionHint(name, [...this.cx.resolved.imports.keys()]) });
    return Types.error;
  }
}

/** The names a step knows whatever its value is: key, value, timestamp, and window and joined tables where there are. */
function namesBesidesFields(shape: Shape): string[] {
  return [...recordNames, ...(shape.window ? ["window"] : []), ...(shape.joined?.keys() ?? [])];
}

/** A function that is not one: a misspelt one, an aggregate called outside `aggregate { }`, or one not imported. */
function unknownFunctionHint(name: string, imported: readonly string[]): string {
  const inAggregate = "it is an aggregate function: use it inside 'aggregate { ... }' after 'group by'";
  if (isAggregateFunction(name)) return `'${name}' ${inAggregate.slice("it ".length)}`;
  const callable = didYouMean(name, [...Object.keys(builtinFunctions), ...imported]);
  if (callable) return callable;
  const aggregate = didYouMean(name, Object.keys(aggregateFunctions));
  if (aggregate) return `${aggregate} ${inAggregate}`;
  const importedList = shortList(imported);
  const importIt = 'import it from a TypeScript module: import { NAME } from "./functions.ts"';
  return importedList ? `the imported functions are ${importedList}; or ${importIt}` : importIt;
}

function isScalar(type: Type): boolean {
  return type.kind === "string" || isNumeric(type) || type.kind === "boolean";
}
