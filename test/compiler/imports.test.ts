// Imported modules are read with one TypeScript project per process (making one costs about a
// second); a module that changes on disk between two compilations is read again.
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { analyze } from "../../compiler/compile.ts";
import { formatDiagnostics } from "../../compiler/diagnostic-printer.ts";

const folder = mkdtempSync(join(tmpdir(), "weir-imports-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const source = `application a
import { score } from "./functions.ts"
stream s from topic "in" key string value string
stream t = s | select score(value)
sink t to topic "out"
`;

function check(): string {
  const path = join(folder, "case.weir");
  return formatDiagnostics(analyze(source, { path }).diagnostics, source);
}

describe("imported modules", () => {
  it("are read again when they change between compilations", () => {
    const module = join(folder, "functions.ts");
    writeFileSync(module, "export function other(text: string): number { return text.length; }\n");
    expect(check()).toMatch(/WEIR2009: '\.\/functions\.ts' does not export a function named 'score'/);

    writeFileSync(module, "export function score(text: string): number { return text.length; }\n");
    // A second write within the clock's resolution would keep the time: move it on explicitly.
    const later = new Date(Date.now() + 5000);
    utimesSync(module, later, later);
    expect(check()).toBe("");

    writeFileSync(module, "export function score(text: number): number { return text; }\n");
    const evenLater = new Date(Date.now() + 10_000);
    utimesSync(module, evenLater, evenLater);
    expect(check()).toMatch(/WEIR3004: argument 1 of 'score' must be a number, but this is a string/);
  });

  it("follows a change in a module that an imported module imports", () => {
    const helper = join(folder, "helper.ts");
    writeFileSync(helper, "export type Input = string;\n");
    writeFileSync(join(folder, "functions.ts"), 'import type { Input } from "./helper.ts";\nexport function score(text: Input): number { return 1; }\n');
    const now = new Date(Date.now() + 20_000);
    utimesSync(join(folder, "functions.ts"), now, now);
    expect(check()).toBe("");

    writeFileSync(helper, "export type Input = boolean;\n");
    const later = new Date(Date.now() + 30_000);
    utimesSync(helper, later, later);
    expect(check()).toMatch(/WEIR3004: argument 1 of 'score' must be a boolean/);
  });
});

describe("where an imported function is declared", () => {
  it("is recorded: the name's line and column, in the module that declares it (a re-export's original)", () => {
    const folderOf = mkdtempSync(join(tmpdir(), "weir-imports-declared-"));
    try {
      writeFileSync(join(folderOf, "original.ts"), "// the functions\n\nexport const shout = (text: string): string => text.toUpperCase();\n");
      writeFileSync(join(folderOf, "functions.ts"), 'export { shout } from "./original.ts";\n\n  export function score(text: string): number { return text.length; }\n');
      const text = `application a\nimport { score, shout } from "./functions.ts"\nstream s from topic "in" key string value string\nstream t = s | select { n: score(value), s: shout(value) }\nsink t to topic "out"\n`;
      const { checked, diagnostics } = analyze(text, { path: join(folderOf, "case.weir") });
      expect(diagnostics).toEqual([]);
      expect(checked!.imports.get("score")!.declaredAt).toEqual({ path: join(folderOf, "functions.ts"), line: 3, column: 19 });
      expect(checked!.imports.get("shout")!.declaredAt).toEqual({ path: join(folderOf, "original.ts"), line: 3, column: 14 });
    } finally {
      rmSync(folderOf, { recursive: true, force: true });
    }
  });
});
