// dedup, branch and merge on the embedded engine, compiled from .weir text as a
// user's file would be: exact outputs, first match wins, time order across
// merged topics, and dedup state that survives restarts.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openEmbeddedLog, runEmbedded, type ConsumedRecord } from "../../runtime/embedded.ts";
import { TopologyTestDriver } from "../../runtime/testing.ts";
import type { Topology } from "../../runtime/topology/graph.ts";
import { loadTopology } from "../../src/compiled-module.ts";
import { formatDiagnostics } from "../../src/index.ts";
import { dedent } from "../helpers/dedent.ts";

async function load(source: string): Promise<Topology> {
  const loaded = await loadTopology(join(import.meta.dirname, "dedup-branch-merge.weir"), source);
  if (!loaded.topology) throw new Error(formatDiagnostics(loaded.diagnostics, source));
  return loaded.topology;
}

const header = dedent`
  application shop
  schema Order { id: string, customerId: string, amount: number, ts: timestamp }
  stream orders from topic "orders" key string value json Order event time ts
`;

const order = (key: string | null, id: string, amount: number, ts: number) => ({ key, value: { id, customerId: `c-${id}`, amount, ts }, timestamp: ts });
const keyIdTime = (records: ConsumedRecord[]) => records.map((r) => [r.key, (r.value as { id: string }).id, r.timestamp]);

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

describe("dedup", () => {
  it("by key: drops a record less than the window from the last kept one, keeps it from the window on", async () => {
    driver = new TopologyTestDriver(await load(`${header}\nstream once = orders | dedup within 1 s\nsink once to topic "once"\n`));
    driver.pipeInput("orders", [
      order("a", "1", 1, 0),
      order("a", "2", 1, 500), // 500 ms after a's kept record: a duplicate
      order("b", "3", 1, 600), // another key
      order("a", "4", 1, 999), // still within 1 s of 0
      order("a", "5", 1, 1000), // exactly 1 s after: kept, and the new reference
      order("a", "6", 1, 1500), // duplicate of 5 (not of 1: duplicates do not extend the window)
      order("a", "7", 1, 2000),
    ]);
    await driver.run();
    expect(keyIdTime(driver.readOutput("once"))).toEqual([
      ["a", "1", 0],
      ["b", "3", 600],
      ["a", "5", 1000],
      ["a", "7", 2000],
    ]);
  });

  it("by key and expression: a null key or a null expression passes; a late duplicate within the window is dropped", async () => {
    const source = `${header}\nstream once = orders | dedup by if amount > 0 then id else null within 10 s\nsink once to topic "once"\n`;
    driver = new TopologyTestDriver(await load(source));
    driver.pipeInput("orders", [
      order("a", "x", 1, 5000),
      order("a", "y", 1, 5001), // another id under the same key: kept
      order("b", "x", 1, 5002), // the same id under another key: kept (the key is part of the identity)
      order("a", "x", 1, 1000), // out of order, 4 s before the kept one: a duplicate
      order("a", "x", 0, 5003), // the expression is null: passes
      order("a", "x", 0, 5004),
      order(null, "x", 1, 5005), // no key: passes
      order(null, "x", 1, 5006),
    ]);
    await driver.run();
    expect(keyIdTime(driver.readOutput("once"))).toEqual([
      ["a", "x", 5000],
      ["a", "y", 5001],
      ["b", "x", 5002],
      ["a", "x", 5003],
      ["a", "x", 5004],
      [null, "x", 5005],
      [null, "x", 5006],
    ]);
  });

  it("forgets a key once stream time passes its window, in the store and its changelog", async () => {
    driver = new TopologyTestDriver(await load(`${header}\nstream once = orders | dedup within 1 s\nsink once to topic "once"\n`));
    driver.pipeInput("orders", [order("a", "1", 1, 0), order("b", "2", 1, 900), order("c", "3", 1, 1500)]);
    await driver.run();
    // Stream time 1500: a (kept at 0) expired; b (900) and c (1500) are remembered.
    expect(driver.readTable("once-dedup")).toEqual(new Map<unknown, unknown>([[["b"], 900], [["c"], 1500], ["streamTime", 1500]]));
    // A record of a, late by more than the window, is no longer recognised: kept.
    driver.pipeInput("orders", [order("a", "4", 1, 100), order("b", "5", 1, 1600)]);
    await driver.run();
    expect(keyIdTime(driver.readOutput("once"))).toEqual([
      ["a", "1", 0],
      ["b", "2", 900],
      ["c", "3", 1500],
      ["a", "4", 100],
    ]);
  });

  it("remembers across a restart: the next run restores the store from its changelog", async () => {
    driver = new TopologyTestDriver(await load(`${header}\nstream once = orders | dedup by id within 1 h\nsink once to topic "once"\n`));
    driver.pipeInput("orders", [order("a", "1", 1, 0), order("a", "2", 1, 10)]);
    await driver.run();
    driver.pipeInput("orders", [order("a", "1", 1, 20), order("a", "2", 1, 30), order("a", "3", 1, 40)]);
    const second = await driver.run();
    expect(second.restored).toContainEqual(expect.objectContaining({ store: "once-dedup", records: 3 }));
    expect(keyIdTime(driver.readOutput("once"))).toEqual([
      ["a", "1", 0],
      ["a", "2", 10],
      ["a", "3", 40],
    ]);
  });

  // Keyed by customer already, each task reads its partition in offset order; after
  // a rekey, one upstream partition writes the repartition topic in one order. So
  // one run and many interrupted runs see the same records in the same order.
  // (After a rekey of a topic with several partitions, the repartition topic
  // holds the writers' commits in the order they happened, which differs
  // between runs: see docs/language.md.)
  const restartCases = [
    ["keyed, 2 partitions", "", 2],
    ["rekeyed through a repartition topic, 1 partition", "| rekey customerId ", 1],
  ] as const;
  it.each(restartCases)("gives exactly the output of one uninterrupted run when stopped again and again (%s)", async (_, rekey, partitions) => {
    const topology = () => load(`${header}\nstream once = orders ${rekey}| dedup by amount within 100 ms\nsink once to topic "once"\n`);
    // Duplicates near and far, out of order, over 4 customers and 3 amounts.
    const input = Array.from({ length: 150 }, (_, i) => ({
      key: `c${i % 4}`,
      value: { id: `o${i}`, customerId: `c${i % 4}`, amount: i % 3, ts: 1000 + i * 7 - (i % 11 === 0 ? 300 : 0) },
      timestamp: 0,
    }));
    const once = openEmbeddedLog(":memory:");
    once.createTopic("orders", partitions);
    once.produce("orders", input);
    await runEmbedded(await topology(), { log: once });
    const expected = once.consume("once").map((r) => [r.partition, r.key, r.value, r.timestamp]);
    once.close();
    expect(expected.length).toBeGreaterThan(20);
    expect(expected.length).toBeLessThan(140);

    const log = openEmbeddedLog(":memory:");
    log.createTopic("orders", partitions);
    log.produce("orders", input);
    let runs = 0;
    for (let attempt = 0; attempt < 1000; attempt++) {
      runs++;
      const controller = new AbortController();
      let commits = 0;
      const summary = await runEmbedded(await topology(), {
        log,
        maxRecordsPerCommit: 1 + (attempt % 5),
        signal: controller.signal,
        onCommit: () => {
          if (++commits === 1 + (attempt % 3)) controller.abort();
        },
      });
      if (summary.stoppedBy === "drained") break;
    }
    expect(runs).toBeGreaterThan(5);
    expect(log.consume("once").map((r) => [r.partition, r.key, r.value, r.timestamp])).toEqual(expected);
    log.close();
  });
});

