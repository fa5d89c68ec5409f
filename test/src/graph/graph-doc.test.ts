// The pictures in the docs are generated from examples/wordcount.weir, so they
// cannot go stale: the README's Mermaid block (between the markers
// `<!-- generated: weir graph examples/wordcount.weir -->` and
// `<!-- end: generated -->`) and docs/images/wordcount.svg. A change to the
// example, the model or a renderer fails this test until they are regenerated with
//   UPDATE_SNAPSHOTS=1 npx vitest run test/src/graph/graph-doc.test.ts
// and the diff reviewed. The SVG is compared byte for byte: @viz-js/viz is
// pinned to one version, and upgrading it is a reason to redraw the picture.
// docs/graph.md must also document every field and value the model has.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTopology } from "../../../src/compiled-module.ts";
import { renderMermaid } from "../../../src/graph/mermaid.ts";
import { graphModel, type GraphModel } from "../../../src/graph/model.ts";
import { renderSvg } from "../../../src/graph/svg.ts";

const root = join(import.meta.dirname, "..", "..", "..");
const update = process.env.UPDATE_SNAPSHOTS === "1";
const regenerate = "UPDATE_SNAPSHOTS=1 npx vitest run test/src/graph/graph-doc.test.ts regenerates it";

async function modelOf(file: string): Promise<GraphModel> {
  const loaded = await loadTopology(join(root, file), readFileSync(join(root, file), "utf8"));
  if (!loaded.topology || !loaded.plan) throw new Error(`${file} does not compile`);
  return graphModel(loaded.topology, loaded.plan);
}

const start = "<!-- generated: weir graph examples/wordcount.weir -->\n";
const end = "<!-- end: generated -->";

describe("the word count's pictures in the docs", () => {
  it("README.md shows `weir graph examples/wordcount.weir` as it is", async () => {
    const path = join(root, "README.md");
    const readme = readFileSync(path, "utf8");
    const from = readme.indexOf(start);
    const to = readme.indexOf(end, from);
    expect(from, "README.md has the generated block's markers").toBeGreaterThan(-1);
    expect(to).toBeGreaterThan(from);
    const block = `\`\`\`mermaid\n${renderMermaid(await modelOf("examples/wordcount.weir"))}\`\`\`\n`;
    const updated = readme.slice(0, from + start.length) + block + readme.slice(to);
    if (update) writeFileSync(path, updated);
    expect(readme, `README.md's graph (${regenerate})`).toBe(updated);
  });

  it("docs/images/wordcount.svg is `weir graph examples/wordcount.weir --format svg`", async () => {
    const path = join(root, "docs", "images", "wordcount.svg");
    const svg = await renderSvg(await modelOf("examples/wordcount.weir"));
    if (update) writeFileSync(path, svg);
    expect(existsSync(path) ? readFileSync(path, "utf8") : undefined, `docs/images/wordcount.svg (${regenerate})`).toBe(svg);
  });
});

describe("docs/graph.md", () => {
  it("documents every field of the model, and every kind, role and store kind", async () => {
    const doc = readFileSync(join(root, "docs", "graph.md"), "utf8");
    const fixtures = readdirSync(join(root, "test", "fixtures")).filter((d) => existsSync(join(root, "test", "fixtures", d, "expected.ts")));
    const models = await Promise.all(["examples/wordcount.weir", ...fixtures.map((d) => `test/fixtures/${d}/input.weir`)].map(modelOf));
    const documented = (text: string) => doc.includes(`\`${text}\``);
    const fields = new Set<string>();
    const values = new Set<string>();
    for (const model of models) {
      for (const key of Object.keys(model)) fields.add(key);
      for (const sub of model.subtopologies) for (const key of Object.keys(sub)) fields.add(`subtopologies[].${key}`);
      for (const node of model.nodes) {
        for (const key of Object.keys(node)) fields.add(`nodes[].${key}`);
        values.add(node.kind);
        if (node.role) values.add(node.role);
        if (node.storeKind) values.add(node.storeKind);
      }
      for (const edge of model.edges) {
        for (const key of Object.keys(edge)) fields.add(key === "from" || key === "to" ? "edges[].from`, `edges[].to" : key === "key" || key === "value" ? "edges[].key`, `edges[].value" : `edges[].${key}`);
        values.add(edge.kind);
      }
    }
    for (const field of fields) expect(documented(field), `docs/graph.md documents \`${field}\``).toBe(true);
    for (const value of values) expect(documented(value), `docs/graph.md documents \`${value}\``).toBe(true);
  });
});
