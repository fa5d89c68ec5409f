// The graph model as Graphviz DOT (`weir graph --format dot`), and what
// svg.ts lays out: sub-topologies as clusters, topics outside them.
import type { GraphEdge, GraphModel, GraphNode } from "./model.ts";
import { colours, labelLines, lookOf, recordsLabel, type NodeLook } from "./style.ts";

const shapes: Record<NodeLook, string> = {
  source: 'shape=box, style="rounded,filled"',
  processor: 'shape=box, style="rounded,filled"',
  sink: 'shape=box, style="rounded,filled"',
  store: "shape=cylinder, style=filled",
  topic: "shape=box, style=filled",
  repartition: "shape=box, style=filled",
  changelog: "shape=box, style=filled",
  dlq: "shape=box, style=filled",
};

const edgeAttributes: Record<GraphEdge["kind"], string> = {
  records: "",
  // The owner reads and writes its store: a line without a direction.
  "owns-store": "style=dashed, dir=none",
  // A lookup: the store's rows flow to the processor.
  "reads-store": 'style=dashed, dir=back, label="reads"',
  changelog: "style=dotted",
};

export function renderDot(model: GraphModel): string {
  const inSubtopology = new Set(model.subtopologies.flatMap((sub) => sub.nodes));
  const byId = new Map(model.nodes.map((node) => [node.id, node]));
  const lines = [
    `digraph ${quote(model.application)} {`,
    `  graph [label=${quote(`Topology: ${model.application}`)}, labelloc=t, fontname="Helvetica", fontsize=14, rankdir=TB, nodesep=0.3, ranksep=0.45];`,
    '  node [fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9, color="#555555"];',
  ];
  for (const sub of model.subtopologies) {
    lines.push(`  subgraph ${quote(`cluster_${sub.id}`)} {`);
    lines.push(`    graph [label=${quote(`Sub-topology ${sub.id}`)}, style="rounded,dashed", color="#999999"];`);
    for (const id of sub.nodes) lines.push(`    ${nodeStatement(byId.get(id)!)}`);
    lines.push("  }");
  }
  for (const node of model.nodes) if (!inSubtopology.has(node.id)) lines.push(`  ${nodeStatement(node)}`);
  for (const edge of model.edges) lines.push(`  ${edgeStatement(edge)}`);
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

function nodeStatement(node: GraphNode): string {
  const look = lookOf(node);
  const { fill, stroke } = colours[look];
  return `${quote(node.id)} [label=${quote(labelLines(node).join("\n"))}, ${shapes[look]}, fillcolor=${quote(fill)}, color=${quote(stroke)}];`;
}

function edgeStatement(edge: GraphEdge): string {
  const label = edge.kind === "records" ? recordsLabel(edge) : undefined;
  const attributes = [edgeAttributes[edge.kind], label === undefined ? "" : `label=${quote(label)}`].filter((a) => a !== "").join(", ");
  return `${quote(edge.from)} -> ${quote(edge.to)}${attributes === "" ? "" : ` [${attributes}]`};`;
}

/** A DOT quoted string; a line break in the text is a centred line in the label. */
function quote(text: string): string {
  return `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`;
}
