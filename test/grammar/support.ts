// Helpers for the grammar tests.

import { expect } from "vitest";
import type { Declaration, Expr, Node, SourceRange, Step, WeirFile } from "../../grammar/ast.ts";
import { parseWeir, type ParseProblem } from "../../grammar/index.ts";

/** Parses text that must have no problems. */
export function parseClean(text: string): WeirFile {
  const { file, problems } = parseWeir(text);
  expect(problems).toEqual([]);
  return file;
}

/** The only declaration of a problem-free text. */
export function parseDeclaration(text: string): Declaration {
  const file = parseClean(text);
  expect(file.declarations).toHaveLength(1);
  return file.declarations[0]!;
}

/** The steps of the only (pipeline) declaration of a problem-free text. */
export function parseSteps(text: string): readonly Step[] {
  const declaration = parseDeclaration(text);
  if (declaration.kind !== "Pipeline") throw new Error(`expected a pipeline, got ${declaration.kind}`);
  return declaration.steps;
}

const exprPrefix = "stream s = x | select ";

/** Parses `source` as the expression of a select step; `at(range)` gives the text a range covers. */
export function parseExpr(source: string): { expr: Expr; at: (range: SourceRange) => string } {
  const text = exprPrefix + source;
  const [step] = parseSteps(text);
  if (step?.kind !== "Select") throw new Error("expected a select step");
  return { expr: step.value, at: (range) => text.slice(range.start, range.end) };
}

/** An expression as an S-expression, to check the tree's shape at a glance: `(+ a (* b c))`. */
export function sexpr(expr: Expr): string {
  switch (expr.kind) {
    case "NumberLiteral":
      return String(expr.value);
    case "StringLiteral":
      return JSON.stringify(expr.value);
    case "BooleanLiteral":
      return String(expr.value);
    case "NullLiteral":
      return "null";
    case "Name":
      return expr.name.name;
    case "Member":
      return `(. ${sexpr(expr.object)} ${expr.property.name})`;
    case "Index":
      return `([] ${sexpr(expr.object)} ${sexpr(expr.index)})`;
    case "Call":
      return `(call ${[expr.callee.name, ...expr.args.map(sexpr)].join(" ")})`;
    case "Unary":
      return `(${expr.operator} ${sexpr(expr.operand)})`;
    case "Binary":
      return `(${expr.operator} ${sexpr(expr.left)} ${sexpr(expr.right)})`;
    case "In":
      return `(${expr.negated ? "not in" : "in"} ${sexpr(expr.value)} ${sexpr(expr.list)})`;
    case "Between":
      return `(${expr.negated ? "not between" : "between"} ${sexpr(expr.value)} ${sexpr(expr.low)} ${sexpr(expr.high)})`;
    case "If":
      return `(if ${sexpr(expr.condition)} ${sexpr(expr.then)} ${sexpr(expr.else)})`;
    case "Record":
      return `{${expr.fields.map((field) => `${field.name.name}${field.shorthand ? "" : `: ${sexpr(field.value)}`}`).join(", ")}}`;
    case "List":
      return `[${expr.elements.map(sexpr).join(", ")}]`;
    case "Error":
      return "<error>";
  }
}

/** Problems as `message @ covered text`, the form most recovery tests assert. */
export function describeProblems(text: string, problems: readonly ParseProblem[]): string[] {
  return problems.map((problem) => `${problem.kind}: ${problem.message} @ ${JSON.stringify(text.slice(problem.range.start, problem.range.end))}`);
}

/** Every AST node under `node` (itself included), depth first. */
export function allNodes(node: Node): Node[] {
  const found: Node[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === "object") {
      if ("kind" in value) found.push(value as Node);
      for (const [key, child] of Object.entries(value)) if (key !== "range" && key !== "operatorRange") walk(child);
    }
  };
  walk(node);
  return found;
}
