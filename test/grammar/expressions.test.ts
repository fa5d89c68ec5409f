import { describe, expect, it } from "vitest";
import { parseExpr, sexpr } from "./support.ts";

function tree(source: string): string {
  return sexpr(parseExpr(source).expr);
}

describe("literals and names", () => {
  it("reads literals", () => {
    expect(parseExpr("42").expr).toMatchObject({ kind: "NumberLiteral", value: 42 });
    expect(parseExpr("2.5e3").expr).toMatchObject({ kind: "NumberLiteral", value: 2500 });
    expect(parseExpr('"hi"').expr).toMatchObject({ kind: "StringLiteral", value: "hi" });
    expect(parseExpr("true").expr).toMatchObject({ kind: "BooleanLiteral", value: true });
    expect(parseExpr("false").expr).toMatchObject({ kind: "BooleanLiteral", value: false });
    expect(parseExpr("null").expr).toMatchObject({ kind: "NullLiteral" });
  });

  it("tells integer literals from numbers by how they are written", () => {
    expect(parseExpr("42").expr).toMatchObject({ kind: "NumberLiteral", value: 42, integer: true });
    for (const text of ["42.0", "4.2e1", "1e3", "9007199254740993"]) expect(parseExpr(text).expr).toMatchObject({ kind: "NumberLiteral", integer: false });
  });

  it("reads soft keywords as names", () => {
    for (const name of ["value", "key", "timestamp", "count", "time", "from", "stream"]) {
      expect(parseExpr(name).expr).toMatchObject({ kind: "Name", name: { kind: "Identifier", name } });
    }
  });

  it("reads calls, including calls named like steps", () => {
    expect(tree("lower(value)")).toBe("(call lower value)");
    expect(tree("count()")).toBe("(call count)");
    expect(tree("sum(amount)")).toBe("(call sum amount)");
    expect(tree("f(a, b + 1, g(c),)")).toBe("(call f a (+ b 1) (call g c))");
  });

  it("reads member access and indexing, left to right", () => {
    expect(tree("a.b.c")).toBe("(. (. a b) c)");
    expect(tree("tags[0]")).toBe("([] tags 0)");
    expect(tree("f(x)[i + 1].name.key")).toBe("(. (. ([] (call f x) (+ i 1)) name) key)");
    expect(tree("(a).b")).toBe("(. a b)");
  });

  it("reads records, with shorthand fields", () => {
    const { expr } = parseExpr("{ id, amount: amount * 2, key: key, }");
    expect(expr).toMatchObject({
      kind: "Record",
      fields: [
        { kind: "RecordField", name: { name: "id" }, value: { kind: "Name", name: { name: "id" } }, shorthand: true },
        { kind: "RecordField", name: { name: "amount" }, value: { kind: "Binary", operator: "*" }, shorthand: false },
        { kind: "RecordField", name: { name: "key" }, value: { kind: "Name", name: { name: "key" } }, shorthand: false },
      ],
    });
    expect(tree("{}")).toBe("{}");
    expect(tree("{ a: { b: 1 } }")).toBe("{a: {b: 1}}");
  });

  it("reads lists", () => {
    expect(tree("[]")).toBe("[]");
    expect(tree('[1, "two", [3],]')).toBe('[1, "two", [3]]');
  });

  it("reads if-then-else, nesting in every branch", () => {
    expect(tree('if a > 100 then "big" else "small"')).toBe('(if (> a 100) "big" "small")');
    expect(tree("if a then if b then 1 else 2 else if c then 3 else 4")).toBe("(if a (if b 1 2) (if c 3 4))");
    expect(tree("if a or b then x + 1 else -x")).toBe("(if (or a b) (+ x 1) (- x))");
  });
});

