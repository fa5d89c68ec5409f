// A Kafka engine process killed with SIGKILL in the middle of its work, then
// started again, several times: the output is exactly that of one run. What a
// killed process left open (a transaction with records already in the log) is
// aborted by the next one's InitProducerId and never read.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countWords, generateLines } from "../../runtime/fixtures/wordcount.ts";
import { BROKERS, connectBroker, countsByWord, createTopic, produceLines, readCommitted, uniqueName, type Broker } from "../helpers.ts";

const child = join(import.meta.dirname, "fixtures", "wordcount-child.ts");
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href;

let broker: Broker;
beforeAll(async () => {
  broker = await connectBroker();
});
afterAll(async () => {
  await broker?.close();
});

/** Runs the child; kills it with SIGKILL once it printed `killAfter` commits (undefined: let it finish). */
function runChild(args: string[], killAfter: number | undefined, env: Record<string, string> = {}): Promise<{ killed: boolean; commits: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const process = spawn(globalThis.process.execPath, ["--import", tsxLoader, child, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...globalThis.process.env, ...env } });
    let stdout = "";
    let stderr = "";
    let commits = 0;
    let killed = false;
    process.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      commits = stdout.split("\n").filter((line) => line.startsWith("commit ")).length;
      if (killAfter !== undefined && commits >= killAfter && !killed) {
        killed = true;
        process.kill("SIGKILL");
      }
    });
    process.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    process.on("error", reject);
    process.on("exit", () => resolve({ killed, commits, stdout, stderr }));
  });
}

describe("Kafka engine killed with SIGKILL", () => {
  it("wordcount killed twice mid-run and restarted counts every word exactly once", async () => {
    const lines = generateLines(400, 40, 51);
    const app = uniqueName("weir-test-crash");
    const input = `${app}-lines`;
    const output = `${app}-counts`;
    await createTopic(broker, input, 2);
    await produceLines(broker, input, lines);
    const args = [app, input, output, BROKERS.join(",")];

    const first = await runChild(args, 3);
    expect(first.killed, first.stderr).toBe(true);
    const second = await runChild(args, 6);
    expect(second.killed, second.stderr).toBe(true);
    const last = await runChild(args, undefined);
    expect(last.stdout, last.stderr).toMatch(/^done .*"stoppedBy":"drained"/m);

    const out = await readCommitted(broker, output);
    const expected = countWords(lines);
    const sequences = countsByWord(out);
    expect(new Map([...sequences].map(([word, counts]) => [word, counts.length]))).toEqual(expected);
    for (const [word, counts] of sequences) expect(counts, word).toEqual(counts.map((_, i) => i + 1));
    // The last run took over from a killed one: its state came from the changelog.
    const summary = JSON.parse(/^done (.*)$/m.exec(last.stdout)![1]!) as { restored: { records: number }[] };
    expect(summary.restored[0]!.records).toBeGreaterThan(0);
  }, 120_000);

  it("with record caches, killed twice mid-run and restarted: counts only grow, end exact, and agree with the committed changelog", async () => {
    const lines = generateLines(400, 40, 52);
    const app = uniqueName("weir-test-crash-cached");
    const input = `${app}-lines`;
    const output = `${app}-counts`;
    await createTopic(broker, input, 2);
    await produceLines(broker, input, lines);
    const args = [app, input, output, BROKERS.join(",")];
    const cached = { WEIR_CHILD_CACHE_MAX_BYTES: "10485760" };

    const first = await runChild(args, 3, cached);
    expect(first.killed, first.stderr).toBe(true);
    const second = await runChild(args, 6, cached);
    expect(second.killed, second.stderr).toBe(true);
    const last = await runChild(args, undefined, cached);
    expect(last.stdout, last.stderr).toMatch(/^done .*"stoppedBy":"drained"/m);

    const out = await readCommitted(broker, output);
    const sequences = countsByWord(out);
    // A count still in a cache when a process died was never written: no word counts the same twice, none goes back.
    for (const [word, counts] of sequences) expect(counts, word).toEqual([...new Set(counts)].sort((a, b) => a - b));
    const finals = new Map([...sequences].map(([word, counts]) => [word, counts.at(-1)]));
    expect(finals).toEqual(countWords(lines));
    expect(out.length).toBeLessThan([...countWords(lines).values()].reduce((a, b) => a + b, 0));
    // What went downstream is what the store's committed changelog holds.
    const stored = new Map<string, number>();
    for (const record of await readCommitted(broker, `${app}-counts-changelog`)) {
      // (The store's shape record, with its headers, is no row.)
      if (!record.headers && record.key !== null && record.value !== null) stored.set(JSON.parse(record.key) as string, JSON.parse(record.value) as number);
    }
    expect(stored).toEqual(finals);
  }, 120_000);
});
