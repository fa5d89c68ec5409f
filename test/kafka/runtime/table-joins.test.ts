// Table-table and foreign-key joins on the Kafka engine against the real
// broker: the same .weir file as on the embedded engine, read with
// read_committed. Topics have several partitions; the orders and customers
// topics have different counts (a foreign-key join needs no co-partitioning).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runKafka } from "../../../runtime/kafka.ts";
import { loadTopology } from "../../../src/compiled-module.ts";
import { dedent } from "../../helpers/dedent.ts";
import { BROKERS, connectBroker, createTopic, readCommitted, uniqueName, type Broker, type ReadRecord } from "../helpers.ts";

let broker: Broker;
beforeAll(async () => {
  broker = await connectBroker();
});
afterAll(async () => {
  await broker?.close();
});

const now = Date.now();

async function produce(topic: string, records: { key: string; value: unknown; at: number }[]): Promise<void> {
  await broker.producer.send({
    topic,
    acks: -1,
    messages: records.map((r) => ({ key: r.key, value: r.value === null ? null : JSON.stringify(r.value), timestamp: String(now + r.at) })),
  });
}

/**
 * The latest value of each key in a topic's records, with null values removing
 * the key: what a table reading it holds. A key's records are in one partition,
 * in the order they were written (readCommitted reads partition by partition).
 */
function latest(records: readonly ReadRecord[]): Map<string, unknown> {
  const rows = new Map<string, unknown>();
  for (const record of records) {
    if (record.value === null) rows.delete(record.key!);
    else rows.set(record.key!, JSON.parse(record.value));
  }
  return rows;
}

describe("table joins on Kafka", () => {
  it("a left and a right table-table join and a foreign-key join, run twice (state restored): the tables their inputs imply", async () => {
    const app = uniqueName("weir-test-tj");
    const topic = (name: string) => `${app}-${name}`;
    const source = dedent`
      application ${app.replaceAll("-", "")}
      schema Customer { id: string, name: string }
      schema Address { city: string }
      schema Order { id: string, customerId: string, amount: number }
      table customers from topic "${topic("customers")}" key string value json Customer
      table addresses from topic "${topic("addresses")}" key string value json Address
      table orders from topic "${topic("orders")}" key string value json Order
      table withCity = customers
        | left join addresses
        | select { name, city: addresses.city }
      table enriched = orders
        | join customers on customerId
        | select { amount, name: customers.name }
      table located = customers
        | right join addresses
        | select { name, city: addresses.city }
      sink withCity to topic "${topic("with-city")}"
      sink enriched to topic "${topic("enriched")}"
      sink located to topic "${topic("located")}"
    `;
    const loaded = await loadTopology(join(import.meta.dirname, "table-joins.weir"), source);
    expect(loaded.diagnostics).toEqual([]);
    const topology = loaded.topology!;
    await createTopic(broker, topic("customers"), 3);
    await createTopic(broker, topic("addresses"), 3);
    await createTopic(broker, topic("orders"), 2);

    const customers = Array.from({ length: 12 }, (_, i) => ({ key: `c${i}`, value: { id: `c${i}`, name: `n${i}` }, at: i }));
    const addresses = Array.from({ length: 6 }, (_, i) => ({ key: `c${i * 2}`, value: { city: `city${i}` }, at: 20 + i }));
    const orders = Array.from({ length: 30 }, (_, i) => ({ key: `o${i}`, value: { id: `o${i}`, customerId: `c${i % 15}`, amount: i }, at: 40 + i }));
    await produce(topic("customers"), customers);
    await produce(topic("addresses"), addresses);
    await produce(topic("orders"), orders);
    await runKafka(topology, { brokers: BROKERS, cacheMaxBytes: 0 });

    // Second run, restored from the changelogs: c1 renamed, c2 deleted, c13 created, o1 moves to c13, o3 deleted.
    await produce(topic("customers"), [
      { key: "c1", value: { id: "c1", name: "renamed" }, at: 100 },
      { key: "c2", value: null, at: 101 },
      { key: "c13", value: { id: "c13", name: "n13" }, at: 102 },
    ]);
    await produce(topic("orders"), [
      { key: "o1", value: { id: "o1", customerId: "c13", amount: 1 }, at: 103 },
      { key: "o3", value: null, at: 104 },
    ]);
    await runKafka(topology, { brokers: BROKERS, cacheMaxBytes: 0 });

    const names = new Map<string, string>(customers.map((c) => [c.key, c.value.name]));
    names.set("c1", "renamed");
    names.delete("c2");
    names.set("c13", "n13");
    const cities = new Map(addresses.map((a) => [a.key, a.value.city]));
    const orderRows = new Map(orders.map((o) => [o.key, o.value]));
    orderRows.set("o1", { id: "o1", customerId: "c13", amount: 1 });
    orderRows.delete("o3");

    const expectedWithCity = new Map([...names].map(([id, name]) => [id, { name, city: cities.get(id) ?? null }]));
    const expectedEnriched = new Map(
      [...orderRows].filter(([, o]) => names.has(o.customerId)).map(([id, o]) => [id, { amount: o.amount, name: names.get(o.customerId)! }]),
    );
    expect(latest(await readCommitted(broker, topic("with-city")))).toEqual(expectedWithCity);
    expect(latest(await readCommitted(broker, topic("enriched")))).toEqual(expectedEnriched);
    // A right join: a row per address, its customer's name or null (c2 was deleted in the second run).
    const expectedLocated = new Map([...cities].map(([id, city]) => [id, { name: names.get(id) ?? null, city }]));
    expect(expectedLocated.get("c2")).toEqual({ name: null, city: "city1" });
    expect(latest(await readCommitted(broker, topic("located")))).toEqual(expectedLocated);
  }, 180_000);
});
