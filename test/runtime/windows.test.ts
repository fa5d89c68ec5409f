// Windowed aggregation on the embedded engine, with topologies written with the
// builder as generated code writes them: window assignment at the boundaries,
// hopping overlap, grace and late records, emit final, session merging, and
// exactness across restarts.
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { openEmbeddedLog, runEmbedded, type ConsumedRecord } from "../../runtime/embedded.ts";
import { formats } from "../../runtime/formats.ts";
import { TopologyTestDriver } from "../../runtime/testing.ts";
import { defineTopology } from "../../runtime/topology/dsl.ts";
import type { Topology } from "../../runtime/topology/graph.ts";
import { timeWindowsFor, windows, type EmitMode, type WindowSpec } from "../../runtime/windows.ts";

describe("timeWindowsFor", () => {
  it("puts a timestamp exactly at a boundary in the window that starts there (start inclusive, end exclusive)", () => {
    expect(timeWindowsFor(0, 60_000, 60_000)).toEqual([{ start: 0, end: 60_000 }]);
    expect(timeWindowsFor(59_999, 60_000, 60_000)).toEqual([{ start: 0, end: 60_000 }]);
    expect(timeWindowsFor(60_000, 60_000, 60_000)).toEqual([{ start: 60_000, end: 120_000 }]);
    expect(timeWindowsFor(1_700_000_000_123, 60_000, 60_000)).toEqual([{ start: 1_699_999_980_000, end: 1_700_000_040_000 }]);
  });

  it("puts a timestamp in size / advance hopping windows, earliest first", () => {
    expect(timeWindowsFor(7, 5, 1)).toEqual([3, 4, 5, 6, 7].map((start) => ({ start, end: start + 5 })));
    expect(timeWindowsFor(300_000, 300_000, 60_000).map((w) => w.start)).toEqual([60_000, 120_000, 180_000, 240_000, 300_000]);
    // At an advance boundary the window that ends there is not included.
    expect(timeWindowsFor(299_999, 300_000, 60_000).map((w) => w.start)).toEqual([0, 60_000, 120_000, 180_000, 240_000]);
  });

  it("starts no window before the epoch", () => {
    expect(timeWindowsFor(2, 5, 1).map((w) => w.start)).toEqual([0, 1, 2]);
  });

  it("refuses sizes that are not positive and an advance larger than the size", () => {
    expect(() => windows.tumbling({ sizeMs: 0, graceMs: 0 })).toThrow(/positive/);
    expect(() => windows.hopping({ sizeMs: 5, advanceMs: 6, graceMs: 0 })).toThrow(/larger than its size/);
    expect(() => windows.session({ gapMs: 5, graceMs: -1 })).toThrow(/at least 0/);
  });
});

const Order = z.object({ customerId: z.string(), amount: z.number(), ts: z.number() });

function revenueTopology(window: WindowSpec, emit: EmitMode = "changes"): Topology {
  return defineTopology("shop", (builder) => {
    const revenue = builder
      .stream("orders", { topic: "orders", key: formats.string(), value: formats.json(Order), timestamp: (value) => value.ts })
      .selectKey("group", (record) => record.value.customerId)
      .repartition("revenue")
      .windowedBy(window)
      .aggregate("revenue-aggregate", {
        store: "revenue",
        emit,
        aggregator: (fns) => fns.record({ total: fns.sum((record) => record.value.amount), count: fns.count() }),
      });
    revenue
      .toStream()
      .mapValues("project", (record) => (record.value === null ? null : { customerId: record.key, windowStart: record.window.start, windowEnd: record.window.end, ...record.value }))
      .to("sink", { topic: "revenue", key: formats.string(), value: formats.json() });
  });
}

const order = (customerId: string, amount: number, ts: number) => ({ key: `o-${ts}`, value: { customerId, amount, ts }, timestamp: ts });
const values = (records: ConsumedRecord[]) => records.map((r) => r.value);

