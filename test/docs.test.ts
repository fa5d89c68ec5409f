// Every `weir` code block in the README and docs/ is a complete file: it must
// check without a single diagnostic, compile, and build a runnable topology.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatDiagnostics } from "../src/index.ts";
import { loadTopology } from "../src/compiled-module.ts";

const root = join(import.meta.dirname, "..");
const documents = ["README.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => join("docs", f))];

function weirBlocks(markdown: string): { code: string; line: number }[] {
  const blocks: { code: string; line: number }[] = [];
  const pattern = /^```weir\n([\s\S]*?)^```/gm;
  for (const match of markdown.matchAll(pattern)) {
    blocks.push({ code: match[1]!, line: markdown.slice(0, match.index).split("\n").length });
  }
  return blocks;
}

describe("code examples in the docs", () => {
  const all = documents.flatMap((document) => weirBlocks(readFileSync(join(root, document), "utf8")).map((block) => ({ document, ...block })));
  it("finds examples", () => expect(all.length).toBeGreaterThanOrEqual(3));

  for (const block of all) {
    it(`${block.document}:${block.line}`, async () => {
      // Imports in an example resolve relative to its document.
      const path = join(root, dirname(block.document), `example-at-line-${block.line}.weir`);
      const loaded = await loadTopology(path, block.code);
      expect(formatDiagnostics(loaded.diagnostics, block.code)).toBe("");
      expect(loaded.topology?.describe()).toContain("Topology:");
    });
  }
});

describe("TypeScript examples in the docs", () => {
  it("docs/testing.md shows examples/wordcount.test.ts as it is", () => {
    const markdown = readFileSync(join(root, "docs", "testing.md"), "utf8");
    const block = /^```ts\n([\s\S]*?)^```/m.exec(markdown)?.[1];
    expect(block).toBe(readFileSync(join(root, "examples", "wordcount.test.ts"), "utf8"));
  });
});
