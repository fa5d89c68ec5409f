// Broken input of many shapes: the parser must never throw, and what it returns must hold
// together (ranges inside the text, names matching their text, readable messages).

import { describe, expect, it } from "vitest";
import type { SourceRange } from "../../grammar/ast.ts";
import { parseWeir, tokenize } from "../../grammar/index.ts";
import { allNodes } from "./support.ts";

const program = `application shop
// functions written in TypeScript
import { riskScore, normalise } from "./udfs.ts"
schema Order { id: string, customerId: string, amount: number, ts: number, tags?: list<string> }
stream orders from topic "orders" key string value json Order event time ts
stream words = lines | flatmap words(lower(value)) | where length(value) > 0 and not (value == "the")
table counts = words | group by value | count
table revenue = orders | where amount > 0 | group by customerId | aggregate { total: sum(amount), orders: count() }
stream big = orders | select { id, amount: -amount * 1.2, size: if amount > 100 then "big" else "small", first: tags[0].x, c: key } | rekey customerId
sink counts to topic "word-counts" key string value json
sink big to topic "big-orders" value json Order
`;

/** A small deterministic PRNG (mulberry32), so a failure can be reproduced from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pieces = ["{", "}", "(", ")", "[", "]", "|", ",", ":", "=", "<", ">", ".", "?", "-", "not", "if", "then", "else", "stream", "table", "sink", "json", "key", "value", "x", "42", '"s"', '"bad\\q', "/*", "@", "\n"];

/** The program with a few tokens deleted, duplicated, swapped or replaced, or junk inserted. */
function mutate(text: string, next: () => number): string {
  const tokens = tokenize(text).tokens.map((token) => ({ start: token.startOffset, end: token.startOffset + token.image.length }));
  let result = text;
  const edits = 1 + Math.floor(next() * 3);
  for (let i = 0; i < edits; i++) {
    const token = tokens[Math.floor(next() * tokens.length)]!;
    if (token.end > result.length) continue;
    const piece = pieces[Math.floor(next() * pieces.length)]!;
    const choice = next();
    if (choice < 0.35) result = result.slice(0, token.start) + result.slice(token.end);
    else if (choice < 0.6) result = result.slice(0, token.start) + piece + result.slice(token.end);
    else if (choice < 0.85) result = result.slice(0, token.start) + piece + " " + result.slice(token.start);
    else result = result.slice(0, token.end) + result.slice(token.start);
  }
  return result;
}

/** What is wrong with the result of parsing `text` (checked by hand: a thousand `expect`s per parse are slow). */
function violations(text: string): { problems: number; wrong: string[] } {
  const { file, problems } = parseWeir(text);
  const wrong: string[] = [];
  const inText = (range: SourceRange) => Number.isInteger(range.start) && Number.isInteger(range.end) && 0 <= range.start && range.start <= range.end && range.end <= text.length;
  for (const problem of problems) {
    if (/Expecting|possible Token sequences|-->|<\w+>/.test(problem.message)) wrong.push(`chevrotain's message: ${problem.message}`);
    if (!/^(expected|unexpected|invalid|unterminated|control|the file)/.test(problem.message)) wrong.push(`odd message: ${problem.message}`);
    if (!inText(problem.range)) wrong.push(`problem range ${JSON.stringify(problem.range)}`);
  }
  for (const node of allNodes(file)) {
    if (!inText(node.range)) wrong.push(`${node.kind} range ${JSON.stringify(node.range)}`);
    // a name is its text; a placeholder name is empty, and so is its range
    if (node.kind === "Identifier" && text.slice(node.range.start, node.range.end) !== node.name) wrong.push(`Identifier ${JSON.stringify(node.name)} at ${JSON.stringify(node.range)}`);
    if (node.kind === "Binary" && text.slice(node.operatorRange.start, node.operatorRange.end) !== node.operator) wrong.push(`operator ${node.operator}`);
  }
  return { problems: problems.length, wrong };
}

describe("robustness", () => {
  it("parses the unbroken program without problems", () => {
    expect(violations(program)).toEqual({ problems: 0, wrong: [] });
  });

  it("never throws on five hundred broken variants of a program, and returns a consistent AST", () => {
    const next = random(20240601);
    let withProblems = 0;
    for (let i = 0; i < 500; i++) {
      const text = mutate(program, next);
      let result: ReturnType<typeof violations>;
      try {
        result = violations(text);
      } catch (error) {
        throw new Error(`variant ${i} threw:\n${text}\n${String(error)}`);
      }
      expect(result.wrong, `variant ${i}:\n${text}`).toEqual([]);
      if (result.problems > 0) withProblems++;
    }
    // the mutations do break things (most of them)
    expect(withProblems).toBeGreaterThan(350);
  });

  it("survives every prefix of the program", () => {
    for (let end = 0; end <= program.length; end++) {
      const text = program.slice(0, end);
      expect(violations(text).wrong, text).toEqual([]);
    }
  });

  it("reports expressions nested too deeply for the stack as a problem, not an exception", () => {
    const depth = 5000;
    const text = `stream s = x | select ${"(".repeat(depth)}1${")".repeat(depth)}`;
    const { file, problems } = parseWeir(text);
    expect(problems).toEqual([{ kind: "parse", message: "the file is nested too deeply to parse", range: { start: 0, end: 0 } }]);
    expect(file.declarations).toEqual([]);
    // and the parser is fine afterwards
    expect(parseWeir("stream s = x").problems).toEqual([]);
  });
});
