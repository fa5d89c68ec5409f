// The embedded engine against a hand-written better-sqlite3 loop
// (bench/embedded-handwritten.ts), both as child processes on the same
// generated lines: `weir run examples/wordcount.weir --data DIR` until
// drained, and the loop until its input is done. Time is the child's wall
// time (both start Node and tsx; weir also compiles the .weir file).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { embeddedDatabasePath, openEmbeddedLog } from "../../runtime/embedded.ts";
import { root, type CacheSetting } from "./systems.ts";
import { PARTITIONS, wordcount } from "./workloads.ts";

export interface EmbeddedResult {
  readonly round: number;
  readonly system: "weir-embedded" | "hand-written";
  /** weir: its cache setting; the loop: "default" writes the last count per word and batch, 0 every update. */
  readonly cache: CacheSetting;
  readonly lines: number;
  readonly seconds?: number;
  readonly linesPerSecond?: number;
  readonly outputRecords?: number;
  readonly peakRssMb?: number | null;
  readonly error?: string;
}

interface ChildOutcome {
  seconds: number;
  peakRssMb: number | null;
  stdout: string;
}

/** Runs a child to its end, sampling its VmHWM (which only grows) until it exits. */
function runChild(args: string[], env: NodeJS.ProcessEnv): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let peak: number | null = null;
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const sample = setInterval(() => {
      try {
        const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1];
        if (kb) peak = Number(kb) / 1024;
      } catch {
        // exited between samples
      }
    }, 25);
    child.on("exit", (code) => {
      clearInterval(sample);
      const seconds = (performance.now() - started) / 1000;
      if (code === 0) resolve({ seconds, peakRssMb: peak, stdout });
      else reject(new Error(`exit ${code}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`));
    });
  });
}

function expectedCounts(lines: number): ReadonlyMap<string, string> {
  const model = wordcount.model();
  for (let i = 0; i < lines; i++) model.add(wordcount.record(i, wordcount.preloadTimestamp(i, lines)));
  return model.expected;
}

function checkFinal(latest: ReadonlyMap<string, string>, expected: ReadonlyMap<string, string>): void {
  const wrong = [...expected].filter(([word, count]) => latest.get(word) !== count).length;
  if (wrong > 0 || latest.size !== expected.size) throw new Error(`wrong final counts: ${wrong} of ${expected.size} words differ, ${latest.size} words seen`);
}

async function weirEmbedded(lines: number, cache: CacheSetting, expected: ReadonlyMap<string, string>): Promise<Omit<EmbeddedResult, "round" | "system" | "cache" | "lines">> {
  const dir = mkdtempSync(join(tmpdir(), "weir-bench-embedded-"));
  try {
    const log = openEmbeddedLog(embeddedDatabasePath(dir));
    log.createTopic("text-lines", PARTITIONS);
    log.produce("text-lines", Array.from({ length: lines }, (_, i) => {
      const record = wordcount.record(i, wordcount.preloadTimestamp(i, lines));
      return { key: record.key, value: record.value, timestamp: record.timestamp };
    }));
    log.close();
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.WEIR_CACHE_MAX_BYTES;
    if (cache === 0) env.WEIR_CACHE_MAX_BYTES = "0";
    // `weir run` takes its settings from flags (services read WEIR_* variables).
    const args = [join(root, "bin", "weir.js"), "run", join(root, "examples", "wordcount.weir"), "--data", dir, ...(cache === 0 ? ["--cache-max-bytes", "0"] : [])];
    const outcome = await runChild(args, env);
    const output = openEmbeddedLog(embeddedDatabasePath(dir));
    const records = output.consume("word-counts");
    output.close();
    const latest = new Map<string, string>();
    for (const record of records) latest.set(String(record.key), String(record.value));
    checkFinal(latest, expected);
    return { seconds: outcome.seconds, linesPerSecond: lines / outcome.seconds, outputRecords: records.length, peakRssMb: outcome.peakRssMb };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function handWritten(lines: number, cache: CacheSetting, expected: ReadonlyMap<string, string>): Promise<Omit<EmbeddedResult, "round" | "system" | "cache" | "lines">> {
  const dir = mkdtempSync(join(tmpdir(), "weir-bench-handwritten-"));
  const path = join(dir, "wordcount.db");
  const script = join(root, "bench", "embedded-handwritten.ts");
  try {
    await runChild(["--import", "tsx", script, "prepare", path, String(lines)], process.env);
    const outcome = await runChild(["--import", "tsx", script, "run", path, cache === 0 ? "every" : "last"], process.env);
    const db = new Database(path, { readonly: true });
    const rows = db.prepare("SELECT key, value FROM output ORDER BY id").all() as { key: string; value: string }[];
    db.close();
    const latest = new Map<string, string>();
    for (const row of rows) latest.set(row.key, row.value);
    checkFinal(latest, expected);
    return { seconds: outcome.seconds, linesPerSecond: lines / outcome.seconds, outputRecords: rows.length, peakRssMb: outcome.peakRssMb };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** weir embedded, the loop, weir embedded, the loop, ... at each cache setting and round. */
export async function embeddedComparison(lines: number, rounds: number, caches: readonly CacheSetting[], log: (line: string) => void): Promise<EmbeddedResult[]> {
  const expected = expectedCounts(lines);
  const results: EmbeddedResult[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const cache of caches) {
      for (const system of ["weir-embedded", "hand-written"] as const) {
        const label = `embedded wordcount round ${round} cache ${cache} ${system}`;
        try {
          const result = await (system === "weir-embedded" ? weirEmbedded : handWritten)(lines, cache, expected);
          results.push({ round, system, cache, lines, ...result });
          log(`${label}: ${result.seconds!.toFixed(2)} s, ${Math.round(result.linesPerSecond!)} lines/s, ${result.outputRecords} output records, peak RSS ${result.peakRssMb?.toFixed(0)} MiB`);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          results.push({ round, system, cache, lines, error: message });
          log(`${label}: FAILED: ${message}`);
        }
      }
    }
  }
  return results;
}
