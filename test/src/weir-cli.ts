// `weir` run as a user runs it, for the tests of the command line and of
// compiled modules: a real child process over real files.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const root = join(import.meta.dirname, "..", "..");
const weirBin = join(root, "bin", "weir.js");

export function weir(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [weirBin, ...args], { cwd: root, input, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "weir-cli-test-"));
}

export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The word counts the example must produce, computed directly from its input. */
export function expectedWordCounts(lines: string[]): Map<string, number[]> {
  const totals = new Map<string, number>();
  const sequences = new Map<string, number[]>();
  for (const line of lines) {
    for (const word of line.toLowerCase().match(/[a-z]+/g) ?? []) {
      const count = (totals.get(word) ?? 0) + 1;
      totals.set(word, count);
      sequences.set(word, [...(sequences.get(word) ?? []), count]);
    }
  }
  return sequences;
}

export function sequencesByKey(records: Record<string, unknown>[]): Map<string, number[]> {
  const sequences = new Map<string, number[]>();
  for (const record of records) {
    const key = record.key as string;
    sequences.set(key, [...(sequences.get(key) ?? []), record.value as number]);
  }
  return sequences;
}