describe("tumbling windows", () => {
  it("aggregates per key and window, emits every change, and dead-letters records later than end + grace", async () => {
    const driver = new TopologyTestDriver(revenueTopology(windows.tumbling({ sizeMs: 60_000, graceMs: 0 })));
    try {
      driver.pipeInput("orders", [
        order("alice", 10, 0),
        order("alice", 5, 59_999),
        order("bob", 7, 60_000), // stream time 60 000: alice's [0, 60 000) closes
        order("alice", 1, 30_000), // late: its only window closed
        order("alice", 2, 60_001),
      ]);
      const summary = await driver.run();
      expect(values(driver.readOutput("revenue"))).toEqual([
        { customerId: "alice", windowStart: 0, windowEnd: 60_000, total: 10, count: 1 },
        { customerId: "alice", windowStart: 0, windowEnd: 60_000, total: 15, count: 2 },
        { customerId: "bob", windowStart: 60_000, windowEnd: 120_000, total: 7, count: 1 },
        { customerId: "alice", windowStart: 60_000, windowEnd: 120_000, total: 2, count: 1 },
      ]);
      expect(summary.lateRecords).toBe(1);
      expect(summary.deadLettered).toBe(1);
      const [late] = driver.readOutput("shop-dlq");
      expect(late!.value).toMatchObject({ reason: "late", topic: "shop-revenue-repartition", partition: 0, offset: 3, timestamp: 30_000, node: "revenue-aggregate" });
      expect((late!.value as { detail: string }).detail).toMatch(/stream time 60000/);
    } finally {
      await driver.close();
    }
  });

  it("keeps a window open for its grace period", async () => {
    const driver = new TopologyTestDriver(revenueTopology(windows.tumbling({ sizeMs: 60_000, graceMs: 10_000 })));
    try {
      driver.pipeInput("orders", [order("alice", 10, 0), order("bob", 1, 69_999), order("alice", 5, 59_000), order("bob", 1, 70_000), order("alice", 3, 1_000)]);
      const summary = await driver.run();
      expect(values(driver.readOutput("revenue")).filter((v) => (v as { customerId: string }).customerId === "alice")).toEqual([
        { customerId: "alice", windowStart: 0, windowEnd: 60_000, total: 10, count: 1 },
        { customerId: "alice", windowStart: 0, windowEnd: 60_000, total: 15, count: 2 },
      ]);
      expect(summary.lateRecords).toBe(1);
    } finally {
      await driver.close();
    }
  });
});

describe("timestamps before the epoch", () => {
  it("are dead-lettered as a processing failure, not as late", async () => {
    const driver = new TopologyTestDriver(revenueTopology(windows.tumbling({ sizeMs: 60_000, graceMs: 0 })));
    try {
      driver.pipeInput("orders", [order("alice", 10, -5), order("alice", 1, 5)]);
      const summary = await driver.run();
      expect(summary).toMatchObject({ deadLettered: 1, lateRecords: 0 });
      const [letter] = driver.readOutput("shop-dlq");
      expect((letter!.value as { reason: string }).reason).toMatch(/at or after the epoch, not -5/);
      expect(values(driver.readOutput("revenue"))).toEqual([{ customerId: "alice", windowStart: 0, windowEnd: 60_000, total: 1, count: 1 }]);
    } finally {
      await driver.close();
    }
  });
});

describe("hopping windows", () => {
  it("adds a record to every window it falls in", async () => {
    const driver = new TopologyTestDriver(revenueTopology(windows.hopping({ sizeMs: 10, advanceMs: 5, graceMs: 100 })));
    try {
      driver.pipeInput("orders", [order("a", 1, 7), order("a", 2, 12)]);
      await driver.run();
      expect(values(driver.readOutput("revenue")).map((v) => v as { windowStart: number; total: number })).toEqual([
        expect.objectContaining({ windowStart: 0, windowEnd: 10, total: 1 }),
        expect.objectContaining({ windowStart: 5, windowEnd: 15, total: 1 }),
        expect.objectContaining({ windowStart: 5, windowEnd: 15, total: 3 }),
        expect.objectContaining({ windowStart: 10, windowEnd: 20, total: 2 }),
      ]);
    } finally {
      await driver.close();
    }
  });
});

