// Tables read from topics and stream-table joins on the embedded engine, with
// topologies written with the builder as generated code would.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { openEmbeddedLog, runEmbedded, type EmbeddedLog } from "../../runtime/embedded.ts";
import { formats } from "../../runtime/formats.ts";
import { defineTopology } from "../../runtime/topology/dsl.ts";

let log: EmbeddedLog;
beforeEach(() => {
  log = openEmbeddedLog(":memory:");
});
afterEach(() => log.close());

const Customer = z.object({ id: z.string(), tier: z.string() });
const Order = z.object({ id: z.string(), customerId: z.string(), ts: z.number() });
type Customer = z.output<typeof Customer>;

const enrich = (left = false) =>
  defineTopology("shop", (builder) => {
    const customers = builder.table("customers", { topic: "customers", key: formats.string(), value: formats.json(Customer) });
    const rekeyed = builder
      .stream("orders", { topic: "orders", key: formats.string(), value: formats.json(Order), timestamp: (v) => v.ts })
      .selectKey("rekey", (r) => r.value.customerId)
      .repartition("enriched", { key: formats.string() });
    (left ? rekeyed.leftJoin("join", customers) : rekeyed.join("join", customers))
      .mapValues("select", (r) => ({ order: r.value.id, tier: (r.joined!.customers as Customer | null)?.tier ?? null }))
      .to("out", { topic: "out", key: formats.string(), value: formats.json() });
  });

describe("stream-table join", () => {
  // Orders on one partition: the repartition topic then holds each partition's
  // orders in time order. With several writers, a repartition partition holds
  // one writer's batch after another's, out of time order, and a join can meet
  // a later table value (as in Kafka Streams): see docs/language.md.
  it("joins each order with its customer as of the order's time, across the table's partitions", async () => {
    log.createTopic("customers", 3);
    log.createTopic("orders", 1);
    const customers: { key: string; value: Customer | null; timestamp: number }[] = [];
    const orders: { key: string; value: z.output<typeof Order>; timestamp: number }[] = [];
    for (let i = 0; i < 20; i++) {
      const id = `c${i}`;
      customers.push({ key: id, value: { id, tier: "bronze" }, timestamp: 100 + i });
      customers.push({ key: id, value: { id, tier: "gold" }, timestamp: 500 + i });
      if (i % 5 === 0) customers.push({ key: id, value: null, timestamp: 800 + i });
    }
    for (let i = 0; i < 200; i++) {
      const ts = 50 + i * 5;
      orders.push({ key: `o${i}`, value: { id: `o${i}`, customerId: `c${i % 25}`, ts }, timestamp: 0 });
    }
    // Each partition in time order: a task reads a partition in offset order and only chooses between partitions by time.
    customers.sort((a, b) => a.timestamp - b.timestamp);
    log.produce("customers", customers);
    log.produce("orders", orders);
    const summary = await runEmbedded(enrich(), { log, commitIntervalMs: 1_000_000 });

    const expected: { key: string; value: unknown }[] = [];
    for (const order of orders.map((o) => o.value)) {
      const latest = customers.filter((c) => c.key === order.customerId && c.timestamp <= order.ts).at(-1);
      if (latest?.value) expected.push({ key: order.customerId, value: { order: order.id, tier: latest.value.tier } });
    }
    const byOrder = (a: { value: unknown }, b: { value: unknown }) => ((a.value as { order: string }).order < (b.value as { order: string }).order ? -1 : 1);
    const out = log.consume("out");
    expect(out.map((r) => ({ key: r.key, value: r.value })).sort(byOrder)).toEqual(expected.sort(byOrder));
    expect(new Set(out.map((r) => r.partition)).size).toBe(3);
    expect(summary.outputs).toMatchObject({ "shop-enriched-repartition": 200 });
  });

  it("left join: a missing customer gives null; a tombstone on the stream is dropped", async () => {
    log.createTopic("customers", 1);
    log.createTopic("orders", 1);
    log.produce("customers", [
      { key: "a", value: { id: "a", tier: "gold" }, timestamp: 1 },
      { key: "a", value: null, timestamp: 5 },
    ]);
    log.produce("orders", [
      { key: "o1", value: { id: "o1", customerId: "a", ts: 2 }, timestamp: 0 },
      { key: "o2", value: { id: "o2", customerId: "a", ts: 5 }, timestamp: 0 },
      { key: "o3", value: { id: "o3", customerId: "b", ts: 6 }, timestamp: 0 },
      { key: "o4", value: null, timestamp: 7 },
    ]);
    const summary = await runEmbedded(enrich(true), { log });
    expect(log.consume("out").map((r) => r.value)).toEqual([
      { order: "o1", tier: "gold" },
      { order: "o2", tier: null },
      { order: "o3", tier: null },
    ]);
    expect(summary.deadLettered).toBe(0);
  });

  it("restores the table from its changelog: a second run joins with what the first one read", async () => {
    log.createTopic("customers", 1);
    log.createTopic("orders", 1);
    log.produce("customers", [{ key: "a", value: { id: "a", tier: "gold" }, timestamp: 1 }]);
    await runEmbedded(enrich(), { log });
    expect(log.consume("shop-customers-changelog").map((r) => [r.key, r.value])).toEqual([["a", { id: "a", tier: "gold" }]]);
    log.produce("orders", [{ key: "o1", value: { id: "o1", customerId: "a", ts: 2 }, timestamp: 0 }]);
    await runEmbedded(enrich(), { log });
    expect(log.consume("out").map((r) => r.value)).toEqual([{ order: "o1", tier: "gold" }]);
  });

  it("refuses a stream and a table that are not co-partitioned", async () => {
    log.createTopic("customers", 2);
    log.createTopic("payments", 3);
    const topology = defineTopology("pay", (builder) => {
      const customers = builder.table("customers", { topic: "customers", key: formats.string(), value: formats.json() });
      builder
        .stream("payments", { topic: "payments", key: formats.string(), value: formats.json() })
        .join("join", customers)
        .to("out", { topic: "out", key: formats.string(), value: formats.json() });
    });
    await expect(runEmbedded(topology, { log })).rejects.toThrowError(/must have the same number of partitions \(co-partitioning\), but they have: "customers" \(2\), "payments" \(3\)/);
  });
});
