// Windowed stream-stream joins compiled from .weir and run on the embedded
// engine through the test driver, with outputs worked out by hand from the
// rules in docs/language.md ("Joining two streams"): records join when their
// timestamps are at most `within` apart; a left (outer) record that found
// nothing is emitted, with null for the other side, once stream time passes
// its timestamp + within + grace; a record whose own window has closed is late.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openEmbeddedLog, runEmbedded } from "../../../runtime/embedded.ts";
import type { Topology } from "../../../runtime/topology/graph.ts";
import { windows } from "../../../runtime/windows.ts";
import { formatDiagnostics } from "../../../src/index.ts";
import { loadTopology } from "../../../src/compiled-module.ts";
import { TopologyTestDriver } from "../../../src/testing.ts";

const path = join(import.meta.dirname, "stream-joins-case.weir");

/** Orders and payments keyed by order id, joined within 10 ms (or `within`, and `grace`). */
function source(join: "join" | "left join" | "right join" | "outer join", grace = "", within = "10 ms"): string {
  return `application pay

schema Order { id: string, ts: timestamp }
schema Payment { id: string, ts: timestamp }

stream orders from topic "orders" key string value json Order event time ts
stream payments from topic "payments" key string value json Payment event time ts

stream matched = orders
  | ${join} payments within ${within}${grace ? ` grace ${grace}` : ""}
  | select { order: id, payment: payments.id }

sink matched to topic "matched"
`;
}

async function topologyOf(text: string): Promise<Topology> {
  const loaded = await loadTopology(path, text);
  expect(formatDiagnostics(loaded.diagnostics, text)).toBe("");
  return loaded.topology!;
}

const order = (key: string, id: string, ts: number) => ({ key, value: { id, ts } });
const payment = order;

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

function matched(): [unknown, unknown, number][] {
  return driver!.readOutput("matched").map((r) => [r.key, r.value, r.timestamp]);
}

