// A broker outage in the middle of `weir run --follow`, against a real broker
// of the test's own (test/kafka/private-broker.ts; the shared one is never
// stopped): the broker is SIGKILLed while weir processes, so transactions are
// left open on it, kept down for 15 s, and started again. weir must ride it
// out: drop what it had not committed, rejoin, go on from its last commits,
// and end up with exactly the output of a run without an outage, still
// running. A second instance with a short outage limit gives up with one line.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { countWords, generateLines, splitWords } from "../../runtime/fixtures/wordcount.ts";
import { connectBroker, countsByWord, createTopic, produceLines, readCommitted, uniqueName, type Broker } from "../helpers.ts";
import { startPrivateBroker } from "../private-broker.ts";

const root = join(import.meta.dirname, "..", "..", "..");
const weirBin = join(root, "bin", "weir.js");

/** examples/wordcount.weir over the test's topics, with words as the fixtures split them (letters and digits). */
function wordcountFile(input: string, output: string): string {
  const dir = mkdtempSync(join(tmpdir(), "weir-outage-"));
  const file = join(dir, "wordcount.weir");
  writeFileSync(
    file,
    [
      "application wordcount",
      `stream lines from topic "${input}" key string value string`,
      `stream words = lines | flatmap extractAll(lower(value), "[a-z0-9]+")`,
      "table counts = words | group by value | count",
      `sink counts to topic "${output}" key string value json`,
      "",
    ].join("\n"),
  );
  return file;
}

interface Weir {
  readonly process: ChildProcess;
  stderr: string;
  readonly exited: Promise<number | null>;
}

function startWeir(args: readonly string[]): Weir {
  const child = spawn(process.execPath, [weirBin, "run", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  const weir: Weir = { process: child, stderr: "", exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))) };
  child.stderr!.on("data", (chunk: Buffer) => (weir.stderr += chunk.toString("utf8")));
  child.stdout!.resume();
  return weir;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number, logs: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await sleep(100);
  }
  throw new Error(`gave up waiting until ${what}\n${logs()}`);
}

it("weir run --follow rides out a broker SIGKILLed mid-run and restarted 15 s later: the output is exact and the process still runs; one with --broker-outage 3000 gives up with one line", async () => {
  const kafka = await startPrivateBroker();
  const children: Weir[] = [];
  let broker: Broker | undefined;
  try {
    broker = await connectBroker([kafka.address]);
    const app = uniqueName("weir-test-outage");
    const [input, output] = [`${app}-lines`, `${app}-counts`];
    await createTopic(broker, input, 2);
    const quitterApp = `${app}-quitter`;
    await createTopic(broker, `${quitterApp}-lines`, 1);

    const group = ["--session-timeout", "6000", "--heartbeat-interval", "500"];
    const survivor = startWeir([wordcountFile(input, output), "--brokers", kafka.address, "--application-id", app, "--follow", "--commit-interval", "50", "--cache-max-bytes", "0", ...group]);
    const quitter = startWeir([
      wordcountFile(`${quitterApp}-lines`, `${quitterApp}-counts`),
      ...["--brokers", kafka.address, "--application-id", quitterApp, "--follow", "--broker-outage", "3000", ...group],
    ]);
    children.push(survivor, quitter);
    const logs = () => children.map((c, i) => `instance ${i + 1}:\n${c.stderr}`).join("\n");
    await waitFor("both run their tasks", () => children.every((c) => /generation \d+ of 1 member\(s\): running \d+ task\(s\)/.test(c.stderr)), 60_000, logs);

    const before = generateLines(2000, 300, 7);
    await produceLines(broker, input, before);
    // Kill the broker while the survivor is in the middle of the input: it has
    // committed some of it and has transactions open on the broker.
    let outputAtKill = 0;
    await waitFor("some output is committed", async () => (outputAtKill = (await broker!.reader.topic(output)) ? (await readCommitted(broker!, output)).length : 0) > 0, 60_000, logs);
    expect(outputAtKill).toBeLessThan(before.flatMap(splitWords).length);
    await broker.close();
    broker = undefined;
    await kafka.stop("KILL");
    const killedAt = Date.now();

    // The quitter gives up once it has been failing for 3 s (plus one try of
    // the client's own retries, about 8 s): the broker stays down until it has
    // (15 s in all, longer only on a machine too loaded to notice in time).
    const quitterCode = await Promise.race([quitter.exited, sleep(45_000).then(() => "still running" as const)]);
    expect(quitterCode, quitter.stderr).toBe(1);
    const quitterLines = quitter.stderr.trimEnd().split("\n");
    expect(quitterLines.at(-1)).toMatch(
      new RegExp(`^weir: Kafka at ${kafka.address.replace(/\./g, "\\.")} has been failing for [\\d.]+ s, longer than the outage limit \\(3000 ms\\): giving up \\(last error: .*\\)$`),
    );
    expect(quitter.stderr).not.toMatch(/^\s+at /m);

    await sleep(Math.max(0, killedAt + 15_000 - Date.now()));
    expect(survivor.process.exitCode, survivor.stderr).toBeNull();
    await kafka.start();
    broker = await connectBroker([kafka.address]);
    const after = generateLines(300, 300, 8);
    await produceLines(broker, input, after, before.length);

    const all = [...before, ...after];
    const expected = countWords(all);
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    await waitFor(`${output} has ${total} records`, async () => (await readCommitted(broker!, output)).length >= total, 90_000, logs);
    expect(survivor.process.exitCode, survivor.stderr).toBeNull();
    expect(survivor.stderr).toMatch(/: Kafka is unavailable \(.*\): closing \d+ task\(s\) without committing/);
    expect(survivor.stderr).toMatch(/: Kafka answers again: running 4 task\(s\) from their last commit/);

    // Exactly once: every word counts 1, 2, ..., N in order, none repeated or skipped.
    const sequences = countsByWord(await readCommitted(broker, output));
    expect(new Map([...sequences].map(([word, counts]) => [word, counts.length]))).toEqual(expected);
    for (const [word, counts] of sequences) expect(counts, word).toEqual(counts.map((_, i) => i + 1));

    survivor.process.kill("SIGTERM");
    expect(await survivor.exited, survivor.stderr).toBe(0);
    expect(survivor.stderr).toMatch(new RegExp(`^${app}: processed \\d+ records in \\d+ commits \\(closed\\)$`, "m"));
  } finally {
    for (const child of children) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill("SIGKILL");
    await broker?.close();
    await kafka.remove();
  }
}, 240_000);
