// Tables transformed as tables, table-table joins and stream-table joins with
// aggregated tables: .weir files compiled and run on the embedded engine with
// the test driver. Every expected output is worked out by hand from the
// inputs, deletes (null values) included.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadTopology } from "../../src/compiled-module.ts";
import { openEmbeddedLog, runEmbedded, type ConsumedRecord } from "../../runtime/embedded.ts";
import { TopologyTestDriver } from "../../runtime/testing.ts";
import type { Topology } from "../../runtime/topology/graph.ts";
import { dedent } from "../helpers/dedent.ts";

async function compileWeir(source: string): Promise<Topology> {
  const loaded = await loadTopology(join(import.meta.dirname, "table-joins.weir"), source);
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

const customers = dedent`
  schema Customer { id: string, name: string, tier: string }
  schema Address { city: string }
  table customers from topic "customers" key string value json Customer
  table addresses from topic "addresses" key string value json Address
`;

const customer = (id: string, name: string, tier = "gold") => ({ id, name, tier });

describe("a table transformed as a table", () => {
  it("turns a row that stops matching into a delete; deletes of rows it never held are dropped", async () => {
    driver = new TopologyTestDriver(
      await compileWeir(dedent`
        application goldList
        ${customers}
        table gold = customers
          | where tier == "gold"
          | select { name }
        stream goldNames = gold
          | select name
        sink gold to topic "gold"
        sink goldNames to topic "gold-names"
        sink addresses to topic "addresses-copy"
      `),
    );
    driver.pipeInput("customers", [
      { key: "a", value: customer("a", "Ann"), timestamp: 1 },
      { key: "b", value: customer("b", "Bob", "silver"), timestamp: 2 },
      { key: "a", value: customer("a", "Ann", "silver"), timestamp: 3 },
      { key: "b", value: null, timestamp: 4 },
      { key: "c", value: customer("c", "Cy"), timestamp: 5 },
      { key: "a", value: customer("a", "Ann"), timestamp: 6 },
      { key: "c", value: null, timestamp: 7 },
      { key: "x", value: null, timestamp: 8 },
    ]);
    driver.pipeInput("addresses", []);
    await driver.run();
    expect(rows(driver.readOutput("gold"))).toEqual(['a {"name":"Ann"}@1', "a null@3", 'c {"name":"Cy"}@5', 'a {"name":"Ann"}@6', "c null@7"]);
    // A stream over the table carries its updates, not its deletes.
    expect(rows(driver.readOutput("gold-names"))).toEqual(['a "Ann"@1', 'c "Cy"@5', 'a "Ann"@6']);
    expect(driver.readTable("gold")).toEqual(new Map([["a", { name: "Ann" }]]));
  });
});

describe("another name for a table read from a topic", () => {
  it("passes deletes to its sinks as tombstones, and a stream over it carries the updates only", async () => {
    driver = new TopologyTestDriver(
      await compileWeir(dedent`
        application alias
        ${customers}
        table people = customers
        stream shouted = people | select { n: upper(name) }
        sink people to topic "people" value { name }
        sink shouted to topic "shouted"
        sink addresses to topic "addresses-copy"
      `),
    );
    driver.pipeInput("customers", [
      { key: "a", value: customer("a", "Ann"), timestamp: 1 },
      { key: "a", value: null, timestamp: 2 },
      { key: "b", value: customer("b", "Bob"), timestamp: 3 },
    ]);
    driver.pipeInput("addresses", []);
    const summary = await driver.run();
    expect(summary.deadLettered).toBe(0);
    expect(rows(driver.readOutput("people"))).toEqual(['a {"name":"Ann"}@1', "a null@2", 'b {"name":"Bob"}@3']);
    expect(rows(driver.readOutput("shouted"))).toEqual(['a {"n":"ANN"}@1', 'b {"n":"BOB"}@3']);
  });
});

describe("a table made by an aggregation, filtered as a table", () => {
  it("deletes a key whose total stops matching, and a stream joins the table through another name", async () => {
    driver = new TopologyTestDriver(
      await compileWeir(dedent`
        application balances
        schema Move { account: string, amount: number }
        stream moves from topic "moves" key string value json Move
        table balance = moves
          | group by account
          | sum amount
        table positive = balance
          | where value > 0
        table alsoPositive = positive
        stream checks = moves
          | rekey account
          | left join alsoPositive
          | select { amount, balance: alsoPositive }
        sink positive to topic "positive"
        sink checks to topic "checks"
      `),
    );
    driver.pipeInput("moves", [
      { key: "m1", value: { account: "a", amount: 5 }, timestamp: 1 },
      { key: "m2", value: { account: "a", amount: -7 }, timestamp: 2 },
      { key: "m3", value: { account: "a", amount: 3 }, timestamp: 3 },
    ]);
    await driver.run();
    expect(rows(driver.readOutput("positive"))).toEqual(["a 5@1", "a null@2", "a 1@3"]);
    // Each move meets the balance as of its time. A move reaches the join task twice, through
    // the balance's repartition topic and through the stream's, with one timestamp: ties go to
    // the input added to the topology first, and a table is always built before a stream that
    // joins it, so the balance already counts the move (as "update, then record" for a table
    // read from a topic). After m2 the balance is -2: not positive, so null in a left join.
    expect(rows(driver.readOutput("checks"))).toEqual(['a {"amount":5,"balance":5}@1', 'a {"amount":-7,"balance":null}@2', 'a {"amount":3,"balance":1}@3']);
  });
});

describe("a stream joined with a table transformed as a table", () => {
  it("joins with the rows the table holds as of each record: a row filtered out no longer joins", async () => {
    driver = new TopologyTestDriver(
      await compileWeir(dedent`
        application vip
        ${customers}
        schema Payment { amount: number }
        stream payments from topic "payments" key string value json Payment
        table gold = customers
          | where tier == "gold"
          | select { name }
        stream vipPayments = payments
          | join gold
          | select { amount, name: gold.name }
        sink vipPayments to topic "vip-payments"
        sink addresses to topic "addresses-copy"
      `),
    );
    driver.pipeInput("addresses", []);
    driver.pipeInput("customers", [
      { key: "a", value: customer("a", "Ann"), timestamp: 1 },
      { key: "a", value: customer("a", "Ann", "silver"), timestamp: 3 },
      { key: "b", value: customer("b", "Bob"), timestamp: 5 },
    ]);
    driver.pipeInput("payments", [
      { key: "a", value: { amount: 5 }, timestamp: 2 },
      { key: "a", value: { amount: 6 }, timestamp: 4 },
      { key: "b", value: { amount: 7 }, timestamp: 6 },
    ]);
    const summary = await driver.run();
    expect(rows(driver.readOutput("vip-payments"))).toEqual(['a {"amount":5,"name":"Ann"}@2', 'b {"amount":7,"name":"Bob"}@6']);
    // Both keyed by customer id as text: no repartition.
    expect(Object.keys(summary.outputs).filter((topic) => topic.endsWith("-repartition"))).toEqual([]);
  });
});

const joins = dedent`
  application crm
  ${customers}
  table both = customers
    | join addresses
    | select { name, city: addresses.city }
  table withCity = customers
    | left join addresses
    | select { name, city: addresses.city }
  table either = customers
    | outer join addresses
    | select { name, city: addresses.city }
  table located = customers
    | right join addresses
    | select { name, city: addresses.city }
  sink both to topic "both"
  sink withCity to topic "with-city"
  sink either to topic "either"
  sink located to topic "located"
`;

describe("table-table joins", () => {
  it("inner, left, right and outer: an update on either side joins with the other; deletes as Kafka Streams' joins", async () => {
    driver = new TopologyTestDriver(await compileWeir(joins));
    driver.pipeInput("customers", [{ key: "a", value: customer("a", "Ann"), timestamp: 1 }]);
    driver.pipeInput("addresses", [
      { key: "a", value: { city: "Oslo" }, timestamp: 2 },
      { key: "b", value: { city: "Rome" }, timestamp: 3 },
    ]);
    driver.pipeInput("customers", [{ key: "a", value: customer("a", "Ann2"), timestamp: 4 }]);
    driver.pipeInput("addresses", [{ key: "a", value: null, timestamp: 5 }]);
    driver.pipeInput("customers", [{ key: "a", value: null, timestamp: 6 }]);
    driver.pipeInput("addresses", [{ key: "b", value: null, timestamp: 7 }]);
    driver.pipeInput("customers", [
      { key: "c", value: customer("c", "Cy"), timestamp: 8 },
      { key: "c", value: null, timestamp: 9 },
    ]);
    await driver.run();

    // Inner: a row while both sides hold the key.
    expect(rows(driver.readOutput("both"))).toEqual(['a {"name":"Ann","city":"Oslo"}@2', 'a {"name":"Ann2","city":"Oslo"}@4', "a null@5"]);
    // Left: a row while the customer exists; the address may be missing.
    expect(rows(driver.readOutput("with-city"))).toEqual([
      'a {"name":"Ann","city":null}@1',
      'a {"name":"Ann","city":"Oslo"}@2',
      'a {"name":"Ann2","city":"Oslo"}@4',
      'a {"name":"Ann2","city":null}@5',
      "a null@6",
      'c {"name":"Cy","city":null}@8',
      "c null@9",
    ]);
    // Outer: a row while either side holds the key; a delete when both are gone.
    expect(rows(driver.readOutput("either"))).toEqual([
      'a {"name":"Ann","city":null}@1',
      'a {"name":"Ann","city":"Oslo"}@2',
      'b {"name":null,"city":"Rome"}@3',
      'a {"name":"Ann2","city":"Oslo"}@4',
      'a {"name":"Ann2","city":null}@5',
      "a null@6",
      "b null@7",
      'c {"name":"Cy","city":null}@8',
      "c null@9",
    ]);
    expect(driver.readTable("either")).toEqual(new Map());
    // Right: a row while the address exists; the customer may be missing (ksqlDB's RIGHT JOIN: the rows of
    // addresses left join customers). Ann alone (1) and Ann deleted with no address (6) change nothing.
    expect(rows(driver.readOutput("located"))).toEqual([
      'a {"name":"Ann","city":"Oslo"}@2',
      'b {"name":null,"city":"Rome"}@3',
      'a {"name":"Ann2","city":"Oslo"}@4',
      "a null@5",
      "b null@7",
    ]);
    expect(driver.readTable("located")).toEqual(new Map());
  });

  it("restores both tables and the joined table from their changelogs: a second run joins with what the first one read", async () => {
    const log = openEmbeddedLog(":memory:");
    try {
      const topology = await compileWeir(joins);
      log.createTopic("customers", 1);
      log.createTopic("addresses", 1);
      log.produce("customers", [{ key: "a", value: JSON.stringify(customer("a", "Ann")), timestamp: 1 }]);
      log.produce("addresses", [{ key: "b", value: JSON.stringify({ city: "Rome" }), timestamp: 2 }]);
      // Every update: the joined rows as each change makes them.
      await runEmbedded(topology, { log, cacheMaxBytes: 0 });
      expect(rows(log.consume("either"))).toEqual(['a {"name":"Ann","city":null}@1', 'b {"name":null,"city":"Rome"}@2']);

      log.produce("addresses", [
        { key: "a", value: JSON.stringify({ city: "Oslo" }), timestamp: 3 },
        { key: "b", value: null, timestamp: 5 },
      ]);
      log.produce("customers", [{ key: "a", value: null, timestamp: 4 }]);
      const second = await runEmbedded(topology, { log, cacheMaxBytes: 0 });
      expect(second.restored.map((r) => [r.store, r.records])).toEqual(
        expect.arrayContaining([
          ["customers", 1],
          ["addresses", 1],
          ["either", 2],
        ]),
      );
      expect(rows(log.consume("either")).slice(2)).toEqual([
        'a {"name":"Ann","city":"Oslo"}@3',
        'a {"name":null,"city":"Oslo"}@4',
        // Only the restored joined table knows that b had a row to delete.
        "b null@5",
      ]);
      expect(rows(log.consume("both"))).toEqual(['a {"name":"Ann","city":"Oslo"}@3', "a null@4"]);
    } finally {
      log.close();
    }
  });

  it("refuses tables that are not co-partitioned, naming both partition counts", async () => {
    driver = new TopologyTestDriver(await compileWeir(joins), { partitions: { customers: 2, addresses: 3 } });
    driver.pipeInput("customers", []);
    driver.pipeInput("addresses", []);
    await expect(driver.run()).rejects.toThrowError(/same number of partitions \(co-partitioning\), but they have: "customers" \(2\), "addresses" \(3\)/);
  });
});

describe("a stream joined with an aggregated table", () => {
  const spend = dedent`
    application spend
    schema Order { id: string, customerId: string, amount: number, ts: timestamp }
    schema Payment { customerId: string, amount: number, ts: timestamp }
    stream orders from topic "orders" key string value json Order event time ts
    stream payments from topic "payments" key string value json Payment event time ts
    table spent = orders
      | group by customerId
      | aggregate { total: sum(amount), mean: avg(amount) }
    stream checked = payments
      | join spent
      | select { amount, total: spent.total, mean: spent.mean }
    sink checked to topic "checked"
  `;
  const order = (id: string, customerId: string, amount: number, ts: number) => ({ key: id, value: { id, customerId, amount, ts } });
  const payment = (customerId: string, amount: number, ts: number) => ({ key: customerId, value: { customerId, amount, ts } });

  it("looks the key up in the aggregation's store (its results, not its accumulators), as of the payment's time", async () => {
    driver = new TopologyTestDriver(await compileWeir(spend));
    driver.pipeInput("orders", [order("o1", "a", 10, 1), order("o2", "a", 30, 3), order("o3", "b", 5, 4)]);
    driver.pipeInput("payments", [payment("a", 7, 2), payment("b", 1, 3), payment("a", 8, 5), payment("b", 2, 6)]);
    const summary = await driver.run();
    expect(rows(driver.readOutput("checked"))).toEqual([
      'a {"amount":7,"total":10,"mean":10}@2',
      'a {"amount":8,"total":40,"mean":20}@5',
      'b {"amount":2,"total":5,"mean":5}@6',
    ]);
    // The payments' topic keys are text, and so are the aggregation's repartition topic's
    // (a string group key): equal keys meet in one task without repartitioning the payments.
    expect(summary.outputs).toEqual({ "spend-spent-repartition": 3, checked: 3 });
  });

  it("partitions the aggregation's repartition topic like the stream's topic", async () => {
    driver = new TopologyTestDriver(await compileWeir(spend), { partitions: { orders: 3, payments: 2 } });
    const orders = Array.from({ length: 30 }, (_, i) => order(`o${i}`, `c${i % 6}`, i, i));
    driver.pipeInput("orders", orders);
    driver.pipeInput("payments", Array.from({ length: 6 }, (_, i) => payment(`c${i}`, 1, 100 + i)));
    await driver.run();
    const partitions = new Map(driver.log.topics().map((t) => [t.name, t.partitions]));
    expect([partitions.get("spend-spent-repartition"), partitions.get("spend-checked-repartition")]).toEqual([2, undefined]);
    const totals = (id: number) => orders.filter((o) => o.value.customerId === `c${id}`).reduce((sum, o) => sum + o.value.amount, 0);
    const expected = Array.from({ length: 6 }, (_, i) => `c${i} ${totals(i)}`);
    expect(driver.readOutput("checked").map((r) => `${String(r.key)} ${(r.value as { total: number }).total}`).sort()).toEqual(expected.sort());
  });
});

describe("foreign-key table joins", () => {
  const foreignKey = dedent`
    application shop
    schema Customer { id: string, name: string }
    schema Order { id: string, customerId?: string, amount: number }
    table customers from topic "customers" key string value json Customer
    table orders from topic "orders" key string value json Order
    table enriched = orders
      | join customers on customerId
      | select { amount, name: customers.name }
    table allOrders = orders
      | left join customers on customerId
      | select { amount, name: customers.name }
    sink enriched to topic "enriched"
    sink allOrders to topic "all-orders"
  `;
  const order = (id: string, customerId: string | null, amount: number, timestamp: number) => ({ key: id, value: { id, customerId, amount }, timestamp });
  const named = (id: string, name: string, timestamp: number) => ({ key: id, value: { id, name }, timestamp });

  /** Each step is run to the end before the next: subscriptions and responses have crossed both ways. */
  async function steps(driver: TopologyTestDriver, inputs: [topic: string, records: Parameters<TopologyTestDriver["pipeInput"]>[1]][]) {
    for (const [topic, records] of inputs) {
      driver.pipeInput(topic, records);
      await driver.run();
    }
  }

  it("joins each order with the customer its foreign key names: updates on either side, a changed foreign key, deletes", async () => {
    driver = new TopologyTestDriver(await compileWeir(foreignKey), { partitions: { customers: 3, orders: 2 } });
    driver.pipeInput("orders", []);
    await steps(driver, [
      ["customers", [named("c1", "Ann", 1)]],
      ["orders", [order("o1", "c1", 10, 2)]],
      ["orders", [order("o2", "c2", 5, 3)]],
      ["customers", [named("c2", "Bob", 4)]],
      ["orders", [order("o1", "c2", 11, 5)]],
      ["customers", [named("c1", "Ann2", 6)]],
      ["customers", [{ key: "c2", value: null, timestamp: 7 }]],
      ["orders", [{ key: "o2", value: null, timestamp: 8 }]],
      ["orders", [order("o3", "c1", 1, 9), order("o4", null, 2, 10)]],
    ]);
    const byTime = (a: ConsumedRecord, b: ConsumedRecord) => a.timestamp - b.timestamp || String(a.key).localeCompare(String(b.key));
    expect(rows(driver.readOutput("enriched").sort(byTime))).toEqual([
      'o1 {"amount":10,"name":"Ann"}@2',
      'o2 {"amount":5,"name":"Bob"}@4',
      'o1 {"amount":11,"name":"Bob"}@5',
      // Bob is deleted: both his orders lose their row; Ann2 changes nothing (o1 left her).
      "o1 null@7",
      "o2 null@7",
      'o3 {"amount":1,"name":"Ann2"}@9',
    ]);
    expect(rows(driver.readOutput("all-orders").sort(byTime))).toEqual([
      'o1 {"amount":10,"name":"Ann"}@2',
      'o2 {"amount":5,"name":null}@3',
      'o2 {"amount":5,"name":"Bob"}@4',
      'o1 {"amount":11,"name":"Bob"}@5',
      'o1 {"amount":11,"name":null}@7',
      'o2 {"amount":5,"name":null}@7',
      "o2 null@8",
      'o3 {"amount":1,"name":"Ann2"}@9',
      // No foreign key: a left join keeps the row, with no customer.
      'o4 {"amount":2,"name":null}@10',
    ]);
    // o1 still names c2 (deleted): if c2 comes back, o1 joins it again. o2 was deleted, o4 names no one.
    expect([...driver.readTable("enriched-subscriptions").keys()].map((key) => JSON.stringify(key)).sort()).toEqual(['["c1","o3"]', '["c2","o1"]']);
    expect(driver.readTable("enriched-foreign-keys")).toEqual(new Map([["o1", "c2"], ["o3", "c1"]]));
  });

  it("drops a response computed for an older version of the order", async () => {
    driver = new TopologyTestDriver(await compileWeir(foreignKey));
    driver.pipeInput("customers", [named("c1", "Ann", 1), named("c2", "Bob", 2)]);
    // o1 moves from c1 to c2 before any response comes back: the answer from c1 is stale.
    driver.pipeInput("orders", [order("o1", "c1", 10, 3), order("o1", "c2", 10, 4)]);
    await driver.run();
    expect(rows(driver.readOutput("enriched"))).toEqual(['o1 {"amount":10,"name":"Bob"}@4']);
  });

  it("restores its stores: after a restart, a customer's update reaches the orders that subscribed before", async () => {
    const log = openEmbeddedLog(":memory:");
    try {
      const topology = await compileWeir(foreignKey);
      log.createTopic("customers", 2);
      log.createTopic("orders", 1);
      log.produce("customers", [{ key: "c1", value: JSON.stringify({ id: "c1", name: "Ann" }), timestamp: 1 }]);
      log.produce("orders", [{ key: "o1", value: JSON.stringify({ id: "o1", customerId: "c1", amount: 3 }), timestamp: 2 }]);
      await runEmbedded(topology, { log });
      log.produce("customers", [{ key: "c1", value: JSON.stringify({ id: "c1", name: "Ann2" }), timestamp: 3 }]);
      await runEmbedded(topology, { log });
      log.produce("orders", [{ key: "o1", value: null, timestamp: 4 }]);
      await runEmbedded(topology, { log });
      expect(rows(log.consume("enriched"))).toEqual(['o1 {"amount":3,"name":"Ann"}@2', 'o1 {"amount":3,"name":"Ann2"}@3', "o1 null@4"]);
    } finally {
      log.close();
    }
  });
});
