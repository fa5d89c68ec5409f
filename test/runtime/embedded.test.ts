// Behaviour of the embedded engine, on real (in-memory or file) SQLite, with
// topologies written with the builder as generated code would.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEmbeddedEngine, openEmbeddedLog, runEmbedded, type ConsumedRecord, type EmbeddedLog } from "../../runtime/embedded.ts";
import type { RunOptions } from "../../runtime/engine.ts";
import { EngineStateError, TopicError, WeirRuntimeError } from "../../runtime/errors.ts";
import { formats } from "../../runtime/formats.ts";
import { partitionForKey } from "../../runtime/internal/partitioner.ts";
import { defineTopology } from "../../runtime/topology/dsl.ts";
import { Topology, TopologyError, type SubTopology } from "../../runtime/topology/graph.ts";
import { countWords, generateLines, splitWords, wordcountTopology } from "./fixtures/wordcount.ts";

let log: EmbeddedLog;
beforeEach(() => {
  log = openEmbeddedLog(":memory:");
});
afterEach(() => log.close());

const run = (topology: Topology, options: RunOptions = {}) => runEmbedded(topology, { log, ...options });
const slim = (records: ConsumedRecord[]) => records.map(({ partition, key, value, timestamp }) => ({ partition, key, value, timestamp }));

/** Each word's counts in output order (a word's records are all in one partition). */
function countsByWord(records: readonly ConsumedRecord[]): Map<string, number[]> {
  const sequences = new Map<string, number[]>();
  for (const record of records) {
    const sequence = sequences.get(record.key as string) ?? [];
    sequence.push(record.value as number);
    sequences.set(record.key as string, sequence);
  }
  return sequences;
}

