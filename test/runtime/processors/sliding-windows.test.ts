// Sliding windows (Kafka Streams' SlidingWindows) on the embedded engine.
// Expected outputs are worked out by hand from the definition: for a record at
// t, its left window [t - D, t] (or [0, D] when t < D) and, when a later record
// lies within D + 1 of it, its right window [t + 1, t + 1 + D]; both ends
// inclusive; only windows holding records exist. Output order is Kafka
// Streams' with its default stores: existing windows newest first, then the
// previous record's right window, the record's left window, its right window.
// A randomized test compares the final contents of every window with that
// definition, computed by brute force.
import { z } from "zod";
import { describe, expect, it } from "vitest";
import type { ConsumedRecord } from "../../../runtime/embedded.ts";
import { formats } from "../../../runtime/formats.ts";
import { TopologyTestDriver } from "../../../runtime/testing.ts";
import { defineTopology } from "../../../runtime/topology/dsl.ts";
import type { Topology } from "../../../runtime/topology/graph.ts";
import { windows, type EmitMode } from "../../../runtime/windows.ts";

const Reading = z.object({ sensor: z.string(), n: z.number(), ts: z.number() });

/** Each window's list of `n`, in processing order, keyed by sensor. */
function slidingTopology(differenceMs: number, graceMs: number, emit: EmitMode = "changes"): Topology {
  return defineTopology("sliding", (builder) => {
    builder
      .stream("readings", { topic: "readings", key: formats.string(), value: formats.json(Reading), timestamp: (value) => value.ts })
      .selectKey("by-sensor", (record) => record.value.sensor)
      .windowedBy(windows.sliding({ differenceMs, graceMs }))
      .aggregate("collect", { store: "windows", emit, aggregator: (fns) => fns.collectList((record) => record.value.n) })
      .toStream()
      .mapValues("project", (record) => ({ start: record.window.start, end: record.window.end, ns: record.value }))
      .to("sink", { topic: "out", key: formats.string(), value: formats.json() });
  });
}

const reading = (n: number, ts: number, sensor = "s") => ({ key: `r-${n}`, value: { sensor, n, ts }, timestamp: ts });
/** [start, end, ns, timestamp] of each output record. */
const shown = (records: ConsumedRecord[]) =>
  records.map((r) => {
    const value = r.value as { start: number; end: number; ns: number[] };
    return [value.start, value.end, value.ns, r.timestamp];
  });

async function run(topology: Topology, input: ReturnType<typeof reading>[]) {
  const driver = new TopologyTestDriver(topology);
  try {
    driver.pipeInput("readings", input);
    const summary = await driver.run();
    return { summary, out: shown(driver.readOutput("out")), dlq: driver.readOutput("sliding-dlq") };
  } finally {
    await driver.close();
  }
}

