// Sinks that pick their topic per record and write headers, end to end on the
// embedded engine: a compiled .weir file, topics created by the test, exact
// outputs and dead letters.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadWeir, TopologyTestDriver } from "../../src/testing.ts";

const file = join(import.meta.dirname, "fixtures", "sinks", "routing.weir");
const order = (id: string, region: string, amount: number, ts: number, note?: string) => ({
  key: id,
  value: note === undefined ? { id, region, amount, ts } : { id, region, amount, ts, note },
  timestamp: ts,
});
// The test creates the picked topics without declaring formats, so values read back as text.
const parsed = (value: unknown) => (typeof value === "string" ? (JSON.parse(value) as unknown) : value);
const shown = (records: { key: unknown; value: unknown; headers?: unknown }[]) => records.map((r) => [r.key, parsed(r.value), r.headers]);

describe("sinks that pick their topic per record", () => {
  let driver: TopologyTestDriver;
  afterEach(() => driver.close());

  it("write each record to its topic with its headers, and dead-letter a record whose topic does not exist", async () => {
    driver = new TopologyTestDriver(await loadWeir(file));
    for (const topic of ["orders-eu", "orders-us", "counts-eu", "counts-us"]) driver.log.createTopic(topic, 1);
    driver.pipeInput("orders", [order("o1", "eu", 10, 1000, "gift"), order("o2", "us", 20, 2000), order("o3", "xx", 5, 3000), order("o4", "eu", 7, 4000)]);
    const summary = await driver.run();

    expect(shown(driver.readOutput("orders-eu"))).toEqual([
      ["o1", { id: "o1", amount: 10 }, { region: "eu", note: "gift", source: "weir" }],
      ["o4", { id: "o4", amount: 7 }, { region: "eu", source: "weir" }],
    ]);
    expect(shown(driver.readOutput("orders-us"))).toEqual([["o2", { id: "o2", amount: 20 }, { region: "us", source: "weir" }]]);
    // o3 failed as a whole: its repartition record was dropped with it, so no count of xx.
    expect(shown(driver.readOutput("counts-eu"))).toEqual([
      ["eu", 1, { region: "eu" }],
      ["eu", 2, { region: "eu" }],
    ]);
    expect(shown(driver.readOutput("counts-us"))).toEqual([["us", 1, { region: "us" }]]);
    expect(summary.deadLettered).toBe(1);
    expect(driver.readOutput("routing-dlq").map((r) => r.value)).toEqual([
      expect.objectContaining({ reason: "unknown-topic", detail: 'the topic "orders-xx" does not exist', node: "orders-to-topic-per-record", topic: "orders", offset: 2 }),
    ]);
  });

  it("write to a topic created after the application started, from the next run on", async () => {
    driver = new TopologyTestDriver(await loadWeir(file));
    for (const topic of ["orders-eu", "counts-eu"]) driver.log.createTopic(topic, 1);
    driver.pipeInput("orders", [order("o1", "xx", 1, 1000)]);
    await driver.run();
    expect(driver.readOutput("routing-dlq")).toHaveLength(1);

    driver.log.createTopic("orders-xx", 1);
    driver.pipeInput("orders", [order("o2", "xx", 2, 2000)]);
    await driver.run();
    expect(shown(driver.readOutput("orders-xx"))).toEqual([["o2", { id: "o2", amount: 2 }, { region: "xx", source: "weir" }]]);
    // The count of xx reached its sink, whose topic counts-xx does not exist: dead-lettered where the table's task read it.
    expect(driver.readOutput("routing-dlq").map((r) => r.value)).toEqual([
      expect.objectContaining({ reason: "unknown-topic", detail: 'the topic "counts-xx" does not exist', node: "perRegion-to-topic-per-record", topic: "routing-perRegion-repartition" }),
    ]);
  });
});