describe("wordcount", () => {
  it("emits every count change, with the input record's timestamp, on one partition", async () => {
    log.createTopic("text-lines", 1);
    log.produce("text-lines", [
      { value: "the cat", timestamp: 100 },
      { value: "the dog", timestamp: 200 },
      { value: "The cat sat", timestamp: 300 },
    ]);
    // Without record caches: every update (the cache is tested in record-cache.test.ts).
    const summary = await run(wordcountTopology(), { cacheMaxBytes: 0 });
    expect(slim(log.consume("word-counts"))).toEqual([
      { partition: 0, key: "the", value: 1, timestamp: 100 },
      { partition: 0, key: "cat", value: 1, timestamp: 100 },
      { partition: 0, key: "the", value: 2, timestamp: 200 },
      { partition: 0, key: "dog", value: 1, timestamp: 200 },
      { partition: 0, key: "the", value: 3, timestamp: 300 },
      { partition: 0, key: "cat", value: 2, timestamp: 300 },
      { partition: 0, key: "sat", value: 1, timestamp: 300 },
    ]);
    expect(summary).toMatchObject({
      application: "wordcount",
      recordsProcessed: 3 + 7,
      outputs: { "wordcount-words-repartition": 7, "word-counts": 7 },
      deadLettered: 0,
      stoppedBy: "drained",
    });
    // One commit for the lines (making the repartitioned words visible), one for the counts.
    expect(summary.commits).toBe(2);
    expect(summary.restored).toEqual([{ store: "counts", changelogTopic: "wordcount-counts-changelog", records: 0, durationMs: expect.any(Number) }]);
    // The changelog holds the last change of each word per commit, in the order of those last changes.
    expect(log.consume("wordcount-counts-changelog").map((r) => [r.key, r.value])).toEqual([
      ["dog", 1],
      ["the", 3],
      ["cat", 2],
      ["sat", 1],
    ]);
    expect(log.consume("wordcount-dlq")).toEqual([]);
  });

  it("partitions by key through the repartition topic and into the output, over several input partitions", async () => {
    log.createTopic("text-lines", 3);
    const lines = ["red green blue", "green blue", "blue", "red red yellow", "green", "purple blue red"];
    log.produce("text-lines", lines.map((value, i) => ({ key: `line-${i}`, value, timestamp: 1000 + i })));
    const inputPartitions = log.consume("text-lines").map((r) => r.partition);
    expect(new Set(inputPartitions).size).toBeGreaterThan(1);

    await run(wordcountTopology(), { cacheMaxBytes: 0 });

    const topics = Object.fromEntries(log.topics().map((t) => [t.name, t.partitions]));
    expect(topics).toMatchObject({ "text-lines": 3, "wordcount-words-repartition": 3, "wordcount-counts-changelog": 3, "word-counts": 3, "wordcount-dlq": 1 });

    // The repartition topic is keyed by the word's JSON text, the output by its string bytes.
    for (const record of log.consume("wordcount-words-repartition")) {
      expect(record.partition).toBe(partitionForKey(Buffer.from(JSON.stringify(record.key)), 3));
    }
    const output = log.consume("word-counts");
    for (const record of output) expect(record.partition).toBe(partitionForKey(Buffer.from(record.key as string), 3));

    const expected = countWords(lines);
    const sequences = countsByWord(output);
    expect(new Map([...sequences].map(([word, counts]) => [word, counts.length]))).toEqual(expected);
    for (const [word, counts] of sequences) expect(counts, word).toEqual(counts.map((_, i) => i + 1));
    // Each count carries the timestamp of the line that contained the word.
    const lineTimestamps = new Map<string, number[]>();
    lines.forEach((line, i) => splitWords(line).forEach((w) => lineTimestamps.set(w, [...(lineTimestamps.get(w) ?? []), 1000 + i])));
    for (const [word, stamps] of lineTimestamps) {
      expect(output.filter((r) => r.key === word).map((r) => r.timestamp).sort(), word).toEqual([...stamps].sort());
    }
  });

  it("restores counts from the changelog when run again, and continues from the committed offsets", async () => {
    log.createTopic("text-lines", 1);
    log.produce("text-lines", [{ value: "a a", timestamp: 1 }]);
    const first = await run(wordcountTopology(), { cacheMaxBytes: 0 });
    expect(first.restored[0]!.records).toBe(0);

    log.produce("text-lines", [{ value: "a b", timestamp: 2 }]);
    const logged: string[] = [];
    const second = await run(wordcountTopology(), { cacheMaxBytes: 0, logger: (line) => logged.push(line) });
    expect(second.restored[0]!.records).toBe(1); // "a" = 2: two changes in one commit, logged once
    expect(second.recordsProcessed).toBe(1 + 2);
    expect(logged.some((line) => line.startsWith("restored 1 record(s) into store counts from wordcount-counts-changelog-0"))).toBe(true);
    expect(log.consume("word-counts").map((r) => `${r.key}=${r.value}`)).toEqual(["a=1", "a=2", "a=3", "b=1"]);

    // Nothing new: nothing processed, nothing written.
    const third = await run(wordcountTopology());
    expect(third).toMatchObject({ recordsProcessed: 0, commits: 0, outputs: {} });
    expect(log.consume("word-counts")).toHaveLength(4);
  });

  it("in follow mode, keeps processing records produced while it runs until stopped", async () => {
    log.createTopic("text-lines", 2);
    log.produce("text-lines", [{ key: "1", value: "x", timestamp: 1 }]);
    const stop = new AbortController();
    const running = run(wordcountTopology(), { follow: true, signal: stop.signal, pollIntervalMs: 5, commitIntervalMs: 5 });
    const outputs = () => (log.topics().some((t) => t.name === "word-counts") ? log.consume("word-counts").length : 0);
    const waitFor = async (count: number) => {
      for (let i = 0; i < 1000 && outputs() < count; i++) await new Promise((r) => setTimeout(r, 5));
    };
    await waitFor(1);
    log.produce("text-lines", [{ key: "2", value: "x y", timestamp: 2 }]);
    await waitFor(3);
    stop.abort();
    const summary = await running;
    expect(summary.commits).toBeGreaterThanOrEqual(2);
    expect(summary.stoppedBy).toBe("closed");
    expect(log.consume("word-counts").map((r) => `${r.key}=${r.value}`).sort()).toEqual(["x=1", "x=2", "y=1"]);
  });
});

