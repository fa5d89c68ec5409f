// How the pictures draw each kind of node and edge, shared by the Mermaid
// and DOT renderers so that both pictures read alike.
import type { GraphEdge, GraphNode } from "./model.ts";

/** The look of a node: one per kind, and per role for topics. */
export type NodeLook = "source" | "processor" | "sink" | "store" | "topic" | "repartition" | "changelog" | "dlq";

export function lookOf(node: GraphNode): NodeLook {
  if (node.kind !== "topic") return node.kind;
  return node.role === "repartition" ? "repartition" : node.role === "changelog" ? "changelog" : "topic";
}

/** Fill and border colours, light enough for dark text. */
export const colours: Record<NodeLook, { readonly fill: string; readonly stroke: string }> = {
  source: { fill: "#e3f1e0", stroke: "#4f8a43" },
  processor: { fill: "#f4f4f4", stroke: "#6b6b6b" },
  sink: { fill: "#fcebd9", stroke: "#b86d1f" },
  store: { fill: "#e2ecf9", stroke: "#3d6fb4" },
  topic: { fill: "#fff6d5", stroke: "#b08f12" },
  repartition: { fill: "#efe6f7", stroke: "#7a4fa3" },
  changelog: { fill: "#eef3f6", stroke: "#7d8b96" },
  dlq: { fill: "#fbe0de", stroke: "#b8342a" },
};

/** The lines of a node's label: its name, then what it is. */
export function labelLines(node: GraphNode): string[] {
  return [node.name, node.detail];
}

/** The label of a records edge: its key and value types as Kafka Streams writes a KStream's, `<K, V>`. */
export function recordsLabel(edge: GraphEdge): string | undefined {
  return edge.key !== undefined && edge.value !== undefined ? `<${edge.key}, ${edge.value}>` : undefined;
}
