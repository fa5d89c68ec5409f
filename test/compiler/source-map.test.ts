// The source map from a generated module back to its .weir file: each
// expression's place in the module leads to the expression in the .weir
// file. Read with Node's own source map reader, as Node reads it for stack traces.
import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../src/index.ts";
import { withInlineSourceMap } from "../../compiler/source-map.ts";

const fixture = join(import.meta.dirname, "..", "fixtures", "shop");
const source = readFileSync(join(fixture, "input.weir"), "utf8");
const result = compile(source, { path: join(fixture, "input.weir") });
const code = result.code!;
const map = new SourceMap(result.sourceMap! as unknown as ConstructorParameters<typeof SourceMap>[0]);

/** Where in input.weir the text at the `occurrence`-th place of `generated` in the module comes from (1-based line and column). */
function weirPlaceOf(generated: string, occurrence = 0): string {
  let offset = -1;
  for (let i = 0; i <= occurrence; i++) offset = code.indexOf(generated, offset + 1);
  expect(offset, generated).toBeGreaterThanOrEqual(0);
  const before = code.slice(0, offset);
  const line = before.split("\n").length - 1;
  const column = offset - (before.lastIndexOf("\n") + 1);
  const entry = map.findEntry(line, column) as { originalSource: string; originalLine: number; originalColumn: number };
  return `${entry.originalSource}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
}

/** The 1-based line and column of the `occurrence`-th `text` in input.weir. */
function weirPlace(text: string, occurrence = 0): string {
  let offset = -1;
  for (let i = 0; i <= occurrence; i++) offset = source.indexOf(text, offset + 1);
  const before = source.slice(0, offset);
  return `input.weir:${before.split("\n").length}:${offset - (before.lastIndexOf("\n") + 1) + 1}`;
}

describe("the source map of a compiled module", () => {
  it("names the .weir file, with its text", () => {
    expect(result.sourceMap).toMatchObject({ version: 3, sources: ["input.weir"], sourcesContent: [source] });
  });

  it("leads from each expression in the module to the expression in the .weir file", () => {
    // A call of an imported function, a field, an operation, a conditional's test.
    expect(weirPlaceOf("riskScore(record.value.amount")).toBe(weirPlace("riskScore(amount"));
    expect(weirPlaceOf("record.value.tier === \"test\"")).toBe(weirPlace('tier == "test"'));
    expect(weirPlaceOf("record.value.amount * 1.2")).toBe(weirPlace("amount * 1.2"));
    expect(weirPlaceOf("record.value.amount >= 100")).toBe(weirPlace("amount >= 100"));
    // Inside an expression: the innermost one that starts there or before.
    expect(weirPlaceOf("1.2")).toBe(weirPlace("1.2"));
  });

  it("leaves no trace in the module's text: the markers that find the places are gone, with the spaces the formatter gave them", () => {
    const unary = compile(
      [
        "application u",
        "schema R { a: number, b: boolean, c: integer }",
        'stream rs from topic "in" key string value json R',
        "stream out = rs | where not b and -a < - -c",
        'sink out to topic "out"',
        "",
      ].join("\n"),
    ).code!;
    expect(unary).toContain('.filter("out-1-where", (record) => !record.value.b && -record.value.a < -(-record.value.c));');
    expect(unary).not.toMatch(/\/\*\x07/);
  });

  it("goes inline at the end of the module, where Node, tsx and esbuild find it", () => {
    const withMap = withInlineSourceMap(code, result.sourceMap!);
    expect(withMap.startsWith(code)).toBe(true);
    const comment = withMap.slice(code.length);
    expect(comment).toMatch(/^\/\/# sourceMappingURL=data:application\/json;base64,[A-Za-z0-9+/=]+\n$/);
    const decoded = JSON.parse(Buffer.from(comment.slice(comment.indexOf(",") + 1), "base64").toString("utf8"));
    expect(decoded).toEqual(result.sourceMap);
  });
});
