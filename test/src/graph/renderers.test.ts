// The pictures of a graph model: golden Mermaid, DOT and JSON for the word
// count (regenerate with UPDATE_SNAPSHOTS=1 and review the diff), DOT that
// Graphviz reads without a warning, Mermaid labels escaped, and SVG that
// Graphviz drew with one node per model node (checked by parsing it, not
// byte for byte: the layout changes with Graphviz's version).
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { instance } from "@viz-js/viz";
import { describe, expect, it } from "vitest";
import { loadTopology } from "../../../src/compiled-module.ts";
import { renderDot } from "../../../src/graph/dot.ts";
import { renderMermaid } from "../../../src/graph/mermaid.ts";
import { graphModel, type GraphModel } from "../../../src/graph/model.ts";
import { renderJson } from "../../../src/graph/render.ts";
import { renderSvg } from "../../../src/graph/svg.ts";
import { allElements, parseXml, type XmlElement } from "../../helpers/xml.ts";

const root = join(import.meta.dirname, "..", "..", "..");
const update = process.env.UPDATE_SNAPSHOTS === "1";

const fixtures = readdirSync(join(root, "test", "fixtures"))
  .filter((d) => existsSync(join(root, "test", "fixtures", d, "expected.ts")))
  .map((d) => join("test", "fixtures", d, "input.weir"));

async function modelOf(file: string): Promise<GraphModel> {
  const loaded = await loadTopology(join(root, file), readFileSync(join(root, file), "utf8"));
  if (!loaded.topology || !loaded.plan) throw new Error(`${file} does not compile`);
  return graphModel(loaded.topology, loaded.plan);
}

describe("golden graphs of the word count", () => {
  const dir = join(root, "test", "fixtures", "wordcount");
  const outputs = { "expected.graph.mmd": renderMermaid, "expected.graph.dot": renderDot, "expected.graph.json": renderJson };
  for (const [file, render] of Object.entries(outputs)) {
    it(file, async () => {
      const actual = render(await modelOf("test/fixtures/wordcount/input.weir"));
      const path = join(dir, file);
      if (update) writeFileSync(path, actual);
      expect(actual, `wordcount/${file} (UPDATE_SNAPSHOTS=1 regenerates it)`).toBe(existsSync(path) ? readFileSync(path, "utf8") : undefined);
    });
  }

  it("the JSON is the model, whole", async () => {
    const model = await modelOf("test/fixtures/wordcount/input.weir");
    expect(JSON.parse(renderJson(model))).toEqual(model);
  });
});

describe("DOT", () => {
  for (const file of fixtures) {
    it(`Graphviz reads ${file} without a warning`, async () => {
      const viz = await instance();
      const result = viz.render(renderDot(await modelOf(file)), { format: "svg" });
      expect(result.errors).toEqual([]);
      expect(result.status).toBe("success");
    });
  }
});

describe("Mermaid", () => {
  for (const file of fixtures) {
    it(`labels of ${file} are quoted and escaped`, async () => {
      const model = await modelOf(file);
      const text = renderMermaid(model);
      const statements = text.trimEnd().split("\n").slice(1);
      for (const line of statements) {
        // Only the line breaks are markup: types such as list<string> are entity codes.
        expect(line.replaceAll("<br>", "").replace(/ (-->|-\.->|-\.-)/, " "), line).not.toMatch(/[<>]/);
        expect((line.match(/"/g) ?? []).length % 2, line).toBe(0);
      }
      // Every node is declared once, every edge drawn once.
      const declared = statements.filter((line) => /^\s+n\d+[([]/.test(line));
      expect(declared).toHaveLength(model.nodes.length);
      const edges = statements.filter((line) => /^\s+n\d+ (-->|-\.-|-\.->)/.test(line));
      expect(edges).toHaveLength(model.edges.length);
      expect(statements.filter((line) => /^\s+subgraph /.test(line))).toHaveLength(model.subtopologies.length);
    });
  }

  it("writes angle brackets and quotes in types as entity codes", async () => {
    const model = await modelOf("test/fixtures/windows/input.weir");
    const text = renderMermaid(model);
    expect(text).toContain("#lt;windowed#lt;string#gt;, ");
    expect(text).toContain("list#lt;string#gt;");
  });
});

describe("SVG", () => {
  const title = (element: XmlElement) => element.children.find((child) => child.name === "title")?.text;
  const texts = (element: XmlElement) => allElements(element).filter((e) => e.name === "text").map((e) => e.text);

  for (const file of ["test/fixtures/wordcount/input.weir", "test/fixtures/tables/input.weir"]) {
    it(`of ${file} is well-formed, with one drawn node per model node, named, and one drawn edge per model edge`, async () => {
      const model = await modelOf(file);
      const svg = parseXml(await renderSvg(model));
      expect(svg.name).toBe("svg");
      const groups = allElements(svg).filter((e) => e.name === "g");
      const nodes = groups.filter((g) => g.attributes.class === "node");
      expect(nodes.map(title).sort()).toEqual(model.nodes.map((node) => node.id).sort());
      for (const node of model.nodes) {
        const drawn = nodes.find((g) => title(g) === node.id)!;
        expect(texts(drawn)).toEqual([node.name, node.detail]);
      }
      const edges = groups.filter((g) => g.attributes.class === "edge");
      expect(edges.map(title).sort()).toEqual(model.edges.map((edge) => `${edge.from}->${edge.to}`).sort());
      const clusters = groups.filter((g) => g.attributes.class === "cluster");
      expect(clusters.map((g) => texts(g)[0])).toEqual(model.subtopologies.map((sub) => `Sub-topology ${sub.id}`));
      // The types are drawn on the records edges.
      const labels = edges.flatMap(texts);
      for (const edge of model.edges.filter((e) => e.key !== undefined)) expect(labels).toContain(`<${edge.key}, ${edge.value}>`);
    });
  }
});
