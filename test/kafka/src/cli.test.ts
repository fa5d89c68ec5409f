// `weir run FILE --brokers ...` as a user runs it: a child process compiling
// examples/wordcount.weir (with topic names of the test's own) and running it
// on the real broker; `weir produce` and `weir consume` with --brokers.
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { Kafka, logLevel } from "kafkajs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partitionForKey } from "../../../runtime/internal/partitioner.ts";
import { BROKERS, connectBroker, countsByWord, createTopic, produceLines, readCommitted, uniqueName, type Broker } from "../helpers.ts";

const root = join(import.meta.dirname, "..", "..", "..");
const weirBin = join(root, "bin", "weir.js");

let broker: Broker;
beforeAll(async () => {
  broker = await connectBroker();
});
afterAll(async () => {
  await broker?.close();
});

/** examples/wordcount.weir reading and writing topics named for this test. */
function wordcountFile(input: string, output: string): string {
  const source = readFileSync(join(root, "examples", "wordcount.weir"), "utf8").replace('"text-lines"', `"${input}"`).replace('"word-counts"', `"${output}"`);
  const dir = mkdtempSync(join(tmpdir(), "weir-kafka-cli-"));
  const file = join(dir, "wordcount.weir");
  writeFileSync(file, source);
  return file;
}

