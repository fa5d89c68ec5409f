// A compiled module run as a service on the embedded engine (runtime/service.ts),
// as a user runs it: `weir compile`, then Node on the module, as real child
// processes over a real SQLite data folder. On Kafka: test/kafka/runtime/service.test.ts.
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { expectedWordCounts, jsonLines, sequencesByKey, tempDir, weir } from "../src/weir-cli.ts";

describe("a compiled module run as a service", () => {
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href;

  function service(modulePath: string, env: Record<string, string>) {
    return spawnSync(process.execPath, ["--import", tsxLoader, modulePath], { encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } });
  }

  it("runs the topology on the data folder named by WEIR_DATA_DIR", () => {
    const dir = tempDir();
    expect(weir(["compile", "examples/wordcount.weir", "--out", join(dir, "out")]).status).toBe(0);
    const data = join(dir, "data");
    expect(weir(["produce", "text-lines", "--data", data], '{"value": "to be or not to be"}\n').status).toBe(0);
    // Without record caches (the variable is read: with them, a word's two counts would be one).
    const result = service(join(dir, "out", "wordcount.ts"), { WEIR_DATA_DIR: data, WEIR_FOLLOW: "false", WEIR_CACHE_MAX_BYTES: "0" });
    expect(result.stderr).toContain("wordcount: processed 7 records in");
    expect(result.status).toBe(0);
    const counts = jsonLines(weir(["consume", "word-counts", "--data", data]).stdout);
    expect(sequencesByKey(counts)).toEqual(expectedWordCounts(["to be or not to be"]));
  });

  it("names the application once on each log line", async () => {
    const dir = tempDir();
    expect(weir(["compile", "examples/wordcount.weir", "--out", join(dir, "out")]).status).toBe(0);
    const data = join(dir, "data");
    expect(weir(["produce", "text-lines", "--data", data], '{"value": "to be"}\n').status).toBe(0);
    expect(service(join(dir, "out", "wordcount.ts"), { WEIR_DATA_DIR: data, WEIR_FOLLOW: "false" }).status).toBe(0);
    // Run again, following: it restores its store, then a SIGTERM stops it with nothing new to commit.
    const child = spawn(process.execPath, ["--import", tsxLoader, join(dir, "out", "wordcount.ts")], { env: { ...process.env, WEIR_DATA_DIR: data } });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      const restoredBefore = stderr.includes("restored");
      stderr += chunk.toString("utf8");
      if (!restoredBefore && stderr.includes("restored")) child.kill("SIGTERM");
    });
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(status).toBe(0);
    const lines = stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^wordcount: restored 2 record\(s\) into store counts from wordcount-counts-changelog-0 in \d+\.\d ms$/);
    expect(lines[1]).toBe("wordcount: stopped after 0 commit(s)");
    expect(lines[2]).toBe("wordcount: processed 0 records in 0 commits (closed)");
  }, 60_000);

  it("a missing source topic is one line, as in the CLI, exit code 1", () => {
    const dir = tempDir();
    expect(weir(["compile", "examples/wordcount.weir", "--out", dir]).status).toBe(0);
    const data = join(dir, "data");
    const result = service(join(dir, "wordcount.ts"), { WEIR_DATA_DIR: data, WEIR_FOLLOW: "false" });
    expect(result.stderr).toBe(`wordcount: source topic "text-lines" does not exist: produce to it first (weir produce text-lines --data ${data})\n`);
    expect(result.status).toBe(1);
  });

  it("refuses bad settings with one line each and exit code 2", () => {
    const dir = tempDir();
    expect(weir(["compile", "examples/wordcount.weir", "--out", dir]).status).toBe(0);
    const result = service(join(dir, "wordcount.ts"), { WEIR_COMMIT_INTERVAL_MS: "soon", WEIR_FOLLOW: "maybe" });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n").sort()).toEqual([
      "wordcount: bad setting: WEIR_COMMIT_INTERVAL_MS must be a number",
      "wordcount: bad setting: WEIR_DATA_DIR is required: the data folder of the embedded engine (or set WEIR_BROKERS to run on Kafka)",
      "wordcount: bad setting: WEIR_FOLLOW must be true or false",
    ]);
  });
});
