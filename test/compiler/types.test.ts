// The types the checker gives integers, maps, `in` and `between`, read from the value type of
// a stream that selects them (typeToString: `{ a: integer, b: number }`).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../../compiler/compile.ts";
import { formatDiagnostics } from "../../compiler/diagnostic-printer.ts";
import { isAssignable, sameType, typeToString, Types, unify, type Type } from "../../compiler/types.ts";

const path = join(import.meta.dirname, "types.weir");

const header = `application types
schema R { i: integer, j: integer, n: number, ts: timestamp, s: string, note?: string, m: map<string, integer>, tags: list<string> }
stream rs from topic "rs" key string value json R
`;

/** The value type of `stream out = PIPELINE`, as text; the file must have no diagnostics. */
function valueOf(pipeline: string): string {
  const source = `${header}stream out = ${pipeline}\nsink out to topic "out"\n`;
  const analysis = analyze(source, { path });
  expect(formatDiagnostics(analysis.diagnostics, source)).toBe("");
  return typeToString(analysis.checked!.shapes.get("out")!.value);
}

describe("integers", () => {
  it("are what integer literals and integer fields are; numbers keep a fraction or an exponent", () => {
    expect(valueOf("rs | select { a: 1, b: -1, c: 1.0, d: 1e3, e: i }")).toBe("{ a: integer, b: integer, c: number, d: number, e: integer }");
  });

  it("come out of arithmetic on two integers, and numbers out of anything mixed", () => {
    expect(valueOf("rs | select { a: i + j, b: i - 1, c: i * j, d: i / j, e: i % 2, f: i / n, g: n * 2, h: ts + i, k: -i }")).toBe(
      "{ a: integer, b: integer, c: integer, d: integer, e: integer, f: number, g: number, h: number, k: integer }",
    );
  });

  it("are what count, countDistinct, length, and sum and abs of integers give", () => {
    expect(valueOf("rs | select { a: length(s), b: length(tags), c: abs(i), d: abs(n), e: toInteger(n), f: toInteger(s), g: toNumber(s) }")).toBe(
      "{ a: integer, b: integer, c: integer, d: number, e: integer, f: integer, g: number }",
    );
    const source = `${header}table t = rs | group by s | aggregate { a: count(), b: countDistinct(n), c: sum(i), d: sum(n), e: max(i), f: avg(i) }\ntable u = rs | group by s | count\ntable v = rs | group by s | sum i\nsink t to topic "t"\nsink u to topic "u"\nsink v to topic "v"\n`;
    const analysis = analyze(source, { path });
    expect(formatDiagnostics(analysis.diagnostics, source)).toBe("");
    expect(typeToString(analysis.checked!.shapes.get("t")!.value)).toBe("{ a: integer, b: integer, c: integer, d: number, e: integer, f: number }");
    expect(typeToString(analysis.checked!.shapes.get("u")!.value)).toBe("integer");
    expect(typeToString(analysis.checked!.shapes.get("v")!.value)).toBe("integer");
  });

  it("stand where a number is expected, but a number does not stand where an integer is", () => {
    expect(isAssignable(Types.integer, Types.number)).toBe(true);
    expect(isAssignable(Types.number, Types.integer)).toBe(false);
    expect(isAssignable(Types.timestamp, Types.integer)).toBe(false);
    expect(isAssignable(Types.list(Types.integer), Types.list(Types.number))).toBe(true);
    expect(isAssignable(Types.map(Types.number), Types.map(Types.integer))).toBe(false);
    // compared and matched as keys, numbers of every kind are alike
    expect(sameType(Types.integer, Types.number)).toBe(true);
    expect(valueOf("rs | where i == n and i < n and i in [1.5, 2] | select i")).toBe("integer");
  });

  it("unify with numbers as numbers, also inside lists, maps and records", () => {
    expect(valueOf("rs | select { a: if i > 0 then 1 else 2.5, b: [1, 2], c: [1, 2.5], d: coalesce(note, s), e: if i > 0 then [1] else [0.5] }")).toBe(
      "{ a: number, b: list<integer>, c: list<number>, d: string, e: list<number> }",
    );
    const record = (type: Type) => Types.record([{ name: "x", type }]);
    expect(typeToString(unify(record(Types.integer), record(Types.number))!)).toBe("{ x: number }");
    expect(typeToString(unify(Types.map(Types.integer), Types.map(Types.number))!)).toBe("map<string, number>");
  });
});