describe("exactly-once across stops (in process)", () => {
  const input = generateLines(300, 40);

  /** Runs to the end, stopping after every `commitsPerRun` commits and starting again; returns the number of runs. */
  async function runInPieces(target: EmbeddedLog, commitsPerRun: number): Promise<number> {
    for (let runs = 1; ; runs++) {
      const stop = new AbortController();
      const summary = await runEmbedded(wordcountTopology(), {
        log: target,
        maxRecordsPerCommit: 40,
        commitIntervalMs: 60_000,
        cacheMaxBytes: 0,
        signal: stop.signal,
        onCommit: (commit) => {
          if (commit.commit === commitsPerRun) stop.abort();
        },
      });
      if (summary.stoppedBy === "drained") return runs;
    }
  }

  it("one partition: the output of a run stopped and resumed many times is exactly that of one run", async () => {
    const reference = openEmbeddedLog(":memory:");
    try {
      for (const target of [reference, log]) {
        target.createTopic("text-lines", 1);
        target.produce("text-lines", input.map((value, i) => ({ value, timestamp: i })));
      }
      await runEmbedded(wordcountTopology(), { log: reference, maxRecordsPerCommit: 40, commitIntervalMs: 60_000, cacheMaxBytes: 0 });

      // A partial output is a prefix of the whole.
      const stop = new AbortController();
      const partial = await run(wordcountTopology(), {
        maxRecordsPerCommit: 40,
        cacheMaxBytes: 0,
        commitIntervalMs: 60_000,
        signal: stop.signal,
        onCommit: (c) => c.commit === 3 && stop.abort(),
      });
      expect(partial.stoppedBy).toBe("closed");
      const soFar = log.consume("word-counts");
      const whole = reference.consume("word-counts");
      expect(soFar.length).toBeGreaterThan(0);
      expect(soFar.length).toBeLessThan(whole.length);
      expect(slim(soFar)).toEqual(slim(whole.slice(0, soFar.length)));

      const runs = await runInPieces(log, 3);
      expect(runs).toBeGreaterThan(5);
      for (const topic of ["word-counts", "wordcount-words-repartition"]) {
        expect(slim(log.consume(topic)), topic).toEqual(slim(reference.consume(topic)));
      }
    } finally {
      reference.close();
    }
  });

  it("three partitions: every word counts 1, 2, ..., N exactly once", async () => {
    log.createTopic("text-lines", 3);
    log.produce("text-lines", input.map((value, i) => ({ key: `k${i}`, value, timestamp: i })));
    expect(await runInPieces(log, 2)).toBeGreaterThan(5);
    const expected = countWords(input);
    const sequences = countsByWord(log.consume("word-counts"));
    expect(new Map([...sequences].map(([word, counts]) => [word, counts.at(-1)]))).toEqual(expected);
    for (const [word, counts] of sequences) expect(counts, word).toEqual(counts.map((_, i) => i + 1));
    const words = [...expected.values()].reduce((a, b) => a + b, 0);
    expect(log.consume("wordcount-words-repartition")).toHaveLength(words);
  });
});

/** Two streams in one sub-topology, as a join or merge will make them: the builder has neither yet. */
function mergedTopology(): Topology {
  const built = defineTopology("merge", (builder) => {
    const sink = { topic: "merged", key: formats.string(), value: formats.string() };
    builder
      .stream("left", { topic: "left", key: formats.string(), value: formats.string() })
      .mapValues("tag-left", (r) => `L${r.value}@${r.timestamp}`)
      .to("left-out", sink);
    builder
      .stream("right", { topic: "right", key: formats.string(), value: formats.json<{ at: number; v: string }>(), timestamp: (v) => v.at })
      .mapValues("tag-right", (r) => `R${r.value.v}@${r.timestamp}`)
      .to("right-out", sink);
  });
  class OneSubTopology extends Topology {
    override readonly subtopologies: readonly SubTopology[] = [{ id: 0, nodes: this.nodes, sourceTopics: ["left", "right"], stores: [] }];
  }
  return new OneSubTopology(built.application, built.nodes);
}

