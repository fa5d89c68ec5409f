// `weir/testing`: test a topology without a broker. The driver runs on an
// in-memory embedded log; `loadWeir` compiles a .weir file for it.
//
//   const driver = new TopologyTestDriver(await loadWeir("examples/wordcount.weir"));
import { readFileSync } from "node:fs";
import type { Topology } from "../runtime/index.ts";
import { loadTopology } from "./compiled-module.ts";
import { formatDiagnostics } from "./index.ts";

export { TopologyTestDriver, type TestRecord, type TopologyTestDriverOptions } from "../runtime/testing.ts";

/** Compiles a .weir file and builds its topology; a file with errors throws, with the diagnostics as the message. */
export async function loadWeir(path: string): Promise<Topology> {
  const source = readFileSync(path, "utf8");
  const loaded = await loadTopology(path, source);
  if (!loaded.topology) throw new Error(`${path} does not compile:\n${formatDiagnostics(loaded.diagnostics, source)}`);
  return loaded.topology;
}
