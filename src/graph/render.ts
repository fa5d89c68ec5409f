// The formats `weir graph` draws a graph model in.
import { renderDot } from "./dot.ts";
import { renderMermaid } from "./mermaid.ts";
import type { GraphModel } from "./model.ts";

export const graphFormats = ["mermaid", "dot", "svg", "json"] as const;

export type GraphFormat = (typeof graphFormats)[number];

export function isGraphFormat(text: string): text is GraphFormat {
  return (graphFormats as readonly string[]).includes(text);
}

/** The model as JSON, as the live view reads it (docs/graph.md says its fields). */
export function renderJson(model: GraphModel): string {
  return `${JSON.stringify(model, null, 2)}\n`;
}

export async function renderGraph(model: GraphModel, format: GraphFormat): Promise<string> {
  switch (format) {
    case "mermaid":
      return renderMermaid(model);
    case "dot":
      return renderDot(model);
    case "json":
      return renderJson(model);
    case "svg": {
      // Graphviz in WebAssembly is a large module: loaded only when asked for.
      const { renderSvg } = await import("./svg.ts");
      return renderSvg(model);
    }
  }
}
