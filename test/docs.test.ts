// Every `weir` code block in the README and docs/ is a complete file: it must
// check without a single diagnostic, compile, and build a runnable topology.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
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

describe("docs/state.md's upgrade example", () => {
  it("runs as its transcript shows: weir diff, a refused and an accepted weir reset --store, the run", () => {
    const markdown = readFileSync(join(root, "docs", "state.md"), "utf8");
    const section = markdown.slice(markdown.indexOf("\n## Upgrades\n"));
    const [oldSource, newSource] = weirBlocks(section).map((block) => block.code);
    const transcript = /^```\n(\$ weir diff[\s\S]*?)^```/m.exec(section)?.[1];
    expect(oldSource && newSource && transcript).toBeTruthy();

    const dir = mkdtempSync(join(tmpdir(), "weir-docs-upgrade-"));
    try {
      writeFileSync(join(dir, "stats-v1.weir"), oldSource!);
      writeFileSync(join(dir, "stats.weir"), newSource!);
      const weir = (args: readonly string[], input?: string) =>
        spawnSync(process.execPath, [join(root, "bin", "weir.js"), ...args], { cwd: dir, input, encoding: "utf8", timeout: 60_000 });
      // As the text says: stats-v1.weir ran over two orders of customer a.
      const orders = [5, 7].map((amount, i) => JSON.stringify({ key: `o${i + 1}`, value: { customer: "a", amount } })).join("\n");
      expect(weir(["produce", "orders", "--data", "data"], orders).status).toBe(0);
      expect(weir(["run", "stats-v1.weir", "--data", "data"]).status).toBe(0);

      // Each `$ command` and the lines up to the next are its output (stdout, then stderr); `$ echo $?` is the previous exit code.
      let status: number | null = null;
      for (const step of transcript!.split(/^\$ /m).filter((part) => part !== "")) {
        const [command, ...output] = step.split("\n");
        const expected = output.join("\n");
        if (command === "echo $?") {
          expect(`${status}\n`).toBe(expected);
          continue;
        }
        const args = command!.split(" ");
        expect(args[0]).toBe("weir");
        const result = weir(args.slice(1));
        expect(`${result.stdout}${result.stderr}`, command).toBe(expected);
        status = result.status;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