describe("emit final", () => {
  it("emits one result per window once stream time passes its end + grace, and nothing before", async () => {
    const driver = new TopologyTestDriver(revenueTopology(windows.tumbling({ sizeMs: 100, graceMs: 20 }), "final"));
    try {
      driver.pipeInput("orders", [order("a", 1, 10), order("b", 2, 50), order("a", 3, 110), order("a", 4, 90), order("b", 5, 119)]);
      await driver.run();
      expect(driver.readOutput("revenue")).toEqual([]);
      driver.pipeInput("orders", [order("c", 1, 120)]);
      await driver.run();
      const out = driver.readOutput("revenue");
      expect(out.map((r) => [r.key, r.value, r.timestamp])).toEqual([
        ["a", { customerId: "a", windowStart: 0, windowEnd: 100, total: 5, count: 2 }, 90],
        ["b", { customerId: "b", windowStart: 0, windowEnd: 100, total: 2, count: 1 }, 50],
      ]);
    } finally {
      await driver.close();
    }
  });
});

describe("session windows", () => {
  function sessionsTopology(emit: EmitMode, graceMs: number): Topology {
    return defineTopology("clicks", (builder) => {
      builder
        .stream("clicks", { topic: "clicks", key: formats.string(), value: formats.json(z.object({ user: z.string(), ts: z.number() })), timestamp: (v) => v.ts })
        .windowedBy(windows.session({ gapMs: 10, graceMs }))
        .aggregate("sessions-aggregate", { store: "sessions", emit, aggregator: (fns) => fns.count() })
        .toStream()
        .mapValues("project", (record) => (record.value === null ? null : { start: record.window.start, end: record.window.end, clicks: record.value }))
        .to("sink", { topic: "sessions", key: formats.string(), value: formats.json() });
    });
  }
  const click = (user: string, ts: number) => ({ key: user, value: { user, ts }, timestamp: ts });

  it("grows a session within the gap, starts a new one after it, and merges sessions a record bridges, retracting the old ones", async () => {
    // A grace of 20 keeps [0, 10] open (until stream time passes 10 + gap + grace) when 20 arrives.
    const driver = new TopologyTestDriver(sessionsTopology("changes", 20));
    try {
      driver.pipeInput("clicks", [click("u", 0), click("u", 10), click("u", 30), click("u", 20)]);
      await driver.run();
      expect(driver.readOutput("sessions").map((r) => [r.key, r.value, r.timestamp])).toEqual([
        ["u", { start: 0, end: 0, clicks: 1 }, 0],
        ["u", null, 0], // [0, 0] is gone: it became [0, 10]
        ["u", { start: 0, end: 10, clicks: 2 }, 10],
        ["u", { start: 30, end: 30, clicks: 1 }, 30], // 20 ms after 10: a new session
        ["u", null, 10],
        ["u", null, 30],
        ["u", { start: 0, end: 30, clicks: 4 }, 30], // 20 bridges both
      ]);
    } finally {
      await driver.close();
    }
  });

  it("never merges a closed session again", async () => {
    const driver = new TopologyTestDriver(sessionsTopology("changes", 0));
    try {
      // At stream time 30, [0, 10] has closed (10 + gap 10 + grace 0 < 30): 20 joins [30, 30] only.
      driver.pipeInput("clicks", [click("u", 0), click("u", 10), click("u", 30), click("u", 20)]);
      await driver.run();
      expect(driver.readOutput("sessions").slice(-2).map((r) => [r.key, r.value])).toEqual([
        ["u", null],
        ["u", { start: 20, end: 30, clicks: 2 }],
      ]);
    } finally {
      await driver.close();
    }
  });

  it("drops a record whose merged session ended before stream time - grace, and emits final sessions once closed", async () => {
    const driver = new TopologyTestDriver(sessionsTopology("final", 0));
    try {
      driver.pipeInput("clicks", [click("u", 0), click("u", 5), click("v", 100), click("u", 50)]);
      const summary = await driver.run();
      expect(summary.lateRecords).toBe(1);
      // u's [0, 5] closed when stream time passed 5 + gap 10 + grace 0.
      expect(driver.readOutput("sessions").map((r) => [r.key, r.value])).toEqual([["u", { start: 0, end: 5, clicks: 2 }]]);
    } finally {
      await driver.close();
    }
  });
});

