// The graph model as a Mermaid flowchart (`weir graph --format mermaid`):
// GitHub draws it in a ```mermaid block. Sub-topologies are subgraphs.
import type { GraphEdge, GraphModel, GraphNode } from "./model.ts";
import { colours, labelLines, lookOf, recordsLabel, type NodeLook } from "./style.ts";

/** Mermaid's shapes: `open` and `close` go around the quoted label. */
const shapes: Record<NodeLook, readonly [open: string, close: string]> = {
  source: ["([", "])"],
  processor: ["(", ")"],
  sink: ["([", "])"],
  store: ["[(", ")]"],
  topic: ["[/", "/]"],
  repartition: ["[/", "/]"],
  changelog: ["[/", "/]"],
  dlq: ["[/", "/]"],
};

export function renderMermaid(model: GraphModel): string {
  // Mermaid ids are plain words: the model's ids hold colons and dashes.
  const ids = new Map(model.nodes.map((node, index) => [node.id, `n${index}`]));
  const byId = new Map(model.nodes.map((node) => [node.id, node]));
  const inSubtopology = new Set(model.subtopologies.flatMap((sub) => sub.nodes));
  const lines = ["flowchart TB"];
  for (const sub of model.subtopologies) {
    lines.push(`  subgraph s${sub.id}["${text(`Sub-topology ${sub.id}`)}"]`);
    for (const id of sub.nodes) lines.push(`    ${nodeStatement(ids.get(id)!, byId.get(id)!)}`);
    lines.push("  end");
  }
  for (const node of model.nodes) if (!inSubtopology.has(node.id)) lines.push(`  ${nodeStatement(ids.get(node.id)!, node)}`);
  for (const edge of model.edges) lines.push(`  ${edgeStatement(ids.get(edge.from)!, ids.get(edge.to)!, edge)}`);
  const looks = Object.keys(colours) as NodeLook[];
  for (const look of looks) {
    const members = model.nodes.filter((node) => lookOf(node) === look).map((node) => ids.get(node.id)!);
    if (members.length === 0) continue;
    lines.push(`  classDef ${look} fill:${colours[look].fill},stroke:${colours[look].stroke},color:#1a1a1a`);
    lines.push(`  class ${members.join(",")} ${look}`);
  }
  return `${lines.join("\n")}\n`;
}

function nodeStatement(id: string, node: GraphNode): string {
  const [open, close] = shapes[lookOf(node)];
  return `${id}${open}"${labelLines(node).map(text).join("<br>")}"${close}`;
}

function edgeStatement(from: string, to: string, edge: GraphEdge): string {
  switch (edge.kind) {
    case "records": {
      const label = recordsLabel(edge);
      return label === undefined ? `${from} --> ${to}` : `${from} -->|"${text(label)}"| ${to}`;
    }
    case "owns-store":
      return `${from} -.- ${to}`;
    case "reads-store":
      return `${from} -.-|"reads"| ${to}`;
    case "changelog":
      return `${from} -.-> ${to}`;
  }
}

/** Text inside a quoted Mermaid label: quotes and angle brackets as Mermaid's entity codes. */
function text(value: string): string {
  return value.replaceAll("#", "#35;").replaceAll('"', "#quot;").replaceAll("<", "#lt;").replaceAll(">", "#gt;");
}
