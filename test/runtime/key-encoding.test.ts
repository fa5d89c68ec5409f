// The one key-encoding rule (docs/language.md, "Keys"): weir writes a string
// key as its UTF-8 text and any other key as JSON, on every topic whose
// partitions it chooses (repartition topics, a foreign-key join's topics,
// sinks). So a table grouped by a string lands each key in the partition a
// string-keyed topic has it in (murmur2 of the text), and the two join.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadTopology } from "../../src/compiled-module.ts";
import type { ConsumedRecord } from "../../runtime/embedded.ts";
import { partitionForKey } from "../../runtime/internal/partitioner.ts";
import { TopologyTestDriver } from "../../runtime/testing.ts";
import type { Topology } from "../../runtime/topology/graph.ts";
import { dedent } from "../helpers/dedent.ts";
import { expectedReport, spendInput, spendReport } from "./fixtures/spend-report.ts";

async function compileWeir(source: string): Promise<Topology> {
  const loaded = await loadTopology(join(import.meta.dirname, "key-encoding.weir"), source);
  if (!loaded.topology) throw new Error(loaded.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return loaded.topology;
}

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

/** The latest value of each key, in the order the records were written per key. */
function latest(records: readonly ConsumedRecord[]): Map<unknown, unknown> {
  const rows = new Map<unknown, unknown>();
  for (const record of records) {
    if (record.value === null) rows.delete(record.key);
    else rows.set(record.key, record.value);
  }
  return rows;
}

describe("the key encoding rule", () => {
  it("a table grouped by a string field has text keys: it joins a string-keyed table, each key in the partition of that topic", async () => {
    driver = new TopologyTestDriver(await compileWeir(spendReport("spend")), { partitions: { customers: 3, orders: 2 } });
    driver.pipeInput("customers", spendInput.customers.map(({ key, value, at }) => ({ key, value, timestamp: at })));
    driver.pipeInput("orders", spendInput.orders.map(({ key, value, at }) => ({ key, value, timestamp: at })));
    await driver.run();

    const repartition = driver.log.topics().find((t) => t.name === "spend-spend-repartition")!;
    expect(repartition).toMatchObject({ partitions: 3, keyFormat: "string" });
    const customerPartitions = new Map(driver.log.consume("customers").map((r) => [r.key, r.partition]));
    const grouped = driver.log.consume("spend-spend-repartition");
    expect(grouped).toHaveLength(30);
    for (const record of grouped) {
      // murmur2 of the text, as Kafka's producer (and Serdes.String()) would place it.
      expect(record.partition).toBe(partitionForKey(Buffer.from(record.key as string, "utf8"), 3));
      if (customerPartitions.has(record.key)) expect(record.partition).toBe(customerPartitions.get(record.key));
    }

    expect(latest(driver.readOutput("report"))).toEqual(expectedReport());
    // c9 has orders but no customer: the inner join has no row for it.
    expect(driver.readTable("spend").get("c9")).toEqual(expect.anything());
  });
});

describe("one rule on every topic weir writes", () => {
  it("string keys as text and other keys as JSON, in repartition topics, a foreign-key join's topics and sinks", async () => {
    const topology = await compileWeir(dedent`
      application keys
      schema Order { id: string, customerId: string, amount: number, ts: timestamp, coupon?: string }
      schema Payment { orderId: string, amount: number, ts: timestamp }
      schema Customer { name: string, tier: string }
      stream orders from topic "orders" key string value json Order event time ts
      stream payments from topic "payments" key string value json Payment event time ts
      table customers from topic "customers" key string value json Customer
      table statuses from topic "statuses" key string value json Order
      table perCustomer = orders | group by customerId | count
      table perAmount = orders | group by amount | count
      table perTier = customers | group by tier | count
      stream alerts = orders | rekey customerId | dedup within 1 hour
      stream byOrder = payments | rekey orderId
      stream paid = orders | rekey id | join byOrder within 5 minutes
      stream tiers = orders | rekey customerId | join customers
      table named = statuses | left join customers on customerId | select { amount, name: customers.name }
      stream byCoupon = orders | rekey coupon
      sink byCoupon to topic "by-coupon"
      sink perAmount to topic "per-amount"
      sink alerts to topic "alerts"
      sink paid to topic "paid"
      sink tiers to topic "tiers"
      sink named to topic "named"
      sink perCustomer to topic "per-customer"
      sink perTier to topic "per-tier"
    `);
    const keyFormats = Object.fromEntries(
      topology.nodes.flatMap((node) => (node.kind === "sink" && node.topic !== undefined ? [[node.topic, node.keyFormat.name]] : [])),
    );
    expect(keyFormats).toEqual({
      "keys-perCustomer-repartition": "string",
      // A number is JSON text.
      "keys-perAmount-repartition": "json",
      "per-amount": "json",
      "keys-perTier-repartition": "string",
      "keys-alerts-repartition": "string",
      "keys-paid-repartition": "string",
      "keys-paid-byOrder-repartition": "string",
      "keys-tiers-repartition": "string",
      "keys-named-subscription-repartition": "string",
      "keys-named-response-repartition": "string",
      // A key that may be null is text too: null is no key at all.
      "by-coupon": "string",
      alerts: "string",
      paid: "string",
      tiers: "string",
      named: "string",
      "per-customer": "string",
      "per-tier": "string",
    });
  });
});
