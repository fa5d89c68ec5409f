// One test per diagnostic code (the cases are in diagnostic-cases.ts): a small file
// that triggers it, the exact text the diagnostic points at, and its message. A new
// code without a case fails the last test.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../../compiler/compile.ts";
import { diagnostics } from "../../compiler/diagnostics.ts";
import { formatDiagnostics } from "../../compiler/diagnostic-printer.ts";
import { caseSource, cases, casePath as path, header, sinkAll } from "./diagnostic-cases.ts";

describe("diagnostics", () => {
  for (const testCase of cases) {
    it(`${testCase.code}: ${typeof testCase.message === "string" ? testCase.message : testCase.message.source}`, () => {
      const source = caseSource(testCase);
      const found = analyze(source, { path }).diagnostics;
      const matching = found.filter((d) => d.code === testCase.code);
      expect(matching, formatDiagnostics(found, source)).toHaveLength(1);
      const diagnostic = matching[0]!;
      expect(source.slice(diagnostic.start, diagnostic.start + diagnostic.length)).toBe(testCase.at);
      if (typeof testCase.message === "string") expect(diagnostic.message).toBe(testCase.message);
      else expect(diagnostic.message).toMatch(testCase.message);
      if (testCase.hint === null) expect(diagnostic.hint).toBeUndefined();
      else if (testCase.hint !== undefined) {
        if (typeof testCase.hint === "string") expect(diagnostic.hint).toBe(testCase.hint);
        else expect(diagnostic.hint).toMatch(testCase.hint);
      }
      // Only the diagnostic under test: a case that triggers others hides mistakes.
      expect(found.filter((d) => d !== diagnostic), formatDiagnostics(found, source)).toEqual([]);
    });
  }

  it("has a case for every code in the catalogue", () => {
    const codes = Object.values(diagnostics).map((d) => d.code).sort();
    expect([...new Set(cases.map((c) => c.code))].sort()).toEqual(codes);
  });

  it("prints file:line:col, the line, a caret under the span and the hint", () => {
    const source = `${header}stream big = ordrs | where amount > 1\nsink big to topic "b"\n${sinkAll}`;
    const text = formatDiagnostics(analyze(source, { path: join(import.meta.dirname, "shop.weir") }).diagnostics, source).replaceAll(import.meta.dirname + "/", "");
    expect(text).toBe(
      [
        "shop.weir:6:14: error WEIR2003: unknown stream or table 'ordrs'",
        "  stream big = ordrs | where amount > 1",
        "               ^^^^^",
        "  hint: did you mean 'orders'?",
      ].join("\n"),
    );
  });
});
