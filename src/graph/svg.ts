// The graph as SVG: the DOT picture laid out and drawn by Graphviz itself,
// compiled to WebAssembly (@viz-js/viz), so that nothing is placed by hand.
import { instance } from "@viz-js/viz";
import { renderDot } from "./dot.ts";
import type { GraphModel } from "./model.ts";

export async function renderSvg(model: GraphModel): Promise<string> {
  const viz = await instance();
  return viz.renderString(renderDot(model), { format: "svg" });
}
