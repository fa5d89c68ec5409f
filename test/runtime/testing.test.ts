import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { loadTopology } from "../../src/compiled-module.ts";
import { formats } from "../../runtime/formats.ts";
import { TopologyTestDriver } from "../../runtime/testing.ts";
import { defineTopology } from "../../runtime/topology/dsl.ts";
import type { Topology } from "../../runtime/topology/graph.ts";
import { wordcountTopology } from "./fixtures/wordcount.ts";

describe("TopologyTestDriver", () => {
  it("runs a topology on piped input and reads each output record once", async () => {
    const driver = new TopologyTestDriver(wordcountTopology());
    try {
      driver.pipeInput("text-lines", [{ value: "to be or not to be" }]);
      const summary = await driver.run();
      expect(summary.outputs["word-counts"]).toBe(6);
      expect(driver.readOutput("word-counts").map((r) => `${r.key}=${r.value}@${r.timestamp}`)).toEqual([
        "to=1@0",
        "be=1@0",
        "or=1@0",
        "not=1@0",
        "to=2@0",
        "be=2@0",
      ]);
      expect(driver.readOutput("word-counts")).toEqual([]);

      driver.pipeInput("text-lines", [{ value: "be" }, { value: "or", timestamp: 500 }]);
      await driver.run();
      // The clock moved one millisecond per piped record; an explicit timestamp wins.
      expect(driver.readOutput("word-counts").map((r) => `${r.key}=${r.value}@${r.timestamp}`)).toEqual(["be=3@1", "or=2@500"]);
    } finally {
      await driver.close();
    }
  });

  it("shows every update by default, and with a cache budget a run's output as of its commit", async () => {
    const everyUpdate = new TopologyTestDriver(wordcountTopology());
    const cached = new TopologyTestDriver(wordcountTopology(), { run: { cacheMaxBytes: 10_485_760 } });
    try {
      for (const driver of [everyUpdate, cached]) {
        driver.pipeInput("text-lines", [{ value: "a b a" }]);
        await driver.run();
      }
      expect(everyUpdate.readOutput("word-counts").map((r) => `${r.key}=${r.value}`)).toEqual(["a=1", "b=1", "a=2"]);
      // As docs/testing.md says: b 1, then a 2.
      expect(cached.readOutput("word-counts").map((r) => `${r.key}=${r.value}`)).toEqual(["b=1", "a=2"]);
      expect(cached.readTable("counts")).toEqual(everyUpdate.readTable("counts"));
    } finally {
      await everyUpdate.close();
      await cached.close();
    }
  });

  it("encodes input with the source's formats (a Buffer as is) and shows dead letters", async () => {
    const topology = defineTopology("prices", (builder) => {
      builder
        .stream("prices", { topic: "prices", key: formats.string(), value: formats.json(z.object({ eur: z.number() })) })
        .mapValues("to-cents", (r) => r.value.eur * 100)
        .to("cents", { topic: "cents", key: formats.string(), value: formats.json() });
    });
    const driver = new TopologyTestDriver(topology, { partitions: { prices: 2 } });
    try {
      driver.pipeInput("prices", [
        { key: "apple", value: { eur: 2 } },
        { key: "pear", value: Buffer.from("{") },
      ]);
      expect(driver.log.topics().find((t) => t.name === "prices")!.partitions).toBe(2);
      const summary = await driver.run();
      expect(summary.deadLettered).toBe(1);
      expect(driver.readOutput("cents").map((r) => [r.key, r.value])).toEqual([["apple", 200]]);
      const [letter] = driver.readOutput("prices-dlq");
      expect(letter!.key).toBe("pear");
      expect(letter!.value).toMatchObject({ topic: "prices", value: "{", reason: expect.stringMatching(/^value is not valid JSON/) });
    } finally {
      await driver.close();
    }
  });

  it("refuses input for a topic no source reads, with the sources and a did-you-mean", async () => {
    const driver = new TopologyTestDriver(wordcountTopology());
    try {
      expect(() => driver.pipeInput("text-line", [{ value: "to be" }])).toThrow("no source reads topic 'text-line' (sources: text-lines): did you mean 'text-lines'?");
      expect(() => driver.pipeInput("orders", [{ value: "to be" }])).toThrow(/^no source reads topic 'orders' \(sources: text-lines\)$/);
      expect(driver.log.topics().map((t) => t.name)).toEqual([]);
    } finally {
      await driver.close();
    }
  });

  it("reads nothing from a sink's topic before a run, and refuses a topic that does not exist, with a did-you-mean", async () => {
    const driver = new TopologyTestDriver(wordcountTopology());
    try {
      expect(driver.readOutput("word-counts")).toEqual([]);
      driver.pipeInput("text-lines", [{ value: "be" }]);
      await driver.run();
      expect(() => driver.readOutput("word-count")).toThrow("no topic 'word-count' (the topology writes to word-counts, wordcount-dlq): did you mean 'word-counts'?");
      expect(driver.readOutput("word-counts").map((r) => [r.key, r.value])).toEqual([["be", 1]]);
      expect(() => driver.readTable("count")).toThrow("no state store named count (the topology's stores: counts): did you mean 'counts'?");
      expect(() => driver.readWindowedTable("counts")).toThrow('counts is not a windowed table: read it with readTable("counts")');
    } finally {
      await driver.close();
    }
  });
});

