// Exactly-once under real crashes: a child process runs wordcount over a data
// directory and is killed with SIGKILL at random moments after it has
// committed, several times, then run to the end. Without record caches, each
// count of each word must appear exactly once, in order; with them (the
// default), each word's counts only grow, and what is committed downstream is
// what the committed store holds: a count still in a cache when the process
// died never shows. Either way the final counts must match the input.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { embeddedDatabasePath, openEmbeddedLog, type ConsumedRecord } from "../../runtime/embedded.ts";
import { EmbeddedLogImpl } from "../../runtime/internal/embedded-log-impl.ts";
import { countWords, generateLines } from "./fixtures/wordcount.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const CHILD = join(REPO, "test/runtime/fixtures/wordcount-child.ts");
const LINES = 25_000;
const PARTITIONS = 3;
const KILLS = 4;
const COMMIT_INTERVAL_MS = 5;

const dataDirs: string[] = [];
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

interface ChildRun {
  /** Resolves when the child has printed at least `n` commit lines (or exited). */
  commits(n: number): Promise<number>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  kill(): void;
}

function startChild(dataDir: string, cacheMaxBytes: number): ChildRun {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, dataDir, String(COMMIT_INTERVAL_MS), String(cacheMaxBytes)], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let commitLines = 0;
  let waiting: { n: number; resolve: (count: number) => void } | undefined;
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    commitLines = stdout.split("\n").filter((line) => line.startsWith("commit ")).length;
    if (waiting && commitLines >= waiting.n) waiting.resolve(commitLines);
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on("exit", (code, signal) => {
      waiting?.resolve(commitLines);
      // Let the last 'data' events drain before reporting.
      setImmediate(() => resolve({ code, signal, stdout, stderr }));
    }),
  );
  return {
    commits: (n) => (commitLines >= n ? Promise.resolve(commitLines) : new Promise((resolve) => (waiting = { n, resolve }))),
    exited,
    kill: () => child.kill("SIGKILL"),
  };
}

/** Committed state, read the way a restarted instance would see it. */
function committedState(dataDir: string) {
  const impl = new EmbeddedLogImpl(embeddedDatabasePath(dataDir));
  const log = openEmbeddedLog(embeddedDatabasePath(dataDir));
  try {
    const inputs = ["text-lines", "wordcount-words-repartition"].flatMap((topic) =>
      Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })),
    );
    const positions = inputs.map((tp) => impl.committedOffsetSync("wordcount", tp.topic, tp.partition) ?? 0);
    const lines = positions.slice(0, PARTITIONS).reduce((a, b) => a + b, 0);
    /** Input records committed as processed, over both sub-topologies. */
    const progress = positions.reduce((a, b) => a + b, 0);
    const output = log.topics().some((t) => t.name === "word-counts") ? log.consume("word-counts") : [];
    const changelog = log.topics().some((t) => t.name === "wordcount-counts-changelog") ? log.consume("wordcount-counts-changelog") : [];
    const stored = new Map<string, number>();
    for (const record of changelog) if (typeof record.value === "number") stored.set(record.key as string, record.value);
    return { lines, progress, output, stored };
  } finally {
    log.close();
    impl.close();
  }
}

/**
 * With record caches: each word's counts so far only grow (no duplicate), and
 * each word's last count is the committed store's: the caches were flushed
 * into the commit that wrote the store's changelog, and nothing else was.
 */
function expectCountsAsStored(output: readonly ConsumedRecord[], stored: ReadonlyMap<string, number>): Map<string, number> {
  const last = new Map<string, number>();
  for (const record of output) {
    const word = record.key as string;
    if (!((record.value as number) > (last.get(word) ?? 0))) {
      throw new Error(`word ${word}: count ${String(record.value)} at ${record.partition}/${record.offset} after ${last.get(word)}`);
    }
    last.set(word, record.value as number);
  }
  expect(last).toEqual(stored);
  return last;
}