describe("maps", () => {
  it("give their value type, or null, for a string key", () => {
    expect(valueOf('rs | select { a: m["key 1"], b: m[s], c: coalesce(m[s], 0), whole: m }')).toBe("{ a: integer or null, b: integer or null, c: integer, whole: map<string, integer> }");
  });

  it("reject a key that may be null, and a key that is not a string", () => {
    const source = `${header}stream out = rs | select { a: m[note], b: m[i] }\nsink out to topic "out"\n`;
    expect(analyze(source, { path }).diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([
      "WEIR3006: 'note' may be null (a string or null)",
      "WEIR3001: '[ ]' needs a string, but this is an integer",
    ]);
  });
});

describe("imported functions", () => {
  it("take and return maps typed Record<string, T>, and numbers for integers", () => {
    const folder = mkdtempSync(join(tmpdir(), "weir-types-"));
    try {
      writeFileSync(
        join(folder, "functions.ts"),
        "export function total(stock: Record<string, number>): number { return Object.values(stock).reduce((a, b) => a + b, 0); }\n" +
          "export function labels(names: string[]): { [name: string]: string } { return Object.fromEntries(names.map((n) => [n, n])); }\n",
      );
      const source = `${header.replace("application types\n", 'application types\nimport { total, labels } from "./functions.ts"\n')}stream out = rs | select { t: total(m), l: labels(tags), half: total(m) / 2, twice: i * 2 }\nsink out to topic "out"\n`;
      const analysis = analyze(source, { path: join(folder, "case.weir") });
      expect(formatDiagnostics(analysis.diagnostics, source)).toBe("");
      expect(typeToString(analysis.checked!.shapes.get("out")!.value)).toBe("{ t: number, l: map<string, string>, half: number, twice: integer }");
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe("in and between", () => {
  it("are booleans, and 'in' takes any list: a literal or a list field", () => {
    expect(valueOf('rs | select { a: s in ["x"], b: s not in tags, c: note in ["x", null], d: i between 1 and n, e: s not between "a" and "m", f: ts between 0 and i }')).toBe(
      "{ a: boolean, b: boolean, c: boolean, d: boolean, e: boolean, f: boolean }",
    );
  });

  it("narrow: after 'x in [literals]', x is not null", () => {
    expect(valueOf('rs | where note in ["a", "b"] | select upper(note)')).toBe("string");
    expect(valueOf('rs | where not (note not in ["a"]) | select upper(note)')).toBe("string");
    const source = `${header}stream out = rs | where note in ["a", null] | select upper(note)\nsink out to topic "out"\n`;
    expect(analyze(source, { path }).diagnostics.map((d) => d.code)).toEqual(["WEIR3006"]);
  });

  it("compare what '==' and '<=' compare, and say which operator did not", () => {
    const source = `${header}stream out = rs | where i in ["1"] and tags in [tags] and s between 1 and "z" and note between "a" and "b" and i not between 1 and true\nsink out to topic "out"\n`;
    expect(analyze(source, { path }).diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([
      "WEIR3007: cannot compare an integer with a string using 'in'",
      "WEIR3007: cannot compare a list<string> with a list<string> using 'in'",
      "WEIR3007: cannot compare a string with an integer using 'between'",
      "WEIR3006: 'note' may be null (a string or null)",
      "WEIR3007: cannot compare an integer with a boolean using 'not between'",
    ]);
  });
});