async function compiled(source: string): Promise<Topology> {
  const loaded = await loadTopology(join(import.meta.dirname, "testing.weir"), source);
  if (!loaded.topology) throw new Error(loaded.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return loaded.topology;
}

describe("TopologyTestDriver.readTable and readWindowedTable", () => {
  const perMinute = `application perMinute
schema Order { customerId: string, amount: number, ts: timestamp }
stream orders from topic "orders" key string value json Order event time ts
table perMinute = orders
  | group by customerId
  | window tumbling 1 minute grace 30 s
  | aggregate { total: sum(amount), mean: avg(amount) }
sink perMinute to topic "per-minute"
`;
  const order = (customerId: string, amount: number, ts: number) => ({ key: customerId, value: { customerId, amount, ts } });

  it("shows a windowed table's open windows as rows { key, window, value }, by key then start, with the aggregation's results", async () => {
    const driver = new TopologyTestDriver(await compiled(perMinute));
    try {
      driver.pipeInput("orders", [order("b", 5, 10_000), order("a", 10, 0), order("a", 20, 30_000), order("a", 4, 70_000)]);
      await driver.run();
      expect(driver.readWindowedTable("perMinute")).toEqual([
        { key: "a", window: { start: 0, end: 60_000 }, value: { total: 30, mean: 15 } },
        { key: "a", window: { start: 60_000, end: 120_000 }, value: { total: 4, mean: 4 } },
        { key: "b", window: { start: 0, end: 60_000 }, value: { total: 5, mean: 5 } },
      ]);
      expect(() => driver.readTable("perMinute")).toThrow("perMinute is a windowed table, with a value per key and window: read it with readWindowedTable(\"perMinute\")");
      // Stream time 100 000 passes the first minute's end + grace: its windows closed, and are no longer rows.
      driver.pipeInput("orders", [order("b", 1, 100_000)]);
      await driver.run();
      expect(driver.readWindowedTable("perMinute")).toEqual([
        { key: "a", window: { start: 60_000, end: 120_000 }, value: { total: 4, mean: 4 } },
        { key: "b", window: { start: 60_000, end: 120_000 }, value: { total: 1, mean: 1 } },
      ]);
    } finally {
      await driver.close();
    }
  });

  it("leaves out a closed sliding window the store keeps for later records' windows", async () => {
    const driver = new TopologyTestDriver(
      await compiled(`application recent
schema Click { user: string, ts: timestamp }
stream clicks from topic "clicks" key string value json Click event time ts
table recent = clicks
  | group by user
  | window sliding 10 seconds grace 0 s
  | count
sink recent to topic "recent"
`),
    );
    try {
      driver.pipeInput("clicks", [
        { key: "u", value: { user: "u", ts: 0 } },
        { key: "u", value: { user: "u", ts: 5_000 } },
        { key: "u", value: { user: "u", ts: 12_000 } },
      ]);
      await driver.run();
      // At stream time 12 000 the store still has [0, 10 000] and [1, 10 001], closed (kept until they expire).
      const closed = driver.log.consume("recent-recent-changelog").filter((r) => (r.value as { closed?: boolean } | null)?.closed);
      expect(closed.map((r) => r.key)).toEqual([
        ["u", 0],
        ["u", 1],
      ]);
      expect(driver.readWindowedTable("recent")).toEqual([
        { key: "u", window: { start: 2_000, end: 12_000 }, value: 2 },
        { key: "u", window: { start: 5_001, end: 15_001 }, value: 1 },
      ]);
    } finally {
      await driver.close();
    }
  });
});