describe("branch", () => {
  const amounts = (records: ConsumedRecord[]) => records.map((r) => (r.value as { amount: number }).amount);
  const input = [5, 150, 50, 1000, 0, 99, 101].map((amount, i) => order("k", `o${i}`, amount, i));

  it("sends each record to the first arm whose condition holds, and the rest to else", async () => {
    const source = dedent`
      ${header}
      branch orders {
        huge: amount > 500,
        big: amount > 100,
        medium: amount >= 50,
        small: else,
      }
      sink huge to topic "huge"
      sink big to topic "big"
      sink medium to topic "medium"
      sink small to topic "small"
    `;
    driver = new TopologyTestDriver(await load(source));
    driver.pipeInput("orders", input);
    await driver.run();
    expect(amounts(driver.readOutput("huge"))).toEqual([1000]);
    expect(amounts(driver.readOutput("big"))).toEqual([150, 101]);
    expect(amounts(driver.readOutput("medium"))).toEqual([50, 99]);
    expect(amounts(driver.readOutput("small"))).toEqual([5, 0]);
  });

  it("without else, drops what no arm takes; an arm is a stream like any other", async () => {
    const source = dedent`
      ${header}
      branch orders {
        big: amount > 100,
        medium: amount >= 50,
      }
      stream bigIds = big | select { id, doubled: amount * 2 }
      sink bigIds to topic "big-ids"
      sink medium to topic "medium"
    `;
    driver = new TopologyTestDriver(await load(source));
    driver.pipeInput("orders", input);
    const summary = await driver.run();
    expect(driver.readOutput("big-ids").map((r) => r.value)).toEqual([
      { id: "o1", doubled: 300 },
      { id: "o3", doubled: 2000 },
      { id: "o6", doubled: 202 },
    ]);
    expect(amounts(driver.readOutput("medium"))).toEqual([50, 99]);
    expect(summary.outputs).toEqual({ "big-ids": 3, medium: 2 });
  });

  it("dead-letters a record whose condition throws, and routes the others", async () => {
    const source = dedent`
      ${header}
      branch orders {
        odd: toNumber(id) % 2 == 1,
        rest: else,
      }
      sink odd to topic "odd"
      sink rest to topic "rest"
    `;
    driver = new TopologyTestDriver(await load(source));
    driver.pipeInput("orders", [order("k", "1", 1, 1), order("k", "x", 1, 2), order("k", "2", 1, 3)]);
    const summary = await driver.run();
    expect(keyIdTime(driver.readOutput("odd"))).toEqual([["k", "1", 1]]);
    expect(keyIdTime(driver.readOutput("rest"))).toEqual([["k", "2", 3]]);
    expect(summary.deadLettered).toBe(1);
    expect(driver.readOutput("shop-dlq")[0]!.value).toMatchObject({ reason: expect.stringMatching(/^processing failed/), node: "orders-branch-odd" });
  });
});