describe("sliding windows", () => {
  it("makes each record's left window, the previous record's right window when the record falls in it, and no empty window", async () => {
    const { out } = await run(slidingTopology(10, 100), [reading(1, 100), reading(2, 105), reading(3, 120)]);
    expect(out).toEqual([
      [90, 100, [1], 100],
      // 105 falls in 100's right window [101, 111], made now; 105's left window starts from [90, 100].
      [101, 111, [2], 105],
      [95, 105, [1, 2], 105],
      // 120 is more than 10 after 105: its left window holds it alone, and 105's right window would be empty.
      [110, 120, [3], 120],
    ]);
  });

  it("adds an out-of-order record to the windows it falls in, and makes its own right window from the later records", async () => {
    const { out } = await run(slidingTopology(10, 100), [reading(1, 100), reading(2, 105), reading(3, 120), reading(4, 112)]);
    expect(out.slice(4)).toEqual([
      // [110, 120] covers 112 and already exists; its results keep the timestamp of its newest record.
      [110, 120, [3, 4], 120],
      // 105's right window, now that 112 is in it.
      [106, 116, [4], 112],
      // 112's left window: what [101, 111] held (the record at 105), plus 112.
      [102, 112, [2, 4], 112],
      // 112's right window [113, 123]: the record at 120.
      [113, 123, [3], 120],
    ]);
  });

  it("adds a record with the timestamp of an earlier one to that record's windows, making none", async () => {
    const { out } = await run(slidingTopology(10, 100), [reading(1, 100), reading(2, 105), reading(3, 120), reading(4, 112), reading(5, 120)]);
    expect(out.slice(8)).toEqual([
      [113, 123, [3, 5], 120],
      [110, 120, [3, 4, 5], 120],
    ]);
  });

  it("puts records before the time difference in [0, D], and gives them right windows", async () => {
    const { out } = await run(slidingTopology(10, 100), [reading(1, 3), reading(2, 7), reading(3, 1), reading(4, 12)]);
    expect(out).toEqual([
      [0, 10, [1], 3],
      [4, 14, [2], 7],
      [0, 10, [1, 2], 7],
      // 1 arrives late (within grace): its right window [2, 12] holds 3 and 7.
      [2, 12, [1, 2], 7],
      [0, 10, [1, 2, 3], 7],
      // 12: [4, 14] and its left window [2, 12] exist; 7's right window [8, 18] is new.
      [4, 14, [2, 4], 12],
      [2, 12, [1, 2, 4], 12],
      [8, 18, [4], 12],
    ]);
  });

  it("counts both ends of a window as inside it", async () => {
    // 110 - 100 is exactly the time difference: one window holds both.
    const { out } = await run(slidingTopology(10, 0), [reading(1, 100), reading(2, 110), reading(3, 121)]);
    expect(out).toEqual([
      [90, 100, [1], 100],
      [101, 111, [2], 110],
      [100, 110, [1, 2], 110],
      // 121 is 11 after 110: 110's right window [111, 121] holds it.
      [111, 121, [3], 121],
    ]);
  });

  it("drops and dead-letters a record whose windows all closed, and still adds one that falls in an open window", async () => {
    const { out, dlq, summary } = await run(slidingTopology(10, 0), [reading(1, 100), reading(2, 130), reading(3, 115), reading(4, 121)]);
    expect(out).toEqual([
      [90, 100, [1], 100],
      [120, 130, [2], 130],
      // 115 + 10 < stream time 130: late. 121: its left window [111, 121] closed, but [120, 130] is open.
      [120, 130, [2, 4], 130],
      [122, 132, [2], 130],
    ]);
    expect(summary.lateRecords).toBe(1);
    expect(dlq.map((r) => r.value)).toEqual([expect.objectContaining({ reason: "late", timestamp: 115, node: "collect" })]);
    expect((dlq[0]!.value as { detail: string }).detail).toMatch(/stream time 130, grace 0 ms/);
  });

  it("with emit final, writes each window once when stream time passes its end + grace, by end", async () => {
    const driver = new TopologyTestDriver(slidingTopology(10, 5, "final"));
    try {
      driver.pipeInput("readings", [reading(1, 100), reading(2, 105), reading(3, 115)]);
      await driver.run();
      // Stream time 115: [90, 100] closed at 106 and [95, 105] at 111; [101, 111] is open until 117.
      expect(shown(driver.readOutput("out"))).toEqual([
        [90, 100, [1], 100],
        [95, 105, [1, 2], 105],
      ]);
      driver.pipeInput("readings", [reading(4, 116), reading(5, 117)]);
      await driver.run();
      expect(shown(driver.readOutput("out"))).toEqual([[101, 111, [2], 105]]);
      driver.pipeInput("readings", [reading(6, 300)]);
      await driver.run();
      expect(shown(driver.readOutput("out"))).toEqual([
        [105, 115, [2, 3], 115],
        [106, 116, [3, 4], 116],
        [107, 117, [3, 4, 5], 117],
        [116, 126, [4, 5], 117],
        [117, 127, [5], 117],
      ]);
    } finally {
      await driver.close();
    }
  });

  it("keeps windows per key", async () => {
    const { out } = await run(slidingTopology(10, 100), [reading(1, 100, "a"), reading(2, 105, "b"), reading(3, 108, "a")]);
    expect(out).toEqual([
      [90, 100, [1], 100],
      [95, 105, [2], 105],
      [101, 111, [3], 108],
      [98, 108, [1, 3], 108],
    ]);
  });

  it("ends with every window of the definition holding exactly its records, whatever the order (randomized, within grace)", async () => {
    const difference = 10;
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    for (let round = 0; round < 20; round++) {
      const times = Array.from({ length: 12 }, () => Math.floor(random() * 80));
      const input = times.map((ts, n) => reading(n, ts));
      const { out } = await run(slidingTopology(difference, 1_000), input);
      const latest = new Map<string, number[]>();
      for (const [start, end, ns] of out) latest.set(`${start as number},${end as number}`, [...(ns as number[])].sort((a, b) => a - b));
      expect(latest).toEqual(bruteForce(times, difference));
    }
  });
});

/** The sliding windows of a set of records, and the records in each, from the definition alone. */
function bruteForce(times: number[], difference: number): Map<string, number[]> {
  const windowsFound = new Map<string, number[]>();
  const holding = (start: number, end: number) =>
    times.flatMap((ts, n) => (ts >= start && ts <= end ? [n] : [])).sort((a, b) => a - b);
  for (const t of times) {
    const left = t < difference ? [0, difference] : [t - difference, t];
    windowsFound.set(`${left[0]},${left[1]}`, holding(left[0]!, left[1]!));
    if (times.some((other) => other > t && other <= t + 1 + difference)) windowsFound.set(`${t + 1},${t + 1 + difference}`, holding(t + 1, t + 1 + difference));
  }
  return windowsFound;
}
