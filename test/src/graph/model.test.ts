// The graph model is a view of the topology `weir describe` prints: every
// node, store, changelog, repartition topic and the dead-letter topic it names
// is in the graph, grouped in the same sub-topologies, with the same links; and
// the types on the edges are the ones the compiler decided.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTopology } from "../../../src/compiled-module.ts";
import { graphModel, type GraphEdge, type GraphModel } from "../../../src/graph/model.ts";
import type { Topology } from "../../../runtime/index.ts";

const root = join(import.meta.dirname, "..", "..", "..");

/** Every example, every golden fixture that compiles, and the command-line tests' topologies. */
const files = [
  ...readdirSync(join(root, "examples"))
    .filter((f) => f.endsWith(".weir"))
    .map((f) => join("examples", f)),
  ...readdirSync(join(root, "test", "fixtures"))
    .filter((d) => existsSync(join(root, "test", "fixtures", d, "expected.ts")))
    .map((d) => join("test", "fixtures", d, "input.weir")),
  // A sink whose topic is picked per record; imported aggregates.
  join("test", "src", "fixtures", "sinks", "routing.weir"),
  join("test", "src", "fixtures", "user-aggregates", "stats.weir"),
];

async function load(file: string): Promise<{ topology: Topology; model: GraphModel }> {
  const loaded = await loadTopology(join(root, file), readFileSync(join(root, file), "utf8"));
  if (!loaded.topology || !loaded.plan) throw new Error(`${file} does not compile`);
  return { topology: loaded.topology, model: graphModel(loaded.topology, loaded.plan) };
}

/** What `weir describe` says, read back from its text. */
function readDescription(text: string) {
  const subtopologies: { id: number; nodes: { line: string; name: string; children: string[]; parents: string[] }[] }[] = [];
  const stores: { name: string; changelog: string }[] = [];
  const repartitionTopics: string[] = [];
  let deadLetterTopic = "";
  let section = "";
  for (const line of text.split("\n")) {
    const sub = /^ {2}Sub-topology (\d+)$/.exec(line);
    if (sub) {
      subtopologies.push({ id: Number(sub[1]), nodes: [] });
      section = "nodes";
      continue;
    }
    if (line === "  State stores:") section = "stores";
    else if (line === "  Repartition topics:") section = "repartition";
    else if (line.startsWith("  Dead-letter topic: ")) deadLetterTopic = line.slice("  Dead-letter topic: ".length);
    else if (section === "nodes") {
      const node = /^ {4}(?:Source|Processor|Sink): (\S+) /.exec(line)!;
      const children = / --> (.*?)(?: <-- |$)/.exec(line)?.[1]?.split(", ") ?? [];
      const parents = / <-- (.*)$/.exec(line)?.[1]?.split(", ") ?? [];
      subtopologies.at(-1)!.nodes.push({ line: line.trim(), name: node[1]!, children, parents });
    } else if (section === "stores" && line !== "    (none)") {
      const store = /^ {4}(\S+) \(.*changelog: (\S+)\)$/.exec(line)!;
      stores.push({ name: store[1]!, changelog: store[2]! });
    } else if (section === "repartition" && line !== "    (none)") repartitionTopics.push(line.trim());
  }
  return { subtopologies, stores, repartitionTopics, deadLetterTopic };
}

const hasEdge = (model: GraphModel, edge: Pick<GraphEdge, "from" | "to" | "kind">) =>
  model.edges.some((e) => e.from === edge.from && e.to === edge.to && e.kind === edge.kind);

describe("the graph model shows what weir describe shows", () => {
  it("finds the examples and fixtures", () => expect(files.length).toBeGreaterThanOrEqual(10));

  for (const file of files) {
    it(file, async () => {
      const { topology, model } = await load(file);
      const described = readDescription(topology.describe());
      const byId = new Map(model.nodes.map((node) => [node.id, node]));

      // Each sub-topology holds the nodes describe lists under it, in its order, and their stores.
      expect(model.subtopologies.map((sub) => sub.id)).toEqual(described.subtopologies.map((sub) => sub.id));
      for (const [index, sub] of described.subtopologies.entries()) {
        const members = model.subtopologies[index]!.nodes;
        expect(members.filter((id) => id.startsWith("node:"))).toEqual(sub.nodes.map((node) => `node:${node.name}`));
        for (const node of sub.nodes) {
          const graphNode = byId.get(`node:${node.name}`)!;
          // Its kind and detail are what describe prints: "Processor: NAME (DETAIL)".
          const role = { source: "Source", processor: "Processor", sink: "Sink" }[graphNode.kind as "source" | "processor" | "sink"];
          expect(node.line.startsWith(`${role}: ${node.name} (${graphNode.detail})`), node.line).toBe(true);
          for (const child of node.children) expect(hasEdge(model, { from: `node:${node.name}`, to: `node:${child}`, kind: "records" }), `${node.name} --> ${child}`).toBe(true);
          for (const parent of node.parents) expect(hasEdge(model, { from: `node:${parent}`, to: `node:${node.name}`, kind: "records" }), `${node.name} <-- ${parent}`).toBe(true);
        }
      }

      for (const store of described.stores) {
        expect(byId.get(`store:${store.name}`)?.kind, store.name).toBe("store");
        expect(byId.get(`topic:${store.changelog}`)).toMatchObject({ kind: "topic", role: "changelog" });
        expect(hasEdge(model, { from: `store:${store.name}`, to: `topic:${store.changelog}`, kind: "changelog" })).toBe(true);
        // The node that keeps it, in the same sub-topology.
        const owner = model.edges.find((e) => e.kind === "owns-store" && e.to === `store:${store.name}`)!;
        const subOf = (id: string) => model.subtopologies.find((sub) => sub.nodes.includes(id))?.id;
        expect(subOf(`store:${store.name}`)).toBe(subOf(owner.from));
      }
      for (const topic of described.repartitionTopics) expect(byId.get(`topic:${topic}`)).toMatchObject({ kind: "topic", role: "repartition" });
      expect(byId.get(`topic:${described.deadLetterTopic}`)?.kind).toBe("dlq");
      for (const topic of topology.sourceTopics) expect(hasEdge(model, { from: `topic:${topic}`, to: `node:${topology.nodes.find((n) => n.kind === "source" && n.topic === topic)!.name}`, kind: "records" })).toBe(true);

      // Nothing else: every node is one describe names (or a topic of the user's), and every edge joins two of them.
      const named = new Set([
        ...described.subtopologies.flatMap((sub) => sub.nodes.map((node) => `node:${node.name}`)),
        ...described.stores.flatMap((store) => [`store:${store.name}`, `topic:${store.changelog}`]),
        ...described.repartitionTopics.map((topic) => `topic:${topic}`),
        `topic:${described.deadLetterTopic}`,
        ...[...topology.sourceTopics, ...topology.sinkTopics].map((topic) => `topic:${topic}`),
      ]);
      expect(new Set(model.nodes.map((node) => node.id))).toEqual(named);
      expect(model.nodes.length).toBe(named.size);
      for (const edge of model.edges) expect(byId.has(edge.from) && byId.has(edge.to), `${edge.from} -> ${edge.to}`).toBe(true);
    });
  }
});