describe("precedence and associativity", () => {
  it("binds * / % tighter than + -", () => {
    expect(tree("a + b * c")).toBe("(+ a (* b c))");
    expect(tree("a * b + c")).toBe("(+ (* a b) c)");
    expect(tree("a - b / c % d")).toBe("(- a (% (/ b c) d))");
  });

  it("associates binary operators to the left", () => {
    expect(tree("a - b - c")).toBe("(- (- a b) c)");
    expect(tree("a / b / c")).toBe("(/ (/ a b) c)");
    expect(tree("a or b or c")).toBe("(or (or a b) c)");
    expect(tree("a and b and c")).toBe("(and (and a b) c)");
  });

  it("binds arithmetic tighter than comparison, comparison tighter than not, not tighter than and, and tighter than or", () => {
    expect(tree("a + 1 > b * 2")).toBe("(> (+ a 1) (* b 2))");
    expect(tree("not a == b")).toBe("(not (== a b))");
    expect(tree("not a and b")).toBe("(and (not a) b)");
    expect(tree("a or b and c")).toBe("(or a (and b c))");
    expect(tree("a and b or c and d")).toBe("(or (and a b) (and c d))");
    expect(tree("not not a")).toBe("(not (not a))");
  });

  it("reads every comparison operator", () => {
    for (const op of ["==", "!=", "<", "<=", ">", ">="]) expect(tree(`a ${op} b`)).toBe(`(${op} a b)`);
  });

  it("reads 'in', 'not in', 'between' and 'not between' as comparisons", () => {
    expect(tree('tier in ["gold", "silver"]')).toBe('(in tier ["gold", "silver"])');
    expect(tree("tier not in tags")).toBe("(not in tier tags)");
    expect(tree("amount between 1 and 10")).toBe("(between amount 1 10)");
    expect(tree("amount not between low and high * 2")).toBe("(not between amount low (* high 2))");
    // arithmetic binds tighter, `not`, `and` and `or` looser; the `and` after the bounds is logical
    expect(tree("a + 1 in [b - 1]")).toBe("(in (+ a 1) [(- b 1)])");
    expect(tree("not a in [1] and b between 1 and 2 and c")).toBe("(and (and (not (in a [1])) (between b 1 2)) c)");
    expect(tree("a between 1 and 2 or a in [5]")).toBe("(or (between a 1 2) (in a [5]))");
    expect(tree("(a in [1]) == true")).toBe("(== (in a [1]) true)");
  });

  it("still reads 'in', 'between' and 'map' as names", () => {
    expect(tree("in in [between]")).toBe("(in in [between])");
    expect(tree("map[in]")).toBe("([] map in)");
  });

  it("binds unary minus tighter than everything but postfix, and does not fold it into literals", () => {
    expect(tree("-a * b")).toBe("(* (- a) b)");
    expect(tree("-a.b")).toBe("(- (. a b))");
    expect(tree("- -1")).toBe("(- (- 1))");
    expect(tree("a - -1")).toBe("(- a (- 1))");
    expect(parseExpr("-1").expr).toMatchObject({ kind: "Unary", operator: "-", operand: { kind: "NumberLiteral", value: 1 } });
  });

  it("lets parentheses override precedence", () => {
    expect(tree("(a + b) * c")).toBe("(* (+ a b) c)");
    expect(tree("not (value == \"the\")")).toBe('(not (== value "the"))');
  });
});

describe("expression ranges", () => {
  it("spans a binary expression from its left operand to its right, and records the operator", () => {
    const { expr, at } = parseExpr("a.b + c * 2");
    if (expr.kind !== "Binary") throw new Error("not binary");
    expect(at(expr.range)).toBe("a.b + c * 2");
    expect(at(expr.operatorRange)).toBe("+");
    expect(at(expr.left.range)).toBe("a.b");
    expect(at(expr.right.range)).toBe("c * 2");
    if (expr.right.kind !== "Binary") throw new Error("not binary");
    expect(at(expr.right.operatorRange)).toBe("*");
  });

  it("gives a parenthesised expression the range of what is inside", () => {
    const { expr, at } = parseExpr("(a + b) * c");
    if (expr.kind !== "Binary") throw new Error("not binary");
    expect(at(expr.range)).toBe("(a + b) * c");
    expect(at(expr.left.range)).toBe("a + b");
  });

  it("spans unary, call, member, index, record, list and if expressions", () => {
    const cases: Array<[string, string]> = [
      ["not  x", "not  x"],
      ["-x", "-x"],
      ["f( a , b )", "f( a , b )"],
      ["a.b", "a.b"],
      ["a [ 1 ]", "a [ 1 ]"],
      ["{ a: 1 }", "{ a: 1 }"],
      ["[1, 2]", "[1, 2]"],
      ["if a then b else c", "if a then b else c"],
      ['"s"', '"s"'],
      // an operation covers the parentheses around its operands
      ["(a) + (b)", "(a) + (b)"],
      ["-(a)", "-(a)"],
      ["not (a)", "not (a)"],
      ["(a).b[0]", "(a).b[0]"],
    ];
    for (const [source, expected] of cases) {
      const { expr, at } = parseExpr(source);
      expect(at(expr.range)).toBe(expected);
    }
  });

  it("spans 'in' and 'between' over all their operands, and records the operator with its 'not'", () => {
    const { expr, at } = parseExpr("(a) not  in [1, 2]");
    if (expr.kind !== "In") throw new Error("not in");
    expect(at(expr.range)).toBe("(a) not  in [1, 2]");
    expect(at(expr.operatorRange)).toBe("not  in");
    expect(at(expr.value.range)).toBe("a");
    expect(at(expr.list.range)).toBe("[1, 2]");
    const between = parseExpr("a between b + 1 and (c)");
    if (between.expr.kind !== "Between") throw new Error("not between");
    expect(between.at(between.expr.range)).toBe("a between b + 1 and (c)");
    expect(between.at(between.expr.operatorRange)).toBe("between");
    expect(between.at(between.expr.low.range)).toBe("b + 1");
    expect(between.at(between.expr.high.range)).toBe("c");
  });

  it("points record fields, their names and values at their text", () => {
    const { expr, at } = parseExpr("{ id, total: sum(amount) }");
    if (expr.kind !== "Record") throw new Error("not a record");
    const [id, total] = expr.fields;
    expect(at(id!.range)).toBe("id");
    expect(at(id!.value.range)).toBe("id");
    expect(at(total!.range)).toBe("total: sum(amount)");
    expect(at(total!.name.range)).toBe("total");
    expect(at(total!.value.range)).toBe("sum(amount)");
    if (total!.value.kind !== "Call") throw new Error("not a call");
    expect(at(total!.value.callee.range)).toBe("sum");
    expect(at(total!.value.args[0]!.range)).toBe("amount");
  });
});
