// Windowed tables transformed as tables (a HAVING on a windowed aggregate):
// `table busy = perMinute | where ... | select ...`, compiled from .weir and run
// on the embedded engine. Rows keep their window; a row that stops matching is
// deleted (a tombstone with its window), a row that never matched is never
// deleted; merged sessions' retractions pass only for sessions the table held.
// Every expected output is worked out by hand from the inputs.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadTopology } from "../../src/compiled-module.ts";
import { check } from "../../src/index.ts";
import { openEmbeddedLog, runEmbedded, type ConsumedRecord } from "../../runtime/embedded.ts";
import { TopologyTestDriver } from "../../runtime/testing.ts";
import type { Topology } from "../../runtime/topology/graph.ts";
import { dedent } from "../helpers/dedent.ts";

async function compileWeir(source: string): Promise<Topology> {
  const loaded = await loadTopology(join(import.meta.dirname, "windowed-tables.weir"), source);
  if (!loaded.topology) throw new Error(loaded.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return loaded.topology;
}

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

const shop = dedent`
  application shop
  schema Order { id: string, customerId: string, amount: number, ts: timestamp }
  stream orders from topic "orders" key string value json Order event time ts
  table perMinute = orders
    | group by customerId
    | window tumbling 1 minute
    | aggregate { orders: count(), total: sum(amount) }
  table big = perMinute
    | where total > 10
    | select { total, from: window.start }
  table finalPerMinute = orders
    | group by customerId
    | window tumbling 1 minute grace 0s emit final
    | count
  table busy = finalPerMinute
    | where value > 1
  stream bigOnes = big
    | select { customerId: key, total, to: window.end }
  sink big to topic "big" value { customerId: key, from, to: window.end, total }
  sink busy to topic "busy" value { customerId: key, from: window.start, orders: value }
  sink bigOnes to topic "big-ones"
`;

const order = (id: string, customerId: string, amount: number, ts: number) => ({ key: id, value: { id, customerId, amount, ts }, timestamp: ts });
const changes = (records: readonly ConsumedRecord[]) => records.map((r) => [r.key, r.value, r.timestamp]);

describe("a windowed table filtered and mapped as a table", () => {
  it("emits a row when it starts matching, a tombstone when it stops, nothing for a row that never matched; rows keep their window", async () => {
    driver = new TopologyTestDriver(await compileWeir(shop));
    driver.pipeInput("orders", [
      order("o1", "ann", 8, 1_000), // 8: no row
      order("o2", "ann", 5, 2_000), // 13: a row
      order("o3", "ann", -4, 3_000), // 9: deleted
      order("o4", "ann", 1, 4_000), // 10: still none, nothing to delete
      order("o5", "ann", 2, 5_000), // 12: a row again
      order("o6", "bob", 3, 6_000), // 3: no row, never deleted
      order("o7", "ann", 20, 61_000), // the next minute: 20
    ]);
    await driver.run();
    expect(changes(driver.readOutput("big"))).toEqual([
      ["ann", { customerId: "ann", from: 0, to: 60_000, total: 13 }, 2_000],
      ["ann", null, 3_000],
      ["ann", { customerId: "ann", from: 0, to: 60_000, total: 12 }, 5_000],
      ["ann", { customerId: "ann", from: 60_000, to: 120_000, total: 20 }, 61_000],
    ]);
    // A stream over it carries the rows, not the deletes, with their window.
    expect(changes(driver.readOutput("big-ones"))).toEqual([
      ["ann", { customerId: "ann", total: 13, to: 60_000 }, 2_000],
      ["ann", { customerId: "ann", total: 12, to: 60_000 }, 5_000],
      ["ann", { customerId: "ann", total: 20, to: 120_000 }, 61_000],
    ]);
    // The store keeps the open windows' rows (per key and window), as the aggregation's store does:
    // [0, 60 000) closed when stream time reached 61 000.
    expect(driver.readWindowedTable("big")).toEqual([{ key: "ann", window: { start: 60_000, end: 120_000 }, value: { total: 20, from: 60_000 } }]);
  });

  it("filters the final results of emit final windows", async () => {
    driver = new TopologyTestDriver(await compileWeir(shop));
    driver.pipeInput("orders", [order("o1", "ann", 1, 1_000), order("o2", "ann", 1, 2_000), order("o3", "bob", 1, 3_000), order("o4", "cy", 1, 60_000)]);
    await driver.run();
    expect(changes(driver.readOutput("busy"))).toEqual([["ann", { customerId: "ann", from: 0, orders: 2 }, 2_000]]);
  });

  it("lets a merged session's retraction through only for a session the table held", async () => {
    driver = new TopologyTestDriver(
      await compileWeir(dedent`
        application clicks
        schema Click { user: string, ts: timestamp }
        stream clicks from topic "clicks" key string value json Click event time ts
        table sessions = clicks
          | group by user
          | window session 10 ms grace 100 ms
          | count
        table long = sessions
          | where value >= 2
        sink long to topic "long" value { start: window.start, end: window.end, clicks: value }
      `),
    );
    const click = (user: string, ts: number) => ({ key: user, value: { user, ts }, timestamp: ts });
    driver.pipeInput("clicks", [click("u", 0), click("u", 5), click("u", 25), click("u", 15)]);
    await driver.run();
    expect(changes(driver.readOutput("long"))).toEqual([
      ["u", { start: 0, end: 5, clicks: 2 }, 5],
      // 15 bridges [0, 5] (held: retracted) and [25, 25] (one click: never a row, not retracted).
      ["u", null, 5],
      ["u", { start: 0, end: 25, clicks: 4 }, 25],
    ]);
  });

  it("restores the rows it holds from its changelog: a restarted run writes what one uninterrupted run writes", async () => {
    const topology = await compileWeir(shop);
    const customers = ["ann", "bob", "cy"];
    const input = Array.from({ length: 90 }, (_, i) => order(`o${i}`, customers[i % 3]!, (i % 4 === 3 ? -9 : 4) + (i % 5), 1_000 + i * 1_700));
    const outputs = (log: ReturnType<typeof openEmbeddedLog>) => ["big", "busy", "big-ones"].map((topic) => log.consume(topic).map((r) => [r.key, r.value, r.timestamp]));

    const once = openEmbeddedLog(":memory:");
    once.produce("orders", input);
    // Every update, to compare run with run (commits fall elsewhere).
    await runEmbedded(topology, { log: once, cacheMaxBytes: 0 });
    const expected = outputs(once);
    once.close();
    expect(expected[0]!.filter(([, value]) => value === null).length).toBeGreaterThan(3);

    const log = openEmbeddedLog(":memory:");
    log.produce("orders", input);
    let runs = 0;
    for (;;) {
      runs++;
      const controller = new AbortController();
      let commits = 0;
      const summary = await runEmbedded(topology, {
        log,
        maxRecordsPerCommit: 4,
        cacheMaxBytes: 0,
        signal: controller.signal,
        onCommit: () => {
          if (++commits === 2) controller.abort();
        },
      });
      if (summary.stoppedBy === "drained") break;
    }
    expect(runs).toBeGreaterThan(5);
    expect(outputs(log)).toEqual(expected);
    log.close();
  });

  it("can be written in the aggregation's own pipeline (a HAVING): the aggregation is kept in <table>-aggregate, the rows in <table>", async () => {
    const topology = await compileWeir(dedent`
      application having
      schema Order { id: string, customerId: string, amount: number, ts: timestamp }
      schema Customer { tier: string, credit: number }
      stream orders from topic "orders" key string value json Order event time ts
      table customers from topic "customers" key string value json Customer
      table busy = orders
        | group by customerId
        | window tumbling 1 minute
        | aggregate { count: count() }
        | where count > 2
      table big = orders
        | group by customerId
        | aggregate { count: count(), total: sum(amount) }
        | where total > 10
        | select { total }
      table richTiers = customers
        | group by tier
        | sum credit
        | where value >= 100
      stream withBig = orders
        | rekey customerId
        | join big
        | select { id, customerTotal: big.total }
      sink busy to topic "busy" value { customerId: key, from: window.start, count }
      sink big to topic "big"
      sink richTiers to topic "rich"
      sink withBig to topic "with-big"
    `);
    expect(topology.stores.map((store) => [store.name, store.changelogTopic, store.kind === "window" ? store.window.kind : undefined])).toEqual([
      ["customers", "having-customers-changelog", undefined],
      ["busy-aggregate", "having-busy-aggregate-changelog", "time"],
      ["busy", "having-busy-changelog", "time"],
      ["big-aggregate", "having-big-aggregate-changelog", undefined],
      ["big", "having-big-changelog", undefined],
      ["richTiers-aggregate", "having-richTiers-aggregate-changelog", undefined],
      ["richTiers", "having-richTiers-changelog", undefined],
    ]);
    driver = new TopologyTestDriver(topology);
    driver.pipeInput("orders", [order("o1", "ann", 6, 1_000), order("o2", "ann", 6, 2_000), order("o3", "ann", -5, 3_000), order("o4", "ann", 1, 4_000)]);
    driver.pipeInput("customers", [
      { key: "a", value: { tier: "gold", credit: 60 }, timestamp: 1 },
      { key: "b", value: { tier: "gold", credit: 50 }, timestamp: 2 },
      { key: "a", value: { tier: "silver", credit: 60 }, timestamp: 3 },
    ]);
    await driver.run();
    expect(changes(driver.readOutput("busy"))).toEqual([
      ["ann", { customerId: "ann", from: 0, count: 3 }, 3_000],
      ["ann", { customerId: "ann", from: 0, count: 4 }, 4_000],
    ]);
    expect(changes(driver.readOutput("big"))).toEqual([
      ["ann", { total: 12 }, 2_000],
      ["ann", null, 3_000],
    ]);
    expect(changes(driver.readOutput("rich"))).toEqual([
      ["gold", 110, 2],
      ["gold", null, 3],
    ]);
    // Joined with the table's rows, not the aggregation's: o3 and o4 find no row.
    expect(changes(driver.readOutput("with-big"))).toEqual([["ann", { id: "o2", customerTotal: 12 }, 2_000]]);
  });

  it("cannot be joined or grouped (WEIR4050)", () => {
    const base = dedent`
      application shop
      schema Order { id: string, customerId: string, amount: number, ts: timestamp }
      stream orders from topic "orders" key string value json Order event time ts
      table perMinute = orders | group by customerId | window tumbling 1 minute | count
      table totals = orders | group by customerId | count
    `;
    const codes = (extra: string) => check(`${base}\n${extra}\n`).filter((d) => d.severity === "error").map((d) => d.code);
    expect(codes("table both = perMinute | join totals\nsink both to topic \"b\"")).toEqual(["WEIR4050"]);
    expect(codes("table regrouped = perMinute | where value > 1 | group by value | count\nsink regrouped to topic \"b\"")).toEqual(["WEIR4050"]);
    expect(codes("table busy = perMinute | where value > 1 | select { n: value, at: window.start }\nsink busy to topic \"b\"")).toEqual([]);
  });
});