/** Checks that each word's counts so far are 1, 2, ..., k: no duplicate, no gap. */
function expectGaplessCounts(output: readonly ConsumedRecord[]): Map<string, number> {
  const last = new Map<string, number>();
  for (const record of output) {
    const word = record.key as string;
    const expected = (last.get(word) ?? 0) + 1;
    if (record.value !== expected) {
      throw new Error(`word ${word}: count ${String(record.value)} at ${record.partition}/${record.offset}, expected ${expected}`);
    }
    last.set(word, expected);
  }
  return last;
}

describe("exactly-once under SIGKILL", () => {
  it.each([
    { cache: "without record caches", cacheMaxBytes: 0 },
    { cache: "with record caches", cacheMaxBytes: 10_485_760 },
  ])(`wordcount over ${LINES} lines, killed ${KILLS} times mid-run, $cache, counts every word exactly once`, { timeout: 240_000 }, async ({ cacheMaxBytes }) => {
    const dataDir = mkdtempSync(join(tmpdir(), "weir-crash-"));
    dataDirs.push(dataDir);
    const checkCommitted = (state: ReturnType<typeof committedState>) =>
      cacheMaxBytes === 0 ? expectGaplessCounts(state.output) : expectCountsAsStored(state.output, state.stored);
    const lines = generateLines(LINES);
    const setup = openEmbeddedLog(embeddedDatabasePath(dataDir));
    setup.createTopic("text-lines", PARTITIONS);
    setup.produce("text-lines", lines.map((value, i) => ({ key: `line-${i}`, value, timestamp: 1_000 + i })));
    setup.close();
    const expected = countWords(lines);
    const totalWords = [...expected.values()].reduce((a, b) => a + b, 0);

    let previousProgress = 0;
    const killedAfter: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const child = startChild(dataDir, cacheMaxBytes);
      // Kill after a random number of commits, then a random few milliseconds
      // more, so that some kills land inside a commit's SQLite transaction.
      const target = 3 + Math.floor(Math.random() * 25);
      const seen = await child.commits(target);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 8));
      child.kill();
      const exit = await child.exited;
      expect(exit.stderr).toBe("");
      expect(exit.signal, `run ${kill + 1} should have been killed, not have finished:\n${exit.stdout.slice(-300)}`).toBe("SIGKILL");
      expect(exit.stdout).not.toContain("done ");
      expect(seen).toBeGreaterThanOrEqual(target);
      killedAfter.push(seen);

      const state = committedState(dataDir);
      expect(state.progress, "each run commits progress").toBeGreaterThan(previousProgress);
      // Input records: the lines, then each word once more through the repartition topic.
      expect(state.progress, "killed before the end of the input").toBeLessThan(LINES + totalWords);
      previousProgress = state.progress;
      // Even mid-way, what is committed is exact.
      checkCommitted(state);
    }

    const final = startChild(dataDir, cacheMaxBytes);
    const exit = await final.exited;
    expect(exit.stderr).toBe("");
    expect(exit.code).toBe(0);
    const summary = JSON.parse(exit.stdout.split("\n").find((line) => line.startsWith("done "))!.slice(5));
    expect(summary.stoppedBy).toBe("drained");
    expect(summary.restored[0].records, "the last run restored the counts from the changelog").toBeGreaterThan(0);

    const state = committedState(dataDir);
    expect(state.lines).toBe(LINES);
    expect(checkCommitted(state)).toEqual(expected);
    // With caches, a word's updates collapse per commit: fewer outputs than words.
    if (cacheMaxBytes === 0) expect(state.output).toHaveLength(totalWords);
    else expect(state.output.length).toBeLessThan(totalWords);
    const log = openEmbeddedLog(embeddedDatabasePath(dataDir));
    try {
      expect(log.consume("wordcount-words-repartition")).toHaveLength(totalWords);
      expect(log.consume("wordcount-dlq")).toHaveLength(0);
    } finally {
      log.close();
    }
    console.log(`crash test (cacheMaxBytes ${cacheMaxBytes}): ${totalWords} words from ${LINES} lines; killed after ${killedAfter.join(", ")} commits; final run: ${summary.commits} commits`);
  });
});