describe("a task with several input partitions", () => {
  it("processes the head record with the lowest timestamp first; ties go to the first source", async () => {
    log.createTopic("left", 1);
    log.createTopic("right", 1);
    // Right first on the log, and right's event time comes from its value (extracted timestamps order too).
    log.produce("right", [
      { value: { at: 2, v: "b" }, timestamp: 900 },
      { value: { at: 3, v: "c" }, timestamp: 900 },
      { value: { at: 6, v: "f" }, timestamp: 900 },
      { value: { at: 7, v: "tie" }, timestamp: 900 },
    ]);
    log.produce("left", [
      { value: "a", timestamp: 1 },
      { value: "d", timestamp: 4 },
      { value: "e", timestamp: 5 },
      { value: "tie", timestamp: 7 },
    ]);
    await run(mergedTopology());
    expect(log.consume("merged").map((r) => r.value)).toEqual(["La@1", "Rb@2", "Rc@3", "Ld@4", "Le@5", "Rf@6", "Ltie@7", "Rtie@7"]);
    expect(log.consume("merged").map((r) => r.timestamp)).toEqual([1, 2, 3, 4, 5, 6, 7, 7]);
  });

  it("refuses source topics that are not co-partitioned", async () => {
    log.createTopic("left", 2);
    log.createTopic("right", 3);
    await expect(run(mergedTopology())).rejects.toThrowError(
      'the source topics of sub-topology 0 must have the same number of partitions (co-partitioning), but they have: "left" (2), "right" (3)',
    );
  });
});

describe("dead letters", () => {
  const Order = z.object({ id: z.string(), amount: z.number() });
  const shop = () =>
    defineTopology("shop", (builder) => {
      builder
        .stream("orders", { topic: "orders", key: formats.string(), value: formats.json(Order) })
        .mapValues("with-tax", (r) => {
          if (r.value.amount < 0) throw new RangeError(`negative amount in ${r.value.id}`);
          return { id: r.value.id, total: r.value.amount * 2 };
        })
        .to("taxed", { topic: "taxed", key: formats.string(), value: formats.json() });
    });

  it("sends undecodable records and failing ones to <application>-dlq, says why, and goes on", async () => {
    log.createTopic("orders", 1);
    log.produce("orders", [
      { key: "o1", value: { id: "o1", amount: 10 }, timestamp: 1 },
      { key: "o2", value: "{oops", timestamp: 2 },
      { key: "o3", value: { id: "o3", amount: "12" }, timestamp: 3 },
      { key: "o4", value: { id: "o4", amount: -5 }, timestamp: 4 },
      { key: null, value: null, timestamp: 5 },
      { key: "o6", value: { id: "o6", amount: 1 }, timestamp: 6 },
    ]);
    const summary = await run(shop());
    // The tombstone goes on without calling the mapper (which would throw on its null value),
    // and is written as a tombstone, as a Kafka Streams or ksqlDB stream carries it.
    expect(log.consume("taxed").map((r) => [r.key, r.value])).toEqual([
      ["o1", { id: "o1", total: 20 }],
      [null, null],
      ["o6", { id: "o6", total: 2 }],
    ]);
    const letters = log.consume("shop-dlq");
    expect(letters.map((r) => r.key)).toEqual(["o2", "o3", "o4"]);
    expect(letters[0]!.value).toEqual({
      reason: expect.stringMatching(/^value is not valid JSON: /),
      topic: "orders",
      partition: 0,
      offset: 1,
      timestamp: 2,
      key: "o2",
      value: "{oops",
    });
    expect(letters[1]!.value).toEqual({
      reason: "value does not match its schema: amount: Invalid input: expected number, received string",
      topic: "orders",
      partition: 0,
      offset: 2,
      timestamp: 3,
      key: "o3",
      value: '{"id":"o3","amount":"12"}',
    });
    expect(letters[2]!.value).toEqual({
      reason: "processing failed: RangeError: negative amount in o4",
      topic: "orders",
      partition: 0,
      offset: 3,
      timestamp: 4,
      key: "o4",
      value: '{"id":"o4","amount":-5}',
      node: "with-tax",
    });
    expect(letters.map((r) => r.timestamp)).toEqual([2, 3, 4]);
    expect(summary).toMatchObject({ recordsProcessed: 6, deadLettered: 3, outputs: { taxed: 3 } });
    // The dead letters were committed with the offsets: a second run has nothing to redo.
    expect(await run(shop())).toMatchObject({ recordsProcessed: 0, deadLettered: 0 });
    expect(log.consume("shop-dlq")).toHaveLength(3);
  });

  it("a record that fails part way leaves no output and no store change behind", async () => {
    const topology = defineTopology("atomic", (builder) => {
      builder
        .stream("in", { topic: "in", key: formats.string(), value: formats.string() })
        .flatMapValues("split", (r) => r.value.split(" "))
        .selectKey("by-word", (r) => r.value)
        .aggregate("count", { store: "counts", initializer: () => 0, adder: (n: number) => n + 1 })
        .toStream()
        .mapValues("check", (r) => {
          if (r.key === "boom") throw new Error("boom");
          return r.value;
        })
        .to("out", { topic: "out", key: formats.string(), value: formats.json() });
    });
    log.createTopic("in", 1);
    log.produce("in", [
      { value: "x y", timestamp: 1 },
      { value: "x boom y", timestamp: 2 }, // x and y are counted, then boom throws: all undone
      { value: "x", timestamp: 3 },
    ]);
    // Without a cache, "check" runs while the record is processed (with one, at the flush: record-cache.test.ts).
    await run(topology, { cacheMaxBytes: 0 });
    expect(log.consume("out").map((r) => `${r.key}=${r.value}`)).toEqual(["x=1", "y=1", "x=2"]);
    expect(log.consume("atomic-dlq").map((r) => (r.value as { node: string }).node)).toEqual(["check"]);
    expect(log.consume("atomic-counts-changelog").map((r) => `${r.key}=${r.value}`).sort()).toEqual(["x=2", "y=1"]);
  });
});

