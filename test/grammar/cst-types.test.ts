// grammar/cst.ts is generated from the grammar; this test keeps it in step.
// Regenerate with: UPDATE_SNAPSHOTS=1 npx vitest run test/grammar/cst-types.test.ts

import { readFileSync, writeFileSync } from "node:fs";
import { generateCstDts } from "../../grammar/chevrotain.ts";
import { describe, expect, it } from "vitest";
import { weirParser } from "../../grammar/parser.ts";

const cstTypesPath = new URL("../../grammar/cst.ts", import.meta.url);

const header = `// GENERATED from grammar/parser.ts by test/grammar/cst-types.test.ts — do not edit.
// Regenerate: UPDATE_SNAPSHOTS=1 npx vitest run test/grammar/cst-types.test.ts
//
// chevrotain's generateCstDts, with every child made optional: a CST built by error recovery
// can lack any child, so the AST builder must not trust the grammar's shape.

`;

function generateCstTypes(): string {
  const generated = generateCstDts(weirParser.getGAstProductions(), { includeVisitorInterface: false });
  let inChildren = false;
  const lines = generated.split("\n").map((line) => {
    if (/^export type \w+CstChildren = \{$/.test(line)) inChildren = true;
    else if (line === "};") inChildren = false;
    else if (inChildren) return line.replace(/^(\s+)(\w+)\??: \(?(\w+)\)?\[\];$/, "$1$2?: $3[];");
    return line;
  });
  return header + lines.join("\n").replace('import type { CstNode, ICstVisitor, IToken } from "chevrotain";', 'import type { CstNode, IToken } from "chevrotain";');
}

describe("grammar/cst.ts", () => {
  it("matches the grammar", () => {
    const expected = generateCstTypes();
    if (process.env["UPDATE_SNAPSHOTS"]) writeFileSync(cstTypesPath, expected);
    expect(readFileSync(cstTypesPath, "utf8")).toBe(expected);
  });
});
