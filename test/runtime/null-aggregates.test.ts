// Aggregates over values that may be null, compiled from .weir and run on the
// embedded engine: nulls are skipped, as in SQL (and ksqlDB), in a stream's
// aggregation, in windows, when sessions merge, and when a grouped table takes
// a row back out; a group without a value sums to 0 (ksqlDB's SUM), and is
// null for avg, min, max, latest and earliest; the state restores from its changelog to the same results.
// Every expected value is worked out by hand from the inputs.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadTopology } from "../../src/compiled-module.ts";
import { compile } from "../../src/index.ts";
import { openEmbeddedLog, runEmbedded, type ConsumedRecord } from "../../runtime/embedded.ts";
import { TopologyTestDriver } from "../../runtime/testing.ts";
import type { Topology } from "../../runtime/topology/graph.ts";
import { dedent } from "../helpers/dedent.ts";

async function compileWeir(source: string): Promise<Topology> {
  const loaded = await loadTopology(join(import.meta.dirname, "null-aggregates.weir"), source);
  if (!loaded.topology) throw new Error(loaded.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return loaded.topology;
}

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

const orders = dedent`
  application coupons
  schema Order { id: string, customerId: string, amount?: number, coupon?: string, ts: timestamp }
  stream orders from topic "orders" key string value json Order event time ts
  table stats = orders
    | group by customerId
    | aggregate {
        orders: count(),
        coupons: countDistinct(coupon),
        total: sum(amount),
        mean: avg(amount),
        low: min(amount),
        high: max(coupon),
        codes: collectList(coupon),
        distinct: collectSet(coupon),
        lastCoupon: latest(coupon),
        firstAmount: earliest(amount)
      }
  table spent = orders
    | group by customerId
    | sum amount
  table perMinute = orders
    | group by customerId
    | window tumbling 1 minute
    | aggregate { coupons: countDistinct(coupon), total: sum(amount), codes: collectList(coupon) }
  table visits = orders
    | group by customerId
    | window session 10 seconds grace 1 minute
    | aggregate { coupons: countDistinct(coupon), total: sum(amount), mean: avg(amount), codes: collectSet(coupon), last: latest(coupon) }
  sink stats to topic "stats"
  sink spent to topic "spent"
  sink perMinute to topic "per-minute" value { customerId: key, start: window.start, coupons, total, codes }
  sink visits to topic "visits" value { customerId: key, start: window.start, end: window.end, coupons, total, mean, codes, last }
`;

/** An order: an absent field is left out of its JSON, a null one written as null. */
const order = (id: string, customerId: string, ts: number, fields: { amount?: number | null; coupon?: string | null }) => ({
  key: id,
  value: { id, customerId, ts, ...fields },
  timestamp: ts,
});
const values = (records: readonly ConsumedRecord[]) => records.map((r) => r.value);

describe("aggregates over a value that may be null", () => {
  it("compile without WEIR3006, typed null where a group without values is null (a sum is 0 then)", () => {
    const { diagnostics, code } = compile(orders, { path: "coupons.weir" });
    expect(diagnostics).toEqual([]);
    expect(code).toContain(
      "formats.json<{ orders: number; coupons: number; total: number; mean: number | null; low: number | null; high: string | null; codes: string[]; distinct: string[]; lastCoupon: string | null; firstAmount: number | null }>()",
    );
    // The sum step's values are never null: a sum without a value is 0.
    expect(code).toMatch(/spent\.to\("spent-to-spent", \{\s*topic: "spent",\s*key: formats\.string\(\),\s*value: formats\.json<number>\(\),/);
  });

  it("count null as no value: countDistinct of SAVE10, absent, null is 1, 1, 1 (as SQL and ksqlDB)", async () => {
    driver = new TopologyTestDriver(await compileWeir(orders));
    driver.pipeInput("orders", [order("o1", "ann", 1_000, { coupon: "SAVE10" }), order("o2", "ann", 2_000, {}), order("o3", "ann", 3_000, { coupon: null })]);
    await driver.run();
    expect(values(driver.readOutput("stats")).map((v) => (v as { coupons: number }).coupons)).toEqual([1, 1, 1]);
  });

  it("skip nulls in every aggregate of a stream's aggregation; a group without values gives 0 (sum, countDistinct), null and []", async () => {
    driver = new TopologyTestDriver(await compileWeir(orders));
    driver.pipeInput("orders", [
      order("o1", "ann", 1_000, { amount: null, coupon: "B" }),
      order("o2", "ann", 2_000, { amount: 4 }),
      order("o3", "ann", 3_000, { amount: 2, coupon: null }),
      order("o4", "bob", 4_000, { amount: null, coupon: null }),
      order("o5", "ann", 5_000, { coupon: "A" }),
    ]);
    await driver.run();
    expect(values(driver.readOutput("stats"))).toEqual([
      { orders: 1, coupons: 1, total: 0, mean: null, low: null, high: "B", codes: ["B"], distinct: ["B"], lastCoupon: "B", firstAmount: null },
      { orders: 2, coupons: 1, total: 4, mean: 4, low: 4, high: "B", codes: ["B"], distinct: ["B"], lastCoupon: "B", firstAmount: 4 },
      { orders: 3, coupons: 1, total: 6, mean: 3, low: 2, high: "B", codes: ["B"], distinct: ["B"], lastCoupon: "B", firstAmount: 4 },
      { orders: 1, coupons: 0, total: 0, mean: null, low: null, high: null, codes: [], distinct: [], lastCoupon: null, firstAmount: null },
      { orders: 4, coupons: 2, total: 6, mean: 3, low: 2, high: "B", codes: ["B", "A"], distinct: ["B", "A"], lastCoupon: "A", firstAmount: 4 },
    ]);
    // The sum step's table keeps a row for a customer without an amount: 0, never a null (a delete).
    expect(values(driver.readOutput("spent"))).toEqual([0, 4, 6, 0, 6]);
  });

  it("skip nulls in windows, and when a record merges two sessions", async () => {
    driver = new TopologyTestDriver(await compileWeir(orders));
    driver.pipeInput("orders", [
      order("o1", "ann", 60_000, { amount: null, coupon: null }),
      order("o2", "ann", 61_000, { amount: 5, coupon: "X" }),
      order("o3", "ann", 80_000, { amount: null, coupon: null }), // a second session (19 s later)
      order("o4", "ann", 70_000, { amount: 1, coupon: null }), // bridges both
    ]);
    await driver.run();
    expect(values(driver.readOutput("per-minute"))).toEqual([
      { customerId: "ann", start: 60_000, coupons: 0, total: 0, codes: [] },
      { customerId: "ann", start: 60_000, coupons: 1, total: 5, codes: ["X"] },
      { customerId: "ann", start: 60_000, coupons: 1, total: 5, codes: ["X"] },
      { customerId: "ann", start: 60_000, coupons: 1, total: 6, codes: ["X"] },
    ]);
    expect(values(driver.readOutput("visits"))).toEqual([
      { customerId: "ann", start: 60_000, end: 60_000, coupons: 0, total: 0, mean: null, codes: [], last: null },
      null,
      { customerId: "ann", start: 60_000, end: 61_000, coupons: 1, total: 5, mean: 5, codes: ["X"], last: "X" },
      { customerId: "ann", start: 80_000, end: 80_000, coupons: 0, total: 0, mean: null, codes: [], last: null },
      null,
      null,
      { customerId: "ann", start: 60_000, end: 80_000, coupons: 1, total: 6, mean: 3, codes: ["X"], last: "X" },
    ]);
  });

  it("restore from the changelog to what one uninterrupted run computes", async () => {
    const input = Array.from({ length: 60 }, (_, i) => {
      const fields = { ...(i % 3 === 0 ? {} : { amount: i % 4 === 0 ? null : i }), ...(i % 5 === 0 ? { coupon: null } : i % 2 === 0 ? { coupon: `C${i % 7}` } : {}) };
      return order(`o${i}`, ["ann", "bob", "cy"][i % 3]!, 1_000 + i * 2_500, fields);
    });
    const topology = await compileWeir(orders);
    const outputsOf = (log: ReturnType<typeof openEmbeddedLog>) => ["stats", "spent", "per-minute", "visits"].map((topic) => log.consume(topic).map((r) => [r.key, r.value]));

    const once = openEmbeddedLog(":memory:");
    once.createTopic("orders", 1);
    once.produce("orders", input);
    // Every update, to compare run with run (commits fall elsewhere).
    await runEmbedded(topology, { log: once, cacheMaxBytes: 0 });
    const expected = outputsOf(once);
    once.close();
    expect(expected.flat().filter(([, value]) => value !== null && JSON.stringify(value).includes("null")).length).toBeGreaterThan(0);

    const log = openEmbeddedLog(":memory:");
    log.createTopic("orders", 1);
    log.produce("orders", input);
    let runs = 0;
    for (;;) {
      runs++;
      const controller = new AbortController();
      let commits = 0;
      const summary = await runEmbedded(topology, {
        log,
        maxRecordsPerCommit: 3,
        cacheMaxBytes: 0,
        signal: controller.signal,
        onCommit: () => {
          if (++commits === 2) controller.abort();
        },
      });
      if (summary.stoppedBy === "drained") break;
    }
    expect(runs).toBeGreaterThan(5);
    expect(outputsOf(log)).toEqual(expected);
    log.close();
  });
});

describe("a grouped table's aggregates over a value that may be null", () => {
  const credit = dedent`
    application credit
    schema Customer { tier: string, credit?: number }
    table customers from topic "customers" key string value json Customer
    table perTier = customers
      | group by tier
      | aggregate { total: sum(credit), mean: avg(credit), customers: count() }
    sink perTier to topic "per-tier"
  `;

  it("take a row's null back out as nothing; the sum is 0 and the mean null again once the group's last value has left", async () => {
    driver = new TopologyTestDriver(await compileWeir(credit));
    const customer = (key: string, tier: string, credit: number | null, timestamp: number) => ({ key, value: { tier, credit }, timestamp });
    driver.pipeInput("customers", [
      customer("a", "gold", null, 1),
      customer("b", "gold", 10, 2),
      customer("c", "gold", 20, 3),
      customer("b", "gold", null, 4), // b's 10 leaves, its null comes in
      customer("c", "silver", 20, 5), // c moves: gold has no value left
      { key: "a", value: null, timestamp: 6 }, // a (null) is deleted
    ]);
    await driver.run();
    expect(driver.readOutput("per-tier").map((r) => `${String(r.key)} ${JSON.stringify(r.value)}@${r.timestamp}`)).toEqual([
      'gold {"total":0,"mean":null,"customers":1}@1',
      'gold {"total":10,"mean":10,"customers":2}@2',
      'gold {"total":30,"mean":15,"customers":3}@3',
      'gold {"total":20,"mean":20,"customers":3}@4',
      'gold {"total":0,"mean":null,"customers":2}@5',
      'silver {"total":20,"mean":20,"customers":1}@5',
      'gold {"total":0,"mean":null,"customers":1}@6',
    ]);
  });
});
