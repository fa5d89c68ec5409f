// User aggregates end to end: a .weir file imports aggregates written in
// TypeScript, compiles, and runs on the embedded engine through the test
// driver. Expected values are worked out by hand.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadWeir, TopologyTestDriver } from "../../src/testing.ts";

const file = join(import.meta.dirname, "fixtures", "user-aggregates", "stats.weir");
const order = (customerId: string, amount: number, weight: number, ts: number) => ({ key: `o-${ts}`, value: { customerId, amount, weight, ts }, timestamp: ts });

describe("user aggregates", () => {
  let driver: TopologyTestDriver;
  afterEach(() => driver.close());

  async function runOrders() {
    driver = new TopologyTestDriver(await loadWeir(file));
    driver.pipeInput("orders", [
      order("a", 10, 1, 100_000),
      order("a", 30, 3, 105_000),
      order("b", 5, 1, 106_000),
      order("a", 20, 1, 120_000),
      // Out of order: within the sliding windows' grace, after a's first session closed.
      order("a", 40, 3, 112_000),
    ]);
    await driver.run();
  }

  it("aggregate per key next to the built-ins, with the result function read from the accumulator", async () => {
    await runOrders();
    expect(driver.readOutput("best").map((r) => [r.key, r.value])).toEqual([
      ["a", { top: [10], mean: 10, orders: 1 }],
      ["a", { top: [30, 10], mean: 25, orders: 2 }],
      ["b", { top: [5], mean: 5, orders: 1 }],
      ["a", { top: [30, 20, 10], mean: 24, orders: 3 }],
      ["a", { top: [40, 30, 20], mean: 30, orders: 4 }],
    ]);
    // The store (and its changelog) keeps the accumulator; the records written, and the table's values, carry the result.
    const kept = driver.log.consume("stats-best-changelog").filter((r) => r.key === "a");
    expect(kept.at(-1)!.value).toEqual({ top: [40, 30, 20], mean: { total: 240, weight: 8 }, orders: 4 });
    expect(driver.readTable("best")).toEqual(
      new Map([
        ["a", { top: [40, 30, 20], mean: 30, orders: 4 }],
        ["b", { top: [5], mean: 5, orders: 1 }],
      ]),
    );
  });

  it("merge sessions with the aggregate's merge", async () => {
    await runOrders();
    expect(driver.readOutput("sessions").map((r) => [r.key, r.value])).toEqual([
      ["a", { customerId: "a", start: 100_000, end: 100_000, mean: 10 }],
      ["a", null],
      ["a", { customerId: "a", start: 100_000, end: 105_000, mean: 25 }],
      ["b", { customerId: "b", start: 106_000, end: 106_000, mean: 5 }],
      ["a", { customerId: "a", start: 120_000, end: 120_000, mean: 20 }],
      // [100 000, 105 000] closed at stream time 120 000 (end + gap + grace passed): 112 000 joins only the session at 120 000.
      ["a", null],
      ["a", { customerId: "a", start: 112_000, end: 120_000, mean: 35 }],
    ]);
  });

  it("give each sliding window its own accumulator, though the aggregate changes it in place", async () => {
    await runOrders();
    expect(driver.readOutput("recent").filter((r) => r.key === "a").map((r) => r.value)).toEqual([
      { start: 90_000, end: 100_000, top: [10] },
      { start: 100_001, end: 110_001, top: [30] },
      { start: 95_000, end: 105_000, top: [30, 10] },
      { start: 110_000, end: 120_000, top: [20] },
      { start: 110_000, end: 120_000, top: [40, 20] },
      { start: 105_001, end: 115_001, top: [40] },
      { start: 102_000, end: 112_000, top: [40, 30] },
      // 112 000's right window copies [110 000, 120 000] as it was before 112 000 was added.
      { start: 112_001, end: 122_001, top: [20] },
    ]);
  });
});
