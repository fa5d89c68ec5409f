// `weir graph FILE --format mermaid|dot|svg|json`: the topology `weir describe`
// prints, as a picture or as the JSON graph model (src/graph/, docs/graph.md).
import { InvalidArgumentError, Option } from "commander";
import { didYouMean, orList } from "../../runtime/suggest.ts";
import { loadTopology } from "../compiled-module.ts";
import { graphModel } from "../graph/model.ts";
import { graphFormats, isGraphFormat, renderGraph, type GraphFormat } from "../graph/render.ts";
import { ExitCode, printDiagnostics, readSource, type RegisterCommand } from "./shared.ts";

export const registerGraph: RegisterCommand = (program, context) => {
  program
    .command("graph")
    .description("draw the topology: sub-topologies, topics, stores and their changelogs, with key and value types on the edges")
    .argument("<file>", ".weir file")
    .addOption(new Option("--format <format>", `${orList([...graphFormats])}`).default("mermaid").argParser(graphFormat))
    .action(async (file: string, options: { format: GraphFormat }) => {
      const source = readSource(file);
      const loaded = await loadTopology(file, source);
      printDiagnostics(loaded.diagnostics, source, context.io);
      if (!loaded.topology || !loaded.plan) {
        context.exitCode = ExitCode.failed;
        return;
      }
      context.io.out(await renderGraph(graphModel(loaded.topology, loaded.plan), options.format));
    });
};

function graphFormat(text: string): GraphFormat {
  if (isGraphFormat(text)) return text;
  const hint = didYouMean(text, graphFormats);
  throw new InvalidArgumentError(`${hint ? `${hint} ` : ""}(expected ${orList([...graphFormats])})`);
}