describe("stream-stream join", () => {
  it("inner: pairs records of one key at most `within` apart, both ends inclusive, with the later timestamp", async () => {
    driver = new TopologyTestDriver(await topologyOf(source("join")));
    driver.pipeInput("orders", [order("a", "o1", 100)]);
    driver.pipeInput("payments", [payment("a", "p3", 90), payment("b", "p4", 100), payment("a", "p1", 110), payment("a", "p2", 111)]);
    const summary = await driver.run();
    // p3 (100 - 90 = 10) and p1 (110 - 100 = 10) join; p2 is 11 ms away; p4 has another key.
    expect(matched()).toEqual([
      ["a", { order: "o1", payment: "p3" }, 100],
      ["a", { order: "o1", payment: "p1" }, 110],
    ]);
    expect(summary.deadLettered).toBe(0);
  });

  it("inner: a record joins every match, earliest first, whichever side comes second", async () => {
    driver = new TopologyTestDriver(await topologyOf(source("join")));
    driver.pipeInput("payments", [payment("a", "p1", 1), payment("a", "p2", 2), payment("a", "p3", 30)]);
    driver.pipeInput("orders", [order("a", "o1", 5), order("a", "o2", 25)]);
    await driver.run();
    expect(matched()).toEqual([
      ["a", { order: "o1", payment: "p1" }, 5],
      ["a", { order: "o1", payment: "p2" }, 5],
      ["a", { order: "o2", payment: "p3" }, 30],
    ]);
  });

  it("left: a record without a match is emitted with null only once stream time passes its timestamp + within", async () => {
    driver = new TopologyTestDriver(await topologyOf(source("left join")));
    driver.pipeInput("orders", [order("a", "o1", 0), order("b", "o2", 20)]);
    driver.pipeInput("payments", [payment("a", "p1", 5)]);
    await driver.run();
    // o2's window is open: no result for it yet, and never one for o1, which joined.
    expect(matched()).toEqual([["a", { order: "o1", payment: "p1" }, 5]]);

    driver.pipeInput("orders", [order("c", "o3", 30)]);
    await driver.run();
    // Stream time 30 = 20 + 10: o2's window [10, 30] is still open.
    expect(matched()).toEqual([]);

    driver.pipeInput("payments", [payment("z", "p2", 31)]);
    await driver.run();
    expect(matched()).toEqual([["b", { order: "o2", payment: null }, 20]]);
  });

  it("outer: records of both sides without a match are emitted when their windows close, earliest first", async () => {
    driver = new TopologyTestDriver(await topologyOf(source("outer join")));
    driver.pipeInput("orders", [order("a", "o1", 0), order("z", "o2", 30)]);
    driver.pipeInput("payments", [payment("b", "p1", 3), payment("a", "p2", 12)]);
    await driver.run();
    expect(matched()).toEqual([
      // p2 at 12 moves stream time past 0 + 10 (o1 closes), and is 12 ms from o1: no match.
      ["a", { order: "o1", payment: null }, 0],
      // o2 at 30 closes p1 (3 + 10) and p2 (12 + 10).
      ["b", { order: null, payment: "p1" }, 3],
      ["a", { order: null, payment: "p2" }, 12],
    ]);
  });

  it("joins a record that comes after its window closed with what the other buffer keeps; dead-letters one past retention that joins nothing", async () => {
    driver = new TopologyTestDriver(await topologyOf(source("join", "5 ms")));
    driver.pipeInput("orders", [order("a", "o1", 100)]);
    // One partition, out of order: p2 ... p6 come after p1, which moved stream time to 120. The buffers
    // keep a record while it is within 10 + 10 + 5 = 25 ms of the newest record of its side (120 for payments).
    driver.pipeInput("payments", [payment("z", "p1", 120), payment("a", "p2", 105), payment("a", "p3", 104), payment("a", "p4", 95), payment("q", "p5", 95), payment("q", "p6", 96)]);
    const summary = await driver.run();
    // o2 (q, at 96) comes last: it finds p6 (96 > 120 - 25, kept), not p5 (95, not kept).
    driver.pipeInput("orders", [order("q", "o2", 96)]);
    await driver.run();
    // p2's window closes at 105 + 10 + 5 = 120, p3's at 119 (closed when it came): both join o1, as in Kafka Streams.
    // p4 (95) is past retention when it comes, but o1 (100, the newest order) is kept: they join, and p4 is not kept.
    expect(matched()).toEqual([
      ["a", { order: "o1", payment: "p2" }, 105],
      ["a", { order: "o1", payment: "p3" }, 104],
      ["a", { order: "o1", payment: "p4" }, 100],
      ["q", { order: "o2", payment: "p6" }, 96],
    ]);
    // p5 is past retention and joined nothing: it is dropped (Kafka Streams drops it too, counting it in
    // dropped-records), and dead-lettered. (Checked against Kafka Streams 4.1.1's TopologyTestDriver.)
    expect(summary.lateRecords).toBe(1);
    const dead = driver.readOutput("pay-dlq").map((r) => r.value as { reason: string; detail: string; topic: string; offset: number });
    expect(dead).toMatchObject([{ reason: "late", topic: "payments", offset: 4 }]);
    expect(dead[0]!.detail).toBe(
      "it joined nothing and is past the join buffer's retention: older than its newest record by more than before 10 ms + after 10 ms + grace 5 ms (stream time 120)",
    );
  });

  it("left join: a record whose window closed before it came, without a match, is emitted at once with null; past retention too", async () => {
    driver = new TopologyTestDriver(await topologyOf(source("left join")));
    driver.pipeInput("orders", [order("a", "o1", 100)]);
    driver.pipeInput("payments", [payment("z", "p1", 120)]);
    await driver.run();
    // Stream time 120 closes o1's window (100 + 10).
    expect(matched()).toEqual([["a", { order: "o1", payment: null }, 100]]);
    // Windows closed on arrival: o2 (105 + 10 < 120) and o3 (95) are kept (within 20 ms of 105, the newest order),
    // o4 (79) is not; each is emitted at once, as Kafka Streams does (timestamp + after < stream time).
    driver.pipeInput("orders", [order("b", "o2", 105), order("c", "o3", 95), order("d", "o4", 79)]);
    await driver.run();
    expect(matched()).toEqual([
      ["b", { order: "o2", payment: null }, 105],
      ["c", { order: "o3", payment: null }, 95],
      ["d", { order: "o4", payment: null }, 79],
    ]);
    // Payments past retention (99 <= 120 - 20): p2 joins nothing and is dropped as late; p3 still joins o3,
    // kept in the orders' buffer, after o3's null result: Kafka Streams emits both too.
    driver.pipeInput("payments", [payment("q", "p2", 99), payment("c", "p3", 99)]);
    const summary = await driver.run();
    expect(matched()).toEqual([["c", { order: "o3", payment: "p3" }, 99]]);
    expect(summary.lateRecords).toBe(1);
    expect(driver.readOutput("pay-dlq").map((r) => (r.value as { offset: number }).offset)).toEqual([1]);
  });

  it("left join with grace: no null result while a match may still come in the grace period", async () => {
    driver = new TopologyTestDriver(await topologyOf(source("left join", "5 ms")));
    driver.pipeInput("orders", [order("a", "o1", 0), order("z", "o2", 14)]);
    driver.pipeInput("payments", [payment("a", "p1", 9)]);
    await driver.run();
    // o2 at 14 is past o1's window end (10) but within grace; p1 (9) still joins o1.
    expect(matched()).toEqual([["a", { order: "o1", payment: "p1" }, 9]]);
  });

  it("windows.join: 'withinMs' reaches as far before as after; each bound is 0 or more, not both 0", () => {
    expect(windows.join({ withinMs: 10, graceMs: 5 })).toEqual({ beforeMs: 10, afterMs: 10, graceMs: 5 });
    expect(windows.join({ beforeMs: 10, afterMs: 0, graceMs: 0 })).toEqual({ beforeMs: 10, afterMs: 0, graceMs: 0 });
    expect(() => windows.join({ beforeMs: -1, afterMs: 5, graceMs: 0 })).toThrow(/'before' must be a whole number of milliseconds, at least 0, not -1/);
    expect(() => windows.join({ beforeMs: 0, afterMs: 0, graceMs: 0 })).toThrow(/must be a positive whole number/);
    expect(() => windows.join({ withinMs: 0, graceMs: 0 })).toThrow(/must be a positive whole number/);
  });

  describe("an asymmetric window: within 10 ms before and 2 ms after", () => {
    const asymmetric = (join: "left join" | "right join") => topologyOf(source(join, "", "10 ms before and 2 ms after"));

    it("an order at t joins the payments at [t - 10, t + 2], both ends inclusive; a payment at s, the orders at [s - 2, s + 10]", async () => {
      driver = new TopologyTestDriver(await asymmetric("left join"));
      // In timestamp order: p1 (89) and p2 (90) are buffered before o1 (100) looks back at [90, 102];
      // p3 (102) and p4 (103) look for orders at [100, 112] and [101, 113].
      driver.pipeInput("orders", [order("a", "o1", 100)]);
      driver.pipeInput("payments", [payment("a", "p1", 89), payment("a", "p2", 90), payment("a", "p3", 102), payment("a", "p4", 103)]);
      await driver.run();
      expect(matched()).toEqual([
        ["a", { order: "o1", payment: "p2" }, 100],
        ["a", { order: "o1", payment: "p3" }, 102],
      ]);
    });

    it("left join: an order without a match is emitted when stream time passes t + after (2 ms), not t + before", async () => {
      driver = new TopologyTestDriver(await asymmetric("left join"));
      driver.pipeInput("orders", [order("b", "o2", 100), order("z", "o3", 102)]);
      driver.pipeInput("payments", []);
      await driver.run();
      // Stream time 102 = 100 + 2: o2's window [90, 102] is still open.
      expect(matched()).toEqual([]);
      driver.pipeInput("orders", [order("z", "o4", 103)]);
      await driver.run();
      expect(matched()).toEqual([["b", { order: "o2", payment: null }, 100]]);
    });

    it("right join: every payment is kept, the order's side null when none matched, once stream time passes s + before (10 ms)", async () => {
      const topology = await asymmetric("right join");
      expect(topology.describe()).toContain("(right join payments within 10 ms before and 2 ms after, grace 0 ms");
      driver = new TopologyTestDriver(topology);
      // p1 (95) is within [90, 102] of o1 (100); p2 (b) has no order; o5 (c) has no payment and is dropped.
      driver.pipeInput("payments", [payment("a", "p1", 95), payment("b", "p2", 96)]);
      driver.pipeInput("orders", [order("a", "o1", 100), order("c", "o5", 101), order("z", "o2", 106)]);
      await driver.run();
      // Stream time 106 = 96 + 10: p2's window [94, 106] is still open.
      expect(matched()).toEqual([["a", { order: "o1", payment: "p1" }, 100]]);
      driver.pipeInput("orders", [order("z", "o3", 107)]);
      const summary = await driver.run();
      expect(matched()).toEqual([["b", { order: null, payment: "p2" }, 96]]);
      expect(summary.deadLettered).toBe(0);
    });
  });

  it("keeps its buffers and stream time across a restart (same data directory)", async () => {
    const data = mkdtempSync(join(tmpdir(), "weir-stream-joins-"));
    try {
      const topology = await topologyOf(source("left join"));
      const first = openEmbeddedLog(join(data, "weir.db"));
      first.createTopic("orders", 1);
      first.createTopic("payments", 1);
      first.produce("orders", [order("a", "o1", 100), order("b", "o2", 106)].map((r) => ({ ...r, value: JSON.stringify(r.value), timestamp: 0 })));
      first.produce("payments", [{ key: "z", value: JSON.stringify({ id: "pz", ts: 109 }), timestamp: 0 }]);
      first.close();
      await runEmbedded(topology, { data });

      const second = openEmbeddedLog(join(data, "weir.db"));
      expect(second.consume("matched")).toEqual([]);
      second.produce("payments", [
        // Late only by the restored buffer: 89 is not within 10 + 10 ms of its newest payment (pz, 109).
        { key: "q", value: JSON.stringify({ id: "pq", ts: 89 }), timestamp: 0 },
        // Joins o1 from the restored buffer.
        { key: "a", value: JSON.stringify({ id: "pa", ts: 105 }), timestamp: 0 },
      ]);
      // Closes o2 (106 + 10 < 117); o1 joined, so it gets no null result.
      second.produce("orders", [{ key: "c", value: JSON.stringify({ id: "o3", ts: 117 }), timestamp: 0 }]);
      second.close();
      const summary = await runEmbedded(await topologyOf(source("left join")), { data });
      expect(summary.restored.find((r) => r.store === "matched-join-this")?.records).toBeGreaterThan(0);
      expect(summary.lateRecords).toBe(1);

      const log = openEmbeddedLog(join(data, "weir.db"));
      expect(log.consume("matched").map((r) => [r.key, r.value, r.timestamp])).toEqual([
        ["a", { order: "o1", payment: "pa" }, 105],
        ["b", { order: "o2", payment: null }, 106],
      ]);
      expect(log.consume("pay-dlq").map((r) => (r.value as { reason: string }).reason)).toEqual(["late"]);
      log.close();
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });

  it("inner, in timestamp order: exactly the pairs at most `within` apart (against a brute-force join)", async () => {
    driver = new TopologyTestDriver(await topologyOf(source("join")));
    const keys = ["a", "b", "c"];
    const orders = Array.from({ length: 60 }, (_, i) => order(keys[(i * 7) % 3]!, `o${i}`, i * 3));
    const payments = Array.from({ length: 50 }, (_, i) => payment(keys[(i * 5) % 3]!, `p${i}`, 1 + i * 4));
    driver.pipeInput("orders", orders);
    driver.pipeInput("payments", payments);
    await driver.run();
    const expected = orders.flatMap((o) =>
      payments.filter((p) => p.key === o.key && Math.abs(p.value.ts - o.value.ts) <= 10).map((p) => [o.key, { order: o.value.id, payment: p.value.id }, Math.max(o.value.ts, p.value.ts)] as const),
    );
    const byText = (a: unknown, b: unknown) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);
    expect(matched().sort(byText)).toEqual([...expected].sort(byText));
    expect(expected.length).toBeGreaterThan(50);
  });

  it("purges a buffered record once its side has one newer by more than before + after + grace (Kafka Streams' store retention)", async () => {
    driver = new TopologyTestDriver(await topologyOf(source("left join", "5 ms")));
    const keysOf = (store: string) => [...driver!.readTable(store).keys()].map((k) => JSON.stringify(k)).sort();
    driver.pipeInput("orders", [order("a", "o1", 0), order("b", "o2", 10)]);
    driver.pipeInput("payments", [payment("a", "p1", 1), payment("z", "p2", 25)]);
    await driver.run();
    driver.pipeInput("payments", [payment("z", "p3", 26)]);
    await driver.run();
    // Retention 10 + 10 + 5 = 25 ms. Stream time 26 closes o2 (10 + 15); the orders stopped at 10, so
    // their buffer keeps o1 and o2 (as Kafka Streams' store of that side does), though stream time is far
    // ahead. p1 (1 <= 26 - 25) goes, purged when the next record comes.
    expect(keysOf("matched-join-this")).toEqual(['"streamTime"', '["a",0,0]', '["b",10,0]']);
    driver.pipeInput("orders", [order("c", "o3", 36)]);
    await driver.run();
    expect(keysOf("matched-join-other")).toEqual(['"streamTime"', '["z",25,0]', '["z",26,0]']);
    // o3 (36) leaves o1 and o2 past retention (<= 36 - 25): hidden at once, purged when the next record comes.
    expect(keysOf("matched-join-this")).toEqual(['"streamTime"', '["a",0,0]', '["b",10,0]', '["c",36,0]']);
    driver.pipeInput("orders", [order("c", "o4", 37)]);
    await driver.run();
    // p4 (b, 12) would join o2 (10) if it were kept; o5 (a, 11) finds no payment (p1 went) and, past
    // retention, is emitted at once with null. (Checked against Kafka Streams 4.1.1's TopologyTestDriver.)
    driver.pipeInput("payments", [payment("b", "p4", 12)]);
    await driver.run();
    driver.pipeInput("orders", [order("a", "o5", 11)]);
    await driver.run();
    expect(keysOf("matched-join-this")).toEqual(['"streamTime"', '["c",36,0]', '["c",37,0]']);
    expect(keysOf("matched-join-other")).toEqual(['"streamTime"', '["b",12,0]', '["z",25,0]', '["z",26,0]']);
    expect(matched()).toEqual([
      ["a", { order: "o1", payment: "p1" }, 1],
      ["b", { order: "o2", payment: null }, 10],
      ["a", { order: "o5", payment: null }, 11],
    ]);
  });

  it.each(["outer join", "right join"] as const)("produces exactly the output of one uninterrupted run when stopped and restarted again and again (%s)", async (join) => {
    const topology = () => topologyOf(source(join, "4 ms"));
    const keys = ["a", "b", "c", "d"];
    // Out of order within grace, and some beyond it; every sixth order by more than the retention (10 + 10 + 4 ms).
    const orders = Array.from({ length: 40 }, (_, i) => order(keys[(i * 3) % 4]!, `o${i}`, 100 + i * 5 - (i % 6 === 0 ? 30 : i % 4 === 0 ? 3 : 0)));
    const payments = Array.from({ length: 40 }, (_, i) => payment(keys[(i * 5) % 4]!, `p${i}`, 102 + i * 5 - (i % 7 === 0 ? 25 : 0)));
    const produce = (log: ReturnType<typeof openEmbeddedLog>) => {
      log.createTopic("orders", 1);
      log.createTopic("payments", 1);
      log.produce("orders", orders.map((r) => ({ key: r.key, value: JSON.stringify(r.value), timestamp: 0 })));
      log.produce("payments", payments.map((r) => ({ key: r.key, value: JSON.stringify(r.value), timestamp: 0 })));
    };
    const once = openEmbeddedLog(":memory:");
    produce(once);
    const expected = await runEmbedded(await topology(), { log: once });
    const expectedOutput = once.consume("matched").map((r) => [r.key, r.value, r.timestamp]);
    once.close();
    expect(expectedOutput.length).toBeGreaterThan(20);
    // Orders past retention that join nothing are dropped as late in a right join; an outer join emits them.
    if (join === "right join") expect(expected.lateRecords).toBeGreaterThan(0);
    else expect(expected.lateRecords).toBe(0);

    const log = openEmbeddedLog(":memory:");
    produce(log);
    let late = 0;
    let runs = 0;
    for (let attempt = 0; attempt < 1000; attempt++) {
      runs++;
      const controller = new AbortController();
      let commits = 0;
      const summary = await runEmbedded(await topology(), {
        log,
        maxRecordsPerCommit: 1 + (attempt % 4),
        signal: controller.signal,
        onCommit: () => {
          if (++commits === 1 + (attempt % 3)) controller.abort();
        },
      });
      late += summary.lateRecords ?? 0;
      if (summary.stoppedBy === "drained") break;
    }
    expect(log.consume("matched").map((r) => [r.key, r.value, r.timestamp])).toEqual(expectedOutput);
    expect(runs).toBeGreaterThan(5);
    expect(late).toBe(expected.lateRecords);
    log.close();
  });

  it("repartitions a side whose key changed, and refuses sources that are not co-partitioned", async () => {
    const text = `application pay

schema Order { id: string, ts: timestamp }
schema Payment { orderId: string, ts: timestamp }

stream orders from topic "orders" key string value json Order event time ts
stream payments from topic "payments" key string value json Payment event time ts

stream byOrder = payments | rekey orderId

stream matched = orders
  | join byOrder within 10 ms
  | select { order: id, at: byOrder.ts }

sink matched to topic "matched"
`;
    const topology = await topologyOf(text);
    expect(topology.describe()).toContain("Source: matched-byOrder-repartition-source (topic: pay-matched-byOrder-repartition, repartition) --> matched-1-join");
    // One payments partition: one task writes the repartition topic, so each of its partitions is in time order
    // (with several writers, a payment can reach the join after later ones, and be late: see docs/language.md).
    driver = new TopologyTestDriver(topology, { partitions: { orders: 3, payments: 1 } });
    const orders = Array.from({ length: 12 }, (_, i) => order(`o${i}`, `o${i}`, i * 10));
    driver.pipeInput("orders", orders);
    driver.pipeInput("payments", Array.from({ length: 12 }, (_, i) => ({ key: `pay${i}`, value: { orderId: `o${i}`, ts: i * 10 + 4 } })));
    const summary = await driver.run();
    expect(summary.deadLettered).toBe(0);
    const out = driver.readOutput("matched");
    expect(out.map((r) => r.value).sort((a, b) => ((a as { at: number }).at - (b as { at: number }).at))).toEqual(orders.map((o, i) => ({ order: o.value.id, at: i * 10 + 4 })));
    // The repartition topic has the orders topic's partition count, and each order met its payment in one task.
    expect(new Set(out.map((r) => r.partition)).size).toBe(3);

    const log = openEmbeddedLog(":memory:");
    log.createTopic("orders", 2);
    log.createTopic("payments", 3);
    await expect(runEmbedded(await topologyOf(source("join")), { log })).rejects.toThrowError(/must have the same number of partitions \(co-partitioning\), but they have: "orders" \(2\), "payments" \(3\)/);
    log.close();
  });

  it("keeps the tables joined before it, and a second stream-stream join sees both streams", async () => {
    const text = `application pay

schema Order { id: string, customerId: string, ts: timestamp }
schema Payment { id: string, ts: timestamp }

table tiers from topic "tiers" key string value string
stream orders from topic "orders" key string value json Order event time ts
stream payments from topic "payments" key string value json Payment event time ts
stream refunds from topic "refunds" key string value json Payment event time ts

stream matched = orders
  | left join tiers
  | join payments within 10 ms
  | outer join refunds within 10 ms
  | select { order: id, tier: tiers, payment: payments.id, refund: refunds.id }

sink matched to topic "matched"
`;
    driver = new TopologyTestDriver(await topologyOf(text));
    driver.pipeInput("tiers", [{ key: "a", value: "gold", timestamp: 0 }]);
    driver.pipeInput("orders", [{ key: "a", value: { id: "o1", customerId: "c", ts: 10 } }, { key: "b", value: { id: "o2", customerId: "c", ts: 12 } }]);
    driver.pipeInput("payments", [payment("a", "p1", 15), payment("b", "p2", 16), payment("z", "p9", 40)]);
    driver.pipeInput("refunds", [payment("a", "r1", 20), payment("z", "r9", 41)]);
    await driver.run();
    expect(matched()).toEqual([
      // o1 + p1 (at 15) meets r1 (at 20): the result keeps the tier from the table join before.
      ["a", { order: "o1", tier: "gold", payment: "p1", refund: "r1" }, 20],
      // o2 + p2 (at 16) finds no refund: emitted with null when the next record reaching this join (r9 at 41)
      // finds stream time past 16 + 10. p9 (at 40) did not: it joined nothing, so it never reached it.
      ["b", { order: "o2", tier: null, payment: "p2", refund: null }, 16],
    ]);
    driver.pipeInput("refunds", [payment("y", "r10", 60)]);
    await driver.run();
    // r9 found nothing: its result has no order, no payment and no tier (null, not absent).
    expect(matched()).toEqual([["z", { order: null, tier: null, payment: null, refund: "r9" }, 41]]);
  });

  it("joins two rekeyed streams through repartition topics that both get the larger writer's partition count", async () => {
    const text = `application pay

schema Order { id: string, customerId: string, ts: timestamp }
schema Visit { customerId: string, ts: timestamp }

stream orders from topic "orders" key string value json Order event time ts
stream visits from topic "visits" key string value json Visit event time ts

stream visitsByCustomer = visits | rekey customerId

stream matched = orders
  | rekey customerId
  | join visitsByCustomer within 10 ms grace 1 s
  | select { order: id, visit: visitsByCustomer.ts }

sink matched to topic "matched"
`;
    const topology = await topologyOf(text);
    expect(topology.repartitionTopics).toEqual(["pay-matched-repartition", "pay-matched-visitsByCustomer-repartition"]);
    // Their writers have 1 and 3 tasks: both repartition topics get 3 partitions. Three tasks write the
    // visits' repartition topic, one commit after another, so its partitions are out of time order: the
    // grace period (1 s, more than the whole input spans) keeps every visit in.
    driver = new TopologyTestDriver(topology, { partitions: { orders: 1, visits: 3 } });
    driver.pipeInput("orders", Array.from({ length: 9 }, (_, i) => ({ key: `o${i}`, value: { id: `o${i}`, customerId: `c${i}`, ts: i * 100 } })));
    driver.pipeInput("visits", Array.from({ length: 9 }, (_, i) => ({ key: `v${i}`, value: { customerId: `c${i}`, ts: i * 100 + 5 } })));
    const summary = await driver.run();
    expect(summary.deadLettered).toBe(0);
    const out = driver.readOutput("matched");
    expect(out.map((r) => [r.key, r.value]).sort()).toEqual(Array.from({ length: 9 }, (_, i) => [`c${i}`, { order: `o${i}`, visit: i * 100 + 5 }]));
    expect(driver.log.topics().filter((t) => t.name.endsWith("-repartition")).map((t) => [t.name, t.partitions])).toEqual([
      ["pay-matched-repartition", 3],
      ["pay-matched-visitsByCustomer-repartition", 3],
    ]);
  });

  it("repartitions a side whose keys are encoded otherwise (string vs JSON), so equal keys meet in one partition", async () => {
    const text = `application enc

schema Order { id: string, ts: timestamp }

stream orders from topic "orders" key string value json Order event time ts
stream payments from topic "payments" key json value json Order event time ts

stream matched = orders | join payments within 1 minute | select { order: id, payment: payments.id }

sink matched to topic "matched"
`;
    const topology = await topologyOf(text);
    // The text keys are written again as JSON: "k3" and \"k3\" hash to different partitions.
    expect(topology.repartitionTopics).toEqual(["enc-matched-repartition"]);
    driver = new TopologyTestDriver(topology, { partitions: { orders: 4, payments: 4 } });
    const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
    driver.pipeInput("orders", keys.map((key, i) => ({ key, value: { id: `o${i}`, ts: i } })));
    driver.pipeInput("payments", keys.map((key, i) => ({ key, value: { id: `p${i}`, ts: i } })));
    const summary = await driver.run();
    expect(summary.deadLettered).toBe(0);
    expect(matched().map(([key, value]) => [key, value]).sort()).toEqual(keys.map((key, i) => [key, { order: `o${i}`, payment: `p${i}` }]));
  });

  it("after joining two streams repartitioned by a string (text keys), a join with a string-keyed table needs no third repartition", async () => {
    const text = `application chain

schema Order { id: string, customerId: string, ts: timestamp }
schema Customer { name: string }

stream orders from topic "orders" key string value json Order event time ts
stream payments from topic "payments" key string value json Order event time ts
table customers from topic "customers" key string value json Customer

stream p2 = payments | rekey customerId
stream matched = orders | rekey customerId | join p2 within 1 minute | join customers | select { order: id, name: customers.name }

sink matched to topic "matched"
`;
    const topology = await topologyOf(text);
    expect(topology.repartitionTopics).toEqual(["chain-matched-repartition", "chain-matched-p2-repartition"]);
    driver = new TopologyTestDriver(topology, { partitions: { orders: 4, payments: 4, customers: 4 } });
    const customers = Array.from({ length: 8 }, (_, i) => `c${i}`);
    driver.pipeInput("customers", customers.map((key) => ({ key, value: { name: key.toUpperCase() }, timestamp: 0 })));
    driver.pipeInput("orders", customers.map((customerId, i) => ({ key: `o${i}`, value: { id: `o${i}`, customerId, ts: 10 + i } })));
    driver.pipeInput("payments", customers.map((customerId, i) => ({ key: `p${i}`, value: { id: `p${i}`, customerId, ts: 10 + i } })));
    const summary = await driver.run();
    expect(summary.deadLettered).toBe(0);
    expect(matched().map(([key, value]) => [key, value]).sort()).toEqual(customers.map((key, i) => [key, { order: `o${i}`, name: key.toUpperCase() }]));
  });

  describe("names its repartition topics and stores apart from every other node's", () => {
    const header = `application names

schema Order { id: string, customerId: string, ts: timestamp }

stream orders from topic "orders" key string value json Order event time ts
stream payments from topic "payments" key string value json Order event time ts
stream p2 = payments | rekey customerId
`;
    it("in a table pipeline: the join's repartition is not the group by's", async () => {
      const topology = await topologyOf(`${header}table t = orders | rekey customerId | join p2 within 5 minutes | group by id | count\nsink t to topic "t"\n`);
      expect(topology.repartitionTopics).toEqual(["names-t-2-repartition", "names-t-p2-repartition", "names-t-repartition"]);
    });

    it("two joins with one rekeyed stream: the second repartitions it under its own position", async () => {
      const topology = await topologyOf(`${header}stream j2 = orders | rekey customerId | join p2 within 1 minute | join p2 within 2 minutes\nsink j2 to topic "j2"\n`);
      expect(topology.repartitionTopics).toEqual(["names-j2-repartition", "names-j2-p2-repartition", "names-j2-3-p2-repartition"]);
    });
  });
});