describe("the types on the edges", () => {
  const edge = (model: GraphModel, from: string, to: string) => model.edges.find((e) => e.from === from && e.to === to && e.kind === "records");

  it("are the word count's: text lines in, a count per word out", async () => {
    const { model } = await load("examples/wordcount.weir");
    expect(edge(model, "topic:text-lines", "node:lines")).toMatchObject({ key: "string", value: "string" });
    expect(edge(model, "node:counts-1-group-by", "node:counts-repartition-sink")).toMatchObject({ key: "string", value: "string" });
    expect(edge(model, "node:counts-2-count", "node:counts-to-word-counts")).toMatchObject({ key: "string", value: "integer" });
    expect(edge(model, "node:counts-to-word-counts", "topic:word-counts")).toMatchObject({ key: "string", value: "integer" });
  });

  it("name schemas, windowed keys, and what a sink writes", async () => {
    const { model } = await load("examples/revenue.weir");
    expect(edge(model, "topic:orders", "node:orders")).toMatchObject({ key: "string", value: "Order" });
    expect(edge(model, "node:revenue-3-aggregate", "node:revenue-to-revenue-per-minute-value")).toMatchObject({ key: "windowed<string>", value: "{ total: number, count: integer }" });
    // The sink writes the key without its window.
    expect(edge(model, "node:revenue-to-revenue-per-minute", "topic:revenue-per-minute")).toMatchObject({
      key: "string",
      value: "{ customerId: string, windowStart: timestamp, windowEnd: timestamp, total: number, count: integer }",
    });
  });

  it("keep a key's window on a topic only when the sink writes the key windowed", async () => {
    const { model } = await load("test/fixtures/windows/input.weir");
    expect(edge(model, "node:sessions-to-session-keys", "topic:session-keys")).toMatchObject({ key: "windowed<string>", value: "{ clicks: integer }" });
    expect(edge(model, "node:sessions-to-sessions", "topic:sessions")).toMatchObject({ key: "string" });
  });

  it("follow a merge, a dedup and a branch's arms", async () => {
    const { model } = await load("test/fixtures/dedup-branch-merge/input.weir");
    // `select coupon` gives a coupon that may be null; the merge with `select id` keeps that.
    expect(edge(model, "node:codes-1-select", "node:codes-2-merge")).toMatchObject({ key: "string", value: "string or null" });
    expect(edge(model, "node:appIds-1-select", "node:codes-2-merge")).toMatchObject({ key: "string", value: "string" });
    expect(edge(model, "node:orders-branch-large", "node:large")).toMatchObject({ key: "string", value: "Order" });
  });

  it("are on every records edge but those leaving a foreign-key join's internal nodes and topics", async () => {
    let untyped = 0;
    for (const file of files) {
      const { model } = await load(file);
      // The subscriptions and responses a foreign-key join sends itself are weir's, not the language's.
      const internalTopic = (text: string) => /-(subscription|response)-repartition\b/.test(text);
      const foreignKeyInternals = new Set(model.nodes.filter((node) => /^foreignKey(Send|Subscribe|Notify)$/.test(node.operation ?? "") || (node.kind !== "processor" && internalTopic(node.kind === "topic" ? node.name : node.detail))).map((node) => node.id));
      for (const e of model.edges.filter((e) => e.kind === "records")) {
        expect(e.key !== undefined && e.value !== undefined, `${file}: ${e.from} -> ${e.to}`).toBe(!foreignKeyInternals.has(e.from));
        if (foreignKeyInternals.has(e.from)) untyped++;
      }
    }
    expect(untyped).toBeGreaterThan(0);
  });
});