describe("merge", () => {
  const source = dedent`
    ${header}
    stream webOrders from topic "web-orders" key string value json Order event time ts
    stream refunds from topic "refunds" key string value json Order event time ts
    stream all = orders | merge webOrders, refunds
    sink all to topic "all"
  `;

  it("keeps each record's key, value and timestamp, and interleaves the topics in time order", async () => {
    driver = new TopologyTestDriver(await load(source));
    driver.pipeInput("orders", [order("a", "o1", 1, 10), order("b", "o2", 2, 40), order("c", "o3", 3, 50)]);
    driver.pipeInput("web-orders", [order("d", "w1", 4, 20), order("e", "w2", 5, 45)]);
    driver.pipeInput("refunds", [order("f", "r1", -1, 30)]);
    await driver.run();
    expect(driver.readOutput("all").map((r) => [r.key, r.value, r.timestamp])).toEqual(
      [
        ["a", "o1", 1, 10],
        ["d", "w1", 4, 20],
        ["f", "r1", -1, 30],
        ["b", "o2", 2, 40],
        ["e", "w2", 5, 45],
        ["c", "o3", 3, 50],
      ].map(([key, id, amount, ts]) => [key, { id, customerId: `c-${id}`, amount, ts }, ts]),
    );
  });

  it("merged and deduplicated: the same order from two channels comes out once", async () => {
    const deduplicated = `${source.replace("| merge webOrders, refunds", "| merge webOrders, refunds\n  | dedup by id within 1 min")}`;
    driver = new TopologyTestDriver(await load(deduplicated));
    driver.pipeInput("orders", [order("a", "o1", 1, 10), order("a", "o2", 1, 30)]);
    driver.pipeInput("web-orders", [order("a", "o1", 1, 20), order("a", "o2", 1, 70_000)]);
    driver.pipeInput("refunds", []);
    await driver.run();
    expect(keyIdTime(driver.readOutput("all"))).toEqual([
      ["a", "o1", 10],
      ["a", "o2", 30],
      ["a", "o2", 70_000],
    ]);
  });
});

describe("describe()", () => {
  it("shows the merge's parents, the repartition before a dedup after a rekey, the branch's arms and the dedup store", async () => {
    const topology = await load(dedent`
      ${header}
      stream web from topic "web" key string value json Order event time ts
      stream all = orders | merge web
      branch all { big: amount > 100, rest: else }
      stream perCustomer = big | rekey customerId | dedup within 1 min
      sink perCustomer to topic "p"
      sink rest to topic "r"
    `);
    expect(topology.describe()).toBe(dedent`
      Topology: shop
        Sub-topology 0
          Source: orders (topic: orders) --> all-1-merge
          Source: web (topic: web) --> all-1-merge
          Processor: all-1-merge (merge) --> all-branch-big <-- orders, web
          Processor: all-branch-big (branch, first match: big, rest (else)) --> big, rest <-- all-1-merge
          Processor: big (branch arm) --> perCustomer-1-rekey <-- all-branch-big
          Processor: rest (branch arm) --> rest-to-r <-- all-branch-big
          Processor: perCustomer-1-rekey (map) --> perCustomer-repartition-sink <-- big
          Sink: perCustomer-repartition-sink (topic: shop-perCustomer-repartition, repartition) <-- perCustomer-1-rekey
          Sink: rest-to-r (topic: r) <-- rest
        Sub-topology 1
          Source: perCustomer-repartition-source (topic: shop-perCustomer-repartition, repartition) --> perCustomer-2-dedup
          Processor: perCustomer-2-dedup (dedup by key within 60000 ms, store: perCustomer-dedup) --> perCustomer-to-p <-- perCustomer-repartition-source
          Sink: perCustomer-to-p (topic: p) <-- perCustomer-2-dedup
        State stores:
          perCustomer-dedup (dedup store, changelog: shop-perCustomer-dedup-changelog)
        Repartition topics:
          shop-perCustomer-repartition
        Dead-letter topic: shop-dlq
    `);
  });
});