// A right (or outer) join's result for a right record that found no left one has no value of its
// own (the left side is null) but carries the right side: it is no tombstone (docs/language.md,
// "Null values on streams"). Kafka Streams' outer join gives its ValueJoiner's result, ksqlDB's
// RIGHT JOIN a row with null left columns: both count it and join it further.
describe("a right join's result without a left record", () => {
  const header = `application rj

schema L { id: string, ts: timestamp }
schema R { id: string, ts: timestamp }

stream l from topic "l" key string value json L event time ts
stream r from topic "r" key string value json R event time ts
`;
  const record = (key: string, id: string, ts: number) => ({ key, value: { id, ts } });
  /** k2 finds no l record: its result (left side null) comes out when k9 moves stream time past 2000 + 10 s. */
  const pipeRepro = () => {
    driver!.pipeInput("r", [record("k1", "x", 1000), record("k2", "y", 2000), record("k9", "x", 100_000)]);
    driver!.pipeInput("l", [record("k1", "a", 1000), record("k9", "b", 100_000)]);
  };
  const rows = (topic: string) => driver!.readOutput(topic).map((r) => `${String(r.key)}=${JSON.stringify(r.value)}@${r.timestamp}`);

  it("is counted by an aggregation that reads it where it is (group by key), windowed or not", async () => {
    driver = new TopologyTestDriver(
      await topologyOf(`${header}
table cnt = l | right join r within 10 s | group by key | count
table perHour = l | right join r within 10 s | group by key | window tumbling 1 hour | count
sink cnt to topic "cnt"
sink perHour to topic "per-hour"
`),
    );
    pipeRepro();
    const summary = await driver.run();
    expect(rows("cnt")).toEqual(["k1=1@1000", "k2=1@2000", "k9=1@100000"]);
    // (k2's result, at 2000, comes out at stream time 100000: its window [0, 1 h) is still open.)
    expect(rows("per-hour")).toEqual(["k1=1@1000", "k2=1@2000", "k9=1@100000"]);
    expect(summary.deadLettered).toBe(0);
  });

  it("is grouped by the right side's fields once a select has made its value, through the repartition topic", async () => {
    driver = new TopologyTestDriver(
      await topologyOf(`${header}
table perRight = l | right join r within 10 s | select { rid: r.id, lid: id } | group by rid | count
sink perRight to topic "per-right"
`),
    );
    pipeRepro();
    await driver.run();
    // k2's result (rid "y", lid null) reaches its group through the repartition topic.
    expect(rows("per-right")).toEqual(["x=1@1000", "y=1@2000", "x=2@100000"]);
    expect(driver.log.consume("rj-perRight-repartition").map((r) => [r.key, r.value])).toEqual([
      ["x", { rid: "x", lid: "a" }],
      ["y", { rid: "y", lid: null }],
      ["x", { rid: "x", lid: "b" }],
    ]);
  });

  it("joins a second stream like any record", async () => {
    driver = new TopologyTestDriver(
      await topologyOf(`${header}stream s from topic "s" key string value json R event time ts
stream both = l | right join r within 10 s | join s within 10 s | select { l: id, r: r.id, s: s.id }
sink both to topic "both"
`),
    );
    driver.pipeInput("s", [record("k1", "s1", 1000), record("k2", "s2", 2000)]);
    pipeRepro();
    await driver.run();
    // k2's right-only result (at 2000, out when k9 arrives) still finds s2 in the second join's buffer.
    expect(rows("both")).toEqual(['k1={"l":"a","r":"x","s":"s1"}@1000', 'k2={"l":null,"r":"y","s":"s2"}@2000']);
  });
});
