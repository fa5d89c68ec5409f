// `weir` run as a user runs it against the real broker, for the tests of the
// command line and of compiled modules on Kafka.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const root = join(import.meta.dirname, "..", "..", "..");
// The same helpers as the command-line tests without a broker.
export { jsonLines, expectedWordCounts as expectedSequences } from "../../src/weir-cli.ts";
export const weirBin = join(root, "bin", "weir.js");

/** examples/wordcount.weir reading and writing topics named for this test. */
export function wordcountFile(input: string, output: string): string {
  const source = readFileSync(join(root, "examples", "wordcount.weir"), "utf8").replace('"text-lines"', `"${input}"`).replace('"word-counts"', `"${output}"`);
  const dir = mkdtempSync(join(tmpdir(), "weir-kafka-cli-"));
  const file = join(dir, "wordcount.weir");
  writeFileSync(file, source);
  return file;
}

export function weir(args: readonly string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [weirBin, ...args], { cwd: root, encoding: "utf8", timeout: 60_000, ...(input !== undefined ? { input } : {}) });
}