function expectedSequences(lines: readonly string[]): Map<string, number[]> {
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

const lines = ["The quick brown fox", "jumps over the lazy dog", "the dog sleeps", "A fox, a dog, THE end"];

describe("weir run --brokers", () => {
  it("runs examples/wordcount.weir until drained under its own application id, exactly once", async () => {
    const app = uniqueName("weir-test-cli");
    const input = `${app}-lines`;
    const output = `${app}-counts`;
    await createTopic(broker, input, 2);
    await produceLines(broker, input, lines);
    const file = wordcountFile(input, output);

    const result = spawnSync(process.execPath, [weirBin, "run", file, "--brokers", BROKERS.join(","), "--application-id", app], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.stderr).toMatch(new RegExp(`^${app}: processed \\d+ records in \\d+ commits \\(drained\\)$`, "m"));
    expect(result.status).toBe(0);
    const out = await readCommitted(broker, output);
    const sequences = countsByWord(out);
    // Per key, Kafka keeps order: each word's counts are 1..N in order.
    expect(new Map([...sequences].sort())).toEqual(new Map([...expectedSequences(lines)].sort()));
    // The internal topics carry the application id given on the command line.
    expect(await broker.reader.topic(`${app}-counts-changelog`)).toMatchObject({ partitions: 2 });
    expect(await broker.reader.topic("wordcount-counts-changelog-should-not-matter")).toBeUndefined();
  });

  it("with --follow, keeps running until SIGTERM, which commits, leaves the consumer group and exits 0", async () => {
    const app = uniqueName("weir-test-cli-follow");
    const input = `${app}-lines`;
    const output = `${app}-counts`;
    await createTopic(broker, input, 1);
    const file = wordcountFile(input, output);

    const child = spawn(process.execPath, [weirBin, "run", file, "--brokers", BROKERS.join(","), "--application-id", app, "--follow", "--session-timeout", "7000", "--heartbeat-interval", "700", "--rebalance-timeout", "20000"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await produceLines(broker, input, lines);
      const total = [...expectedSequences(lines).values()].reduce((sum, counts) => sum + counts.length, 0);
      let seen = 0;
      for (let i = 0; i < 400 && seen < total; i++) {
        await new Promise((r) => setTimeout(r, 50));
        seen = (await broker.reader.topic(output)) ? (await readCommitted(broker, output)).length : 0;
      }
      expect(seen).toBe(total);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    expect(stderr).toMatch(new RegExp(`^${app}: processed \\d+ records in \\d+ commits \\(closed\\)$`, "m"));
    expect(stderr).toMatch(new RegExp(`^${app}: generation 1 of 1 member\\(s\\): running 2 task\\(s\\) \\(0_0 1_0\\)$`, "m"));
    // Each line names the application once (the consumer group is the application's).
    expect(stderr).toMatch(new RegExp(`^${app}: consumer group: generation 1, member \\S+ \\(leader\\): tasks 0_0 1_0$`, "m"));
    expect(stderr).toMatch(new RegExp(`^${app}: stopped after \\d+ commit\\(s\\)$`, "m"));
    // It left the group on its way out (LeaveGroup), rather than letting its session expire.
    const { groups } = await broker.admin.describeGroups([app]);
    expect(groups[0]).toMatchObject({ state: "Empty", members: [] });
    const committed = await broker.admin.fetchOffsets({ groupId: app, topics: [input] });
    expect(committed[0]!.partitions[0]!.offset).toBe(String(lines.length));
  });

  it("a bad --guarantee is one line", () => {
    const result = spawnSync(process.execPath, [weirBin, "run", "examples/wordcount.weir", "--brokers", "127.0.0.1:1", "--guarantee", "twice"], {
      cwd: root,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("error: option '--guarantee <guarantee>' argument 'twice' is invalid. expected exactly_once or at_least_once");
  });
});

function weir(args: readonly string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [weirBin, ...args], { cwd: root, encoding: "utf8", timeout: 60_000, ...(input !== undefined ? { input } : {}) });
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("a compiled module run as a service on Kafka", () => {
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href;

  it("a missing source topic is one line, as in the CLI, exit code 1", () => {
    const app = uniqueName("weir-test-service-missing");
    const input = `${app}-lines`;
    const out = mkdtempSync(join(tmpdir(), "weir-kafka-service-"));
    expect(weir(["compile", wordcountFile(input, `${app}-counts`), "--out", out]).status).toBe(0);
    const result = spawnSync(process.execPath, ["--import", tsxLoader, join(out, "wordcount.ts")], {
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, WEIR_BROKERS: BROKERS.join(","), WEIR_APPLICATION_ID: app, WEIR_FOLLOW: "false" },
    });
    expect(result.stderr).toBe(`${app}: source topic "${input}" does not exist: create it first (for example with kafka-topics.sh --create --topic ${input})\n`);
    expect(result.status).toBe(1);
  });
});

describe("weir produce and consume --brokers", () => {
  // Keys of several kinds (text, JSON object, none), values JSON and text.
  const records = [
    ...Array.from({ length: 40 }, (_, i) => ({ key: `k-${i}`, value: { n: i, text: `v${i}` }, timestamp: 1_700_000_000_000 + i })),
    { key: { id: 7 }, value: "plain text", timestamp: 1_700_000_001_000 },
    { value: 42, timestamp: 1_700_000_002_000 },
    { key: "tomb", value: null, timestamp: 1_700_000_003_000 },
  ];
  const jsonl = records.map((r) => JSON.stringify(r)).join("\n") + "\n";

  it("the same JSONL lands on the same partitions and offsets as in the embedded log, and reads back the same", () => {
    const topic = uniqueName("weir-test-produce");
    const produced = weir(["produce", topic, "--brokers", BROKERS.join(","), "--partitions", "3"], jsonl);
    expect(produced.stderr).toBe(`produced ${records.length} records to ${topic}\n`);
    expect(produced.status).toBe(0);

    const data = mkdtempSync(join(tmpdir(), "weir-kafka-produce-"));
    expect(weir(["produce", topic, "--data", data, "--partitions", "3"], jsonl).status).toBe(0);
    const embedded = jsonLines(weir(["consume", topic, "--data", data]).stdout);

    // The embedded log has no format recorded for a produced topic: it prints text, as --value-format string does.
    const asText = weir(["consume", topic, "--brokers", BROKERS.join(","), "--key-format", "string", "--value-format", "string"]);
    expect(asText.status).toBe(0);
    expect(jsonLines(asText.stdout)).toEqual(embedded);
    expect(embedded).toHaveLength(records.length);
    // Kafka's default partitioner (murmur2 of the key bytes).
    for (const r of embedded.filter((r) => r.key !== null)) expect(r.partition).toBe(partitionForKey(Buffer.from(r.key as string), 3));

    // By default, text that parses as JSON prints as JSON.
    const auto = jsonLines(weir(["consume", topic, "--brokers", BROKERS.join(",")]).stdout);
    const byTimestamp = new Map(auto.map((r) => [r.timestamp, r]));
    for (const record of records) {
      expect(byTimestamp.get(record.timestamp), JSON.stringify(record)).toMatchObject({ topic, key: record.key ?? null, value: record.value });
    }

    // A second produce appends, keeping the partitions; another count is refused.
    expect(weir(["produce", topic, "--brokers", BROKERS.join(",")], jsonl).status).toBe(0);
    expect(jsonLines(weir(["consume", topic, "--brokers", BROKERS.join(",")]).stdout)).toHaveLength(2 * records.length);
    const refused = weir(["produce", topic, "--brokers", BROKERS.join(","), "--partitions", "2"], jsonl);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe(`weir: topic "${topic}" has 3 partitions, not 2\n`);
  });

  it("consume reads committed records only, and stops at the end offsets it saw at start", async () => {
    const topic = uniqueName("weir-test-consume");
    await createTopic(broker, topic, 1);
    const kafka = new Kafka({ clientId: "weir-test-txn", brokers: BROKERS, logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ transactionalId: `${topic}-txn`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const committed = await producer.transaction();
      await committed.send({ topic, messages: [{ key: "a", value: "1" }, { key: "b", value: "2" }] });
      await committed.commit();
      const aborted = await producer.transaction();
      await aborted.send({ topic, messages: [{ key: "c", value: "3" }] });
      await aborted.abort();
      const last = await producer.transaction();
      await last.send({ topic, messages: [{ key: "d", value: "4" }] });
      await last.commit();
      await readCommitted(broker, topic); // the commit markers are written
      // Left open: its record is not committed, and consume must not wait for it.
      const open = await producer.transaction();
      await open.send({ topic, messages: [{ key: "e", value: "5" }] });
      const result = weir(["consume", topic, "--brokers", BROKERS.join(",")]);
      expect(result.status).toBe(0);
      expect(jsonLines(result.stdout).map((r) => [r.key, r.value])).toEqual([
        ["a", 1],
        ["b", 2],
        ["d", 4],
      ]);
      await open.abort();
    } finally {
      await producer.disconnect();
    }
  });

  it("needs --data or --brokers, not both; a missing topic is one line", () => {
    const neither = weir(["consume", "x"]);
    expect(neither.status).toBe(2);
    expect(neither.stderr).toBe("weir: consume needs --data DIR (the embedded log) or --brokers HOST:PORT (Kafka)\n");
    const both = weir(["produce", "x", "--data", "d", "--brokers", "h:1"], "");
    expect(both.status).toBe(2);
    expect(both.stderr).toBe("weir: produce takes --data DIR or --brokers HOST:PORT, not both\n");
    const topic = uniqueName("weir-test-missing");
    const missing = weir(["consume", topic, "--brokers", BROKERS.join(",")]);
    expect(missing.stderr).toBe(`weir: topic "${topic}" does not exist\n`);
    expect(missing.status).toBe(1);
  });
});