describe("session windows: when a session closes", () => {
  // One rule (docs/language.md, "Grace"): a session [start, end] closes when
  // stream time passes end + gap + grace (Kafka Streams' KStreamSessionWindowAggregate:
  // windowCloseTime = stream time - grace - gap). A record is late when the
  // session it would make, merged with its neighbours, is closed.
  function countSessions(emit: EmitMode): Topology {
    return defineTopology("clicks", (builder) => {
      builder
        .stream("clicks", { topic: "clicks", key: formats.string(), value: formats.json(z.object({ ts: z.number() })), timestamp: (v) => v.ts })
        .windowedBy(windows.session({ gapMs: 10, graceMs: 5 }))
        .aggregate("sessions-aggregate", { store: "sessions", emit, aggregator: (fns) => fns.count() })
        .toStream()
        .mapValues("project", (record) => (record.value === null ? null : { start: record.window.start, end: record.window.end, clicks: record.value }))
        .to("sink", { topic: "sessions", key: formats.string(), value: formats.json() });
    });
  }
  const at = (key: string, ts: number) => ({ key, value: { ts }, timestamp: ts });

  it("drops only sessions that ended before stream time - gap - grace (the issue's reproduction: only b@84 is late)", async () => {
    const driver = new TopologyTestDriver(countSessions("changes"));
    try {
      // Stream time 100, gap 10, grace 5: sessions ending before 85 are closed.
      driver.pipeInput("clicks", [at("a", 100), at("b", 84), at("c", 85), at("d", 90), at("e", 94), at("f", 95)]);
      const summary = await driver.run();
      expect(summary.lateRecords).toBe(1);
      const [late] = driver.readOutput("clicks-dlq");
      expect(late!.value).toMatchObject({ reason: "late", key: "b", timestamp: 84 });
      expect((late!.value as { detail: string }).detail).toMatch(/\[84, 84\] closed at stream time 100 .*gap 10 ms, grace 5 ms/);
      expect(driver.readOutput("sessions").map((r) => r.key)).toEqual(["a", "c", "d", "e", "f"]);
    } finally {
      await driver.close();
    }
  });

  it("at the boundary: a session ending exactly at stream time - gap - grace is open, one millisecond earlier it is closed", async () => {
    const driver = new TopologyTestDriver(countSessions("changes"));
    try {
      driver.pipeInput("clicks", [at("x", 200), at("before", 184), at("exactly", 185), at("after", 186)]);
      const summary = await driver.run();
      expect(summary.lateRecords).toBe(1);
      expect(driver.readOutput("clicks-dlq").map((r) => (r.value as { key: string }).key)).toEqual(["before"]);
      expect(driver.readOutput("sessions").map((r) => [r.key, r.value])).toEqual([
        ["x", { start: 200, end: 200, clicks: 1 }],
        ["exactly", { start: 185, end: 185, clicks: 1 }],
        ["after", { start: 186, end: 186, clicks: 1 }],
      ]);
    } finally {
      await driver.close();
    }
  });

  it("judges the merged session: a record before the close time that extends an open session, or bridges two, is not late", async () => {
    const driver = new TopologyTestDriver(countSessions("changes"));
    try {
      driver.pipeInput("clicks", [
        at("u", 90),
        at("u", 95), // u: [90, 95]
        at("v", 86),
        at("v", 100), // v: [86, 86] and [100, 100]; stream time 100, sessions ending before 85 are closed
        at("u", 82), // alone it would be late (82 < 85); it extends [90, 95] back: [82, 95]
        at("v", 93), // bridges [86, 86] and [100, 100]: [86, 100]
        at("w", 84), // nothing to extend: late
      ]);
      const summary = await driver.run();
      expect(summary.lateRecords).toBe(1);
      expect(driver.readOutput("clicks-dlq").map((r) => [r.key, r.timestamp])).toEqual([["w", 84]]);
      expect(driver.readOutput("sessions").slice(-5).map((r) => [r.key, r.value])).toEqual([
        ["u", null],
        ["u", { start: 82, end: 95, clicks: 3 }],
        ["v", null],
        ["v", null],
        ["v", { start: 86, end: 100, clicks: 3 }],
      ]);
    } finally {
      await driver.close();
    }
  });

  it("closes a session (emit final) at the same time: when stream time passes end + gap + grace, not before", async () => {
    const driver = new TopologyTestDriver(countSessions("final"));
    try {
      driver.pipeInput("clicks", [at("s", 85), at("t", 100)]);
      await driver.run();
      // [85, 85] is open at stream time 100 = 85 + gap 10 + grace 5.
      expect(driver.readOutput("sessions")).toEqual([]);
      driver.pipeInput("clicks", [at("s", 85), at("t", 101)]);
      const summary = await driver.run();
      expect(summary.lateRecords).toBe(0);
      // The second s@85 arrived at stream time 100 (still open, merged); t@101 closed [85, 85].
      expect(driver.readOutput("sessions").map((r) => [r.key, r.value, r.timestamp])).toEqual([["s", { start: 85, end: 85, clicks: 2 }, 85]]);
    } finally {
      await driver.close();
    }
  });
});

