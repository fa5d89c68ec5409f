// A table grouped and aggregated (Kafka Streams' KTable.groupBy(...).aggregate):
// each change of a row subtracted from its old group and added to its new one.
// .weir files compiled and run on the embedded engine with the test driver;
// every expected output is worked out by hand from the inputs.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadTopology } from "../../../src/compiled-module.ts";
import { compile } from "../../../src/index.ts";
import { openEmbeddedLog, runEmbedded, type ConsumedRecord } from "../../../runtime/embedded.ts";
import { TopologyTestDriver } from "../../../runtime/testing.ts";
import type { Topology } from "../../../runtime/topology/graph.ts";
import { dedent } from "../../helpers/dedent.ts";

/** `./aggregates.ts` in a file is the user aggregates of test/src/fixtures/user-aggregates. */
const userAggregates = join(import.meta.dirname, "..", "..", "src", "fixtures", "user-aggregates");

async function compileWeir(source: string): Promise<Topology> {
  const loaded = await loadTopology(join(userAggregates, "table-aggregations.weir"), source);
  if (!loaded.topology) throw new Error(loaded.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return loaded.topology;
}

/** key value@timestamp, with `null` for a delete. */
const rows = (records: readonly ConsumedRecord[]) => records.map((r) => `${String(r.key)} ${JSON.stringify(r.value)}@${r.timestamp}`);

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

const tiers = dedent`
  application tiers
  schema Customer { name: string, tier: string, credit: number }
  table customers from topic "customers" key string value json Customer
  table perTier = customers
    | group by tier
    | count
  table credit = customers
    | group by tier
    | aggregate { total: sum(credit), mean: avg(credit), customers: count() }
  sink perTier to topic "per-tier"
  sink credit to topic "credit"
`;

const customer = (name: string, tier: string, credit: number) => ({ name, tier, credit });

describe("a grouped table", () => {
  it("moves a customer's count to its new tier, and a delete decrements", async () => {
    driver = new TopologyTestDriver(await compileWeir(tiers));
    driver.pipeInput("customers", [
      { key: "a", value: customer("Ann", "gold", 10), timestamp: 1 },
      { key: "b", value: customer("Bob", "gold", 30), timestamp: 2 },
      { key: "c", value: customer("Cy", "silver", 5), timestamp: 3 },
      // Ann moves from gold to silver: gold loses her, then silver gains her.
      { key: "a", value: customer("Ann", "silver", 20), timestamp: 4 },
      // Bob stays gold with more credit: one update of gold, subtract and add at once.
      { key: "b", value: customer("Bob", "gold", 50), timestamp: 5 },
      { key: "c", value: null, timestamp: 6 },
      // A delete of a row the table never held changes nothing.
      { key: "x", value: null, timestamp: 7 },
      { key: "b", value: null, timestamp: 8 },
    ]);
    await driver.run();
    expect(rows(driver.readOutput("per-tier"))).toEqual([
      "gold 1@1",
      "gold 2@2",
      "silver 1@3",
      "gold 1@4",
      "silver 2@4",
      "gold 1@5",
      "silver 1@6",
      // The group stays, at 0, as in Kafka Streams.
      "gold 0@8",
    ]);
    expect(rows(driver.readOutput("credit"))).toEqual([
      'gold {"total":10,"mean":10,"customers":1}@1',
      'gold {"total":40,"mean":20,"customers":2}@2',
      'silver {"total":5,"mean":5,"customers":1}@3',
      'gold {"total":30,"mean":30,"customers":1}@4',
      'silver {"total":25,"mean":12.5,"customers":2}@4',
      'gold {"total":50,"mean":50,"customers":1}@5',
      'silver {"total":20,"mean":20,"customers":1}@6',
      // A group whose rows all left has no average.
      'gold {"total":0,"mean":null,"customers":0}@8',
    ]);
  });

  it("types an average as nullable: a group whose rows all left it has none", () => {
    const { code } = compile(tiers, { path: "tiers.weir" });
    expect(code).toContain("formats.json<{ total: number; mean: number | null; customers: number }>()");
  });

  it("goes through the repartition topic <application>-<table>-repartition into the store <table>", async () => {
    const topology = await compileWeir(tiers);
    expect(topology.stores.map((store) => [store.name, store.changelogTopic])).toEqual(
      expect.arrayContaining([
        ["perTier", "tiers-perTier-changelog"],
        ["credit", "tiers-credit-changelog"],
      ]),
    );
    const sourceTopics = topology.subtopologies.flatMap((sub) => sub.sourceTopics);
    expect(sourceTopics).toEqual(expect.arrayContaining(["tiers-perTier-repartition", "tiers-credit-repartition"]));
    expect(topology.describe()).toMatch(/perTier-1-group.*group table rows/);
  });

  it("keeps subtracting what it added after a restart: the old rows come from the restored table", async () => {
    const log = openEmbeddedLog(":memory:");
    try {
      const topology = await compileWeir(tiers);
      const produce = (key: string, value: unknown, timestamp: number) => log.produce("customers", [{ key, value: value === null ? null : JSON.stringify(value), timestamp }]);
      produce("a", customer("Ann", "gold", 10), 1);
      produce("b", customer("Bob", "gold", 30), 2);
      // Every update (with caches: record-cache.test.ts).
      await runEmbedded(topology, { log, cacheMaxBytes: 0 });
      produce("a", customer("Ann", "silver", 20), 3);
      produce("b", null, 4);
      const second = await runEmbedded(topology, { log, cacheMaxBytes: 0 });
      expect(second.restored.map((r) => [r.store, r.records])).toEqual(expect.arrayContaining([["customers", 2], ["perTier", 1]]));
      expect(rows(log.consume("per-tier"))).toEqual(["gold 1@1", "gold 2@2", "gold 1@3", "silver 1@3", "gold 0@4"]);
      expect(rows(log.consume("credit")).slice(-1)).toEqual(['gold {"total":0,"mean":null,"customers":0}@4']);
    } finally {
      log.close();
    }
  });
});

describe("a grouped table with a user aggregate", () => {
  it("calls subtract with the old row's arguments, then add with the new row's", async () => {
    driver = new TopologyTestDriver(
      await compileWeir(dedent`
        application orderMeans
        import { weightedMean } from "./aggregates.ts"
        schema Order { customerId: string, amount: number, weight: number }
        table orders from topic "orders" key string value json Order
        table means = orders
          | group by customerId
          | aggregate { mean: weightedMean(amount, weight) }
        sink means to topic "means"
      `),
    );
    const order = (customerId: string, amount: number, weight: number) => ({ customerId, amount, weight });
    driver.pipeInput("orders", [
      { key: "o1", value: order("a", 10, 1), timestamp: 1 },
      { key: "o2", value: order("a", 30, 3), timestamp: 2 },
      // Same group: (10·1 + 30·3 − 10·1 + 20·1) / (1 + 3 − 1 + 1) = 110 / 4.
      { key: "o1", value: order("a", 20, 1), timestamp: 3 },
      // o2 moves to b: a keeps 20·1 / 1; b has 30·3 / 3.
      { key: "o2", value: order("b", 30, 3), timestamp: 4 },
    ]);
    await driver.run();
    expect(rows(driver.readOutput("means"))).toEqual(['a {"mean":10}@1', 'a {"mean":25}@2', 'a {"mean":27.5}@3', 'a {"mean":20}@4', 'b {"mean":30}@4']);
    // The store (and its changelog) keeps the accumulators; the table's values are their results.
    // (The changelog's first record is the store's shape, docs/state.md: not a row.)
    const kept = new Map(
      driver.log
        .consume("orderMeans-means-changelog")
        .filter((r) => r.key !== "@weir/store-shape")
        .map((r) => [r.key, r.value]),
    );
    expect(kept).toEqual(
      new Map([
        ["a", { mean: { total: 20, weight: 1 } }],
        ["b", { mean: { total: 90, weight: 3 } }],
      ]),
    );
    expect(driver.readTable("means")).toEqual(
      new Map([
        ["a", { mean: 20 }],
        ["b", { mean: 30 }],
      ]),
    );
  });
});

describe("grouping tables derived from streams and tables", () => {
  it("takes the old row from an aggregation's store and from a filtered table's store", async () => {
    driver = new TopologyTestDriver(
      await compileWeir(dedent`
        application balances
        schema Move { account: string, amount: number }
        stream moves from topic "moves" key string value json Move
        table balance = moves
          | group by account
          | sum amount
        table rich = balance
          | where value >= 100
        table bands = balance
          | group by value >= 100
          | count
        table richCount = rich
          | group by "all"
          | count
        sink bands to topic "bands"
        sink richCount to topic "rich-count"
      `),
    );
    const move = (account: string, amount: number, timestamp: number) => ({ key: `m${timestamp}`, value: { account, amount }, timestamp });
    driver.pipeInput("moves", [move("x", 50, 1), move("y", 150, 2), move("x", 60, 3), move("y", -100, 4), move("x", 5, 5)]);
    await driver.run();
    // Balances: x 50, y 150, x 110, y 50, x 115.
    expect(rows(driver.readOutput("bands"))).toEqual(["false 1@1", "true 1@2", "false 0@3", "true 2@3", "true 1@4", "false 1@4", "true 1@5"]);
    // y leaves the rich table (a delete) at 4; x's update at 5 stays in the one group.
    expect(rows(driver.readOutput("rich-count"))).toEqual(["all 1@2", "all 2@3", "all 1@4", "all 1@5"]);
  });
});
