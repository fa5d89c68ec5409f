// `weir/testing`: test a topology without a broker. The driver runs on an
// in-memory embedded log; `loadWeir` compiles a .weir file for it.
//
//   const driver = new TopologyTestDriver(await loadWeir("examples/wordcount.weir"));
import { readFileSync } from "node:fs";
import type { RecordTypes, TypedTopology } from "../runtime/index.ts";
import { loadTopology } from "./compiled-module.ts";
import { formatDiagnostics } from "./index.ts";

export {
  TopologyTestDriver,
  type TestOutputRecord,
  type TestRecord,
  type TopologyTestDriverOptions,
  type WindowedRow,
} from "../runtime/testing.ts";
export type { RecordTypes, TableTypes, TopicTypes, TypedTopology } from "../runtime/index.ts";

/**
 * Compiles a .weir file and builds its topology; a file with errors throws, with the diagnostics as the message.
 * The types of its records cannot be read from a .weir file by TypeScript: give them as the type argument
 * (`loadWeir<TopologyTypes>(path)`, the type `weir compile` writes into the module), or records are `unknown`.
 */
export async function loadWeir<T extends RecordTypes = RecordTypes>(path: string): Promise<TypedTopology<T>> {
  const source = readFileSync(path, "utf8");
  const loaded = await loadTopology(path, source);
  if (!loaded.topology) throw new Error(`${path} does not compile:\n${formatDiagnostics(loaded.diagnostics, source)}`);
  return loaded.topology;
}
