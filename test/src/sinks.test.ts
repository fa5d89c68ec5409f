// Sinks that pick their topic per record and write headers, end to end on the
// embedded engine: a compiled .weir file, topics created by the test, exact
// outputs and dead letters.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadWeir, TopologyTestDriver } from "../../src/testing.ts";
import { loadTopology } from "../../src/compiled-module.ts";

const file = join(import.meta.dirname, "fixtures", "sinks", "routing.weir");
const order = (id: string, region: string, amount: number, ts: number, note?: string) => ({
  key: id,
  value: note === undefined ? { id, region, amount, ts } : { id, region, amount, ts, note },
  timestamp: ts,
});
// The test creates the picked topics without declaring formats, so values read back as text.
const parsed = (value: unknown) => (typeof value === "string" ? (JSON.parse(value) as unknown) : value);
// A record written without headers reads back with none (null).
const shown = (records: { key: unknown; value: unknown; headers?: unknown }[]) => records.map((r) => [r.key, parsed(r.value), r.headers ?? null]);

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

  it("write a table's deletes and a session's retractions as tombstones without headers, to the topic their key names", async () => {
    const text = `application deletes

schema Order { id: string, customerId: string, ts: timestamp }
schema Customer { name: string }

stream orders from topic "orders" key string value json Order event time ts
table customers from topic "customers" key string value json Customer

table sessions = orders | group by customerId | window session 10 ms grace 0s | aggregate { n: count(), last: latest(id) }

sink customers to topic "cust-" + key value { name } headers { who: name }
sink sessions to topic "sess-" + key value { n } headers { last }
`;
    const loaded = await loadTopology(join(import.meta.dirname, "fixtures", "sinks", "deletes.weir"), text);
    expect(loaded.diagnostics).toEqual([]);
    driver = new TopologyTestDriver(loaded.topology!);
    for (const topic of ["cust-a", "sess-c1"]) driver.log.createTopic(topic, 1);
    driver.pipeInput("customers", [
      { key: "a", value: { name: "Ann" }, timestamp: 1 },
      { key: "a", value: null, timestamp: 2 },
    ]);
    driver.pipeInput("orders", [
      { key: "o1", value: { id: "o1", customerId: "c1", ts: 100 } },
      { key: "o3", value: { id: "o3", customerId: "c1", ts: 120 } },
      { key: "o2", value: { id: "o2", customerId: "c1", ts: 110 } },
    ]);
    const summary = await driver.run();
    expect(summary.deadLettered).toBe(0);
    expect(shown(driver.readOutput("cust-a"))).toEqual([
      ["a", { name: "Ann" }, { who: "Ann" }],
      ["a", null, null],
    ]);
    const sessions = shown(driver.readOutput("sess-c1"));
    // o1's session closed (grace 0s) before o2 came; o2 merged with o3's session, which is retracted.
    expect(sessions).toEqual([
      ["c1", { n: 1 }, { last: "o1" }],
      ["c1", { n: 1 }, { last: "o3" }],
      ["c1", null, null],
      ["c1", { n: 2 }, { last: "o3" }],
    ]);
  });

  it("over a table with deletes, refuse a topic named from the value (a delete has none), with a hint to use the key", async () => {
    const text = `application deletes

schema Customer { name: string }
table customers from topic "customers" key string value json Customer
sink customers to topic "cust-" + name
`;
    const loaded = await loadTopology(join(import.meta.dirname, "fixtures", "sinks", "deletes.weir"), text);
    expect(loaded.diagnostics.map((d) => [d.code, d.hint])).toEqual([["WEIR3006", expect.stringContaining('name the topic from the key ("customers-" + key)')]]);
  });
});