describe("topics and errors", () => {
  it("says how to create a missing source topic", async () => {
    const error = await run(wordcountTopology()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TopicError);
    expect(error).toBeInstanceOf(WeirRuntimeError);
    expect((error as Error).message).toBe('source topic "text-lines" does not exist: produce to it first (weir produce text-lines --data DIR)');

    const dir = mkdtempSync(join(tmpdir(), "weir-missing-"));
    try {
      await expect(runEmbedded(wordcountTopology(), { data: dir })).rejects.toThrowError(
        `source topic "text-lines" does not exist: produce to it first (weir produce text-lines --data ${dir})`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses two sources on one topic", async () => {
    log.createTopic("t", 1);
    const topology = defineTopology("twice", (builder) => {
      builder.stream("a", { topic: "t", key: formats.string(), value: formats.string() }).to("a-out", { topic: "o1", key: formats.string(), value: formats.string() });
      builder.stream("b", { topic: "t", key: formats.string(), value: formats.string() }).to("b-out", { topic: "o2", key: formats.string(), value: formats.string() });
    });
    await expect(run(topology)).rejects.toThrowError(TopologyError);
    await expect(run(topology)).rejects.toThrowError('topic "t" is read by two sources, a and b');
  });

  it("records the formats sources and sinks declare, and sizes created sinks by their writer's tasks", async () => {
    log.createTopic("text-lines", 2);
    log.produce("text-lines", [{ value: "hello" }]);
    await run(wordcountTopology());
    const topics = new Map(log.topics().map((t) => [t.name, t]));
    expect(topics.get("text-lines")).toMatchObject({ keyFormat: "string", valueFormat: "string" });
    expect(topics.get("word-counts")).toMatchObject({ partitions: 2, keyFormat: "string", valueFormat: "json" });
    expect(topics.get("wordcount-dlq")).toMatchObject({ partitions: 1, valueFormat: "json" });
  });

  it("an engine runs one topology at a time and not after close", async () => {
    log.createTopic("text-lines", 1);
    const engine = createEmbeddedEngine({ log });
    const stop = new AbortController();
    const running = engine.run(wordcountTopology(), { follow: true, signal: stop.signal, pollIntervalMs: 5 });
    await expect(engine.run(wordcountTopology())).rejects.toThrowError(EngineStateError);
    await engine.close(); // stops the run in progress
    expect((await running).stoppedBy).toBe("closed");
    await expect(engine.run(wordcountTopology())).rejects.toThrowError("the engine is closed");
  });
});