describe("restarts", () => {
  const cases = [
    ["hopping", windows.hopping({ sizeMs: 300, advanceMs: 100, graceMs: 50 })],
    ["session", windows.session({ gapMs: 25, graceMs: 50 })],
    // Closed sliding windows stay in the store (marked closed) until they expire: both are restored.
    ["sliding", windows.sliding({ differenceMs: 100, graceMs: 50 })],
  ] as const;
  it.each(cases)("produce exactly the output of one uninterrupted run, for emit changes and emit final (%s windows)", async (_, window) => {
    for (const emit of ["changes", "final"] as const) {
      const topology = () => revenueTopology(window, emit);
      const customers = ["a", "b", "c"];
      // Out of order within the grace period, and some beyond it.
      const input = Array.from({ length: 120 }, (_, i) => order(customers[i % 3]!, i, 1000 + i * 20 - (i % 7 === 0 ? 600 : i % 5 === 0 ? 40 : 0)));

      const once = openEmbeddedLog(":memory:");
      once.createTopic("orders", 1);
      once.produce("orders", input);
      // Every update, to compare run with run (commits fall elsewhere; emit final: record-cache.test.ts).
      const expected = await runEmbedded(topology(), { log: once, cacheMaxBytes: 0 });
      const expectedOutput = once.consume("revenue").map((r) => [r.partition, r.key, r.value, r.timestamp]);
      const expectedLate = once.consume("shop-dlq").length;
      once.close();
      expect(expectedOutput.length).toBeGreaterThan(10);
      expect(expectedLate).toBeGreaterThan(0);

      const log = openEmbeddedLog(":memory:");
      log.createTopic("orders", 1);
      log.produce("orders", input);
      // Stop after a few commits, again and again, until a run drains.
      let late = 0;
      let runs = 0;
      for (let attempt = 0; attempt < 1000; attempt++) {
        runs++;
        const controller = new AbortController();
        let commits = 0;
        const summary = await runEmbedded(topology(), {
          log,
          // Stops at varying points, so that some runs start right at a late record.
          maxRecordsPerCommit: 1 + (attempt % 4),
          cacheMaxBytes: 0,
          signal: controller.signal,
          onCommit: () => {
            if (++commits === 1 + (attempt % 3)) controller.abort();
          },
        });
        late += summary.lateRecords ?? 0;
        if (summary.stoppedBy === "drained") break;
      }
      expect(log.consume("revenue").map((r) => [r.partition, r.key, r.value, r.timestamp])).toEqual(expectedOutput);
      expect(runs).toBeGreaterThan(5);
      expect(late).toBe(expected.lateRecords);
      expect(log.consume("shop-dlq").length).toBe(expectedLate);
      log.close();
    }
  });
});
