// Tombstones (records with a null value) on streams, step by step, as
// docs/language.md ("Null values on streams") says: a stream source forwards
// them; stateless steps forward them without evaluating the user's
// expressions; `where`, aggregations and joins drop them, as Kafka Streams
// and ksqlDB do; sinks write real null values. And the key after `group by`:
// records whose group key is null are dropped, so it is never null.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ConsumedRecord } from "../../runtime/embedded.ts";
import { TopologyTestDriver } from "../../runtime/testing.ts";
import type { Topology } from "../../runtime/topology/graph.ts";
import { loadTopology } from "../../src/compiled-module.ts";
import { formatDiagnostics } from "../../src/index.ts";
import { dedent } from "../helpers/dedent.ts";

async function load(source: string): Promise<Topology> {
  const loaded = await loadTopology(join(import.meta.dirname, "null-values.weir"), source);
  if (!loaded.topology) throw new Error(formatDiagnostics(loaded.diagnostics, source));
  return loaded.topology;
}

const header = dedent`
  application nulls
  schema Order { id: string, customerId: string, amount: number, region: string, coupon?: string }
  stream orders from topic "orders" key string value json Order
`;

const order = (key: string, amount: number, timestamp: number, coupon?: string) => ({
  key,
  value: { id: key, customerId: `c-${key}`, amount, region: "eu", ...(coupon ? { coupon } : {}) },
  timestamp,
});
const tombstone = (key: string, timestamp: number) => ({ key, value: null, timestamp });

/** key value@timestamp, with `null` for a tombstone. */
const rows = (records: readonly ConsumedRecord[]) => records.map((r) => `${String(r.key)} ${JSON.stringify(r.value)}@${r.timestamp}`);

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

async function runWith(source: string, input: { key: string; value: unknown; timestamp: number }[]) {
  driver = new TopologyTestDriver(await load(`${header}\n${source}`));
  driver.pipeInput("orders", input);
  return driver.run();
}

describe("a tombstone on a stream", () => {
  it("is copied by a sink as a real null value (a plain copy, `value EXPR`, headers: none computed)", async () => {
    await runWith(
      dedent`
        stream copy = orders
        sink copy to topic "copy"
        sink orders to topic "projected" value { id, amount }
        sink orders to topic "with-headers" headers { region }
      `,
      [order("o1", 5, 1), tombstone("o1", 2)],
    );
    expect(rows(driver!.readOutput("copy"))).toEqual(['o1 {"id":"o1","customerId":"c-o1","amount":5,"region":"eu","coupon":null}@1', "o1 null@2"]);
    expect(driver!.log.consume("copy")[1]!.value).toBeNull();
    expect(rows(driver!.readOutput("projected"))).toEqual(['o1 {"id":"o1","amount":5}@1', "o1 null@2"]);
    expect(driver!.readOutput("with-headers").map((r) => [r.key, r.value === null, r.headers])).toEqual([
      ["o1", false, { region: "eu" }],
      ["o1", true, undefined],
    ]);
  });

  it("passes `select` as a tombstone: the projection is not evaluated", async () => {
    const summary = await runWith(`stream picked = orders | select { id, big: amount > 10 }\nsink picked to topic "picked"`, [tombstone("o1", 1), order("o2", 20, 2)]);
    expect(rows(driver!.readOutput("picked"))).toEqual(["o1 null@1", 'o2 {"id":"o2","big":true}@2']);
    expect(summary.deadLettered).toBe(0);
  });

  it("gets a null key from `rekey` of the value (as ksqlDB's PARTITION BY), and its key from `rekey` of the key alone", async () => {
    await runWith(
      dedent`
        stream byCustomer = orders | rekey customerId
        stream shouted = orders | rekey upper(key) + "-" + toString(timestamp)
        sink byCustomer to topic "by-customer"
        sink shouted to topic "shouted"
      `,
      [tombstone("o1", 1), order("o2", 1, 2)],
    );
    expect(rows(driver!.readOutput("by-customer"))).toEqual(["null null@1", 'c-o2 {"id":"o2","customerId":"c-o2","amount":1,"region":"eu","coupon":null}@2']);
    expect(rows(driver!.readOutput("shouted")).map((r) => r.split(" ")[0] + " " + r.split(" ")[1]!.slice(0, 4))).toEqual(["O1-1 null", "O2-2 {\"id"]);
  });

  it("gets a null key from `rekey` whose `in` or `between` reads the value, and is written by the other sinks", async () => {
    const summary = await runWith(
      dedent`
        stream byRegion = orders | rekey if region in ["eu", "us"] then "r" else key
        stream bySize = orders | rekey if amount between 1 and 10 then "small" else "big"
        sink byRegion to topic "by-region"
        sink bySize to topic "by-size"
        sink orders to topic "copy"
      `,
      [tombstone("o1", 1), order("o2", 5, 2)],
    );
    expect(summary.deadLettered).toBe(0);
    expect(rows(driver!.readOutput("by-region")).map((r) => r.slice(0, 6))).toEqual(["null n", "r {\"id"]);
    expect(rows(driver!.readOutput("by-size")).map((r) => r.slice(0, 10))).toEqual(["null null@", "small {\"id"]);
    expect(rows(driver!.readOutput("copy")).map((r) => r.slice(0, 7))).toEqual(["o1 null", "o2 {\"id"]);
  });

  it("makes no record in `flatmap`, and is dropped by `where`", async () => {
    await runWith(
      dedent`
        stream parts = orders | flatmap [id, customerId]
        stream any = orders | where amount >= 0 or true
        sink parts to topic "parts"
        sink any to topic "any"
      `,
      [tombstone("o1", 1), order("o2", 1, 2)],
    );
    expect(rows(driver!.readOutput("parts"))).toEqual(['o2 "o2"@2', 'o2 "c-o2"@2']);
    expect(rows(driver!.readOutput("any")).map((r) => r.split(" ")[0])).toEqual(["o2"]);
  });

  it("goes to a branch's else arm (it meets no condition), and is dropped by a branch without one", async () => {
    await runWith(
      dedent`
        branch orders { large: amount > 100, rest: else }
        stream copy = orders
        branch copy { small: amount < 10 }
        sink large to topic "large"
        sink rest to topic "rest"
        sink small to topic "small"
      `,
      [order("o1", 500, 1), tombstone("o2", 2), order("o3", 5, 3)],
    );
    expect(rows(driver!.readOutput("large")).map((r) => r.split(" ")[0])).toEqual(["o1"]);
    expect(rows(driver!.readOutput("rest")).map((r) => r.split(" ").slice(0, 1).join() + (r.includes(" null@") ? " null" : ""))).toEqual(["o2 null", "o3"]);
    expect(rows(driver!.readOutput("small")).map((r) => r.split(" ")[0])).toEqual(["o3"]);
  });

  it("is merged, and passes dedup without being remembered (nor calling `by`)", async () => {
    driver = new TopologyTestDriver(
      await load(dedent`
        ${header}
        stream more from topic "more" key string value json Order
        stream all = orders | merge more
        stream once = orders | dedup within 1 hour
        stream onceById = orders | dedup by upper(id) within 1 hour
        sink all to topic "all"
        sink once to topic "once"
        sink onceById to topic "once-by-id"
      `),
    );
    driver.pipeInput("orders", [order("o1", 1, 1), tombstone("o1", 2), order("o1", 2, 3), tombstone("o2", 4), order("o2", 1, 5)]);
    driver.pipeInput("more", [tombstone("m1", 6)]);
    const summary = await driver.run();
    expect(rows(driver.readOutput("all")).map((r) => r.split(" ")[0] + (r.includes(" null@") ? " null" : ""))).toEqual(["o1", "o1 null", "o1", "o2 null", "o2", "m1 null"]);
    // o1@3 is a duplicate of o1@1 (the tombstone between is not an o1 record kept); o2@5 follows a tombstone only: kept.
    const kept = ["o1 value@1", "o1 null@2", "o2 null@4", "o2 value@5"];
    const shown = (records: ConsumedRecord[]) => records.map((r) => `${String(r.key)} ${r.value === null ? "null" : "value"}@${r.timestamp}`);
    expect(shown(driver.readOutput("once"))).toEqual(kept);
    expect(shown(driver.readOutput("once-by-id"))).toEqual(kept);
    expect(summary.deadLettered).toBe(0);
  });

  it("is dropped by an aggregation before its repartition topic, and by stream-table joins, inner and left", async () => {
    driver = new TopologyTestDriver(
      await load(dedent`
        ${header}
        schema Customer { name: string }
        table customers from topic "customers" key string value json Customer
        table perCustomer = orders | group by customerId | count
        table perKey = orders | group by key | count
        stream named = orders | rekey customerId | join customers | select { id, name: customers.name }
        stream maybeNamed = orders | rekey customerId | left join customers | select { id, name: customers.name }
        stream payments from topic "payments" key string value json Order
        stream paid = orders | left join payments within 1 hour | select { id, paid: payments.amount }
        sink perCustomer to topic "per-customer"
        sink perKey to topic "per-key"
        sink named to topic "named"
        sink maybeNamed to topic "maybe-named"
        sink paid to topic "paid"
      `),
    );
    driver.pipeInput("customers", [{ key: "c-o1", value: { name: "Ann" }, timestamp: 0 }]);
    driver.pipeInput("orders", [order("o1", 1, 1), tombstone("o1", 2), order("o2", 1, 3)]);
    driver.pipeInput("payments", [tombstone("o2", 4), order("o1", 9, 5), order("x", 0, 7_200_000)]);
    const summary = await driver.run();
    expect(rows(driver.readOutput("per-customer"))).toEqual(["c-o1 1@1", "c-o2 1@3"]);
    expect(driver.log.consume("nulls-perCustomer-repartition").map((r) => r.key)).toEqual(["c-o1", "c-o2"]);
    expect(rows(driver.readOutput("per-key"))).toEqual(["o1 1@1", "o2 1@3"]);
    expect(rows(driver.readOutput("named"))).toEqual(['c-o1 {"id":"o1","name":"Ann"}@1']);
    expect(rows(driver.readOutput("maybe-named"))).toEqual(['c-o1 {"id":"o1","name":"Ann"}@1', 'c-o2 {"id":"o2","name":null}@3']);
    // Stream-stream: neither side's tombstone joins (o2's payment tombstone leaves o2 unpaid), nor is emitted as unmatched.
    expect(rows(driver.readOutput("paid"))).toEqual(['o1 {"id":"o1","paid":9}@5', 'o2 {"id":"o2","paid":null}@3']);
    expect(summary.deadLettered).toBe(0);
  });
});

describe("a sink that picks its topic per record", () => {
  it("routes a tombstone by a topic computed from the key, and dead-letters one whose topic is computed from the value", async () => {
    driver = new TopologyTestDriver(
      await load(dedent`
        ${header}
        sink orders to topic "by-key-" + key
        sink orders to topic "by-region-" + region
      `),
    );
    for (const topic of ["by-key-o1", "by-key-o2", "by-region-eu"]) driver.log.createTopic(topic, 1);
    driver.pipeInput("orders", [order("o1", 1, 1), tombstone("o2", 2)]);
    const summary = await driver.run();
    // Topics picked per record carry no format: their values read back as text.
    const shown = (records: ConsumedRecord[]) => records.map((r) => `${String(r.key)} ${r.value === null ? "null" : (JSON.parse(r.value as string) as { id: string }).id}@${r.timestamp}`);
    expect(shown(driver.readOutput("by-key-o1"))).toEqual(["o1 o1@1"]);
    expect(shown(driver.readOutput("by-key-o2"))).toEqual(["o2 null@2"]);
    expect(shown(driver.readOutput("by-region-eu"))).toEqual(["o1 o1@1"]);
    expect(summary.deadLettered).toBe(1);
    const [letter] = driver.readOutput("nulls-dlq").map((r) => r.value as { reason: string; detail: string; node: string; key: string; value: null });
    expect(letter).toMatchObject({
      reason: "tombstone-topic",
      detail: "the topic is computed from the value, and a tombstone (a null value) has none",
      node: "orders-to-topic-per-record-2",
      key: "o2",
      value: null,
    });
  });
});

describe("the key after group by", () => {
  it("is not null: records whose group key is null are dropped, before the repartition topic", async () => {
    await runWith(
      dedent`
        table perCoupon = orders | group by coupon | count
        sink perCoupon to topic "per-coupon" value { coupon: upper(key), uses: value }
        stream popular = perCoupon | where length(key) > 3 and value > 1
        sink popular to topic "popular"
      `,
      [order("o1", 1, 1, "save10"), order("o2", 1, 2), order("o3", 1, 3, "save10"), order("o4", 1, 4, "vip")],
    );
    expect(rows(driver!.readOutput("per-coupon"))).toEqual(['save10 {"coupon":"SAVE10","uses":1}@1', 'save10 {"coupon":"SAVE10","uses":2}@3', 'vip {"coupon":"VIP","uses":1}@4']);
    expect(driver!.log.consume("nulls-perCoupon-repartition").map((r) => r.key)).toEqual(["save10", "save10", "vip"]);
    expect(rows(driver!.readOutput("popular"))).toEqual(["save10 2@3"]);
  });

  it("is not null after a rekey either: `group by key` drops tombstones and null keys before its repartition topic", async () => {
    await runWith(
      dedent`
        table couponUses = orders | rekey coupon | group by key | count
        table perUpperKey = orders | rekey upper(key) | group by key | count
        sink couponUses to topic "coupon-uses"
        sink perUpperKey to topic "per-upper-key"
      `,
      [order("o1", 1, 1, "save10"), order("o2", 1, 2), tombstone("o3", 3), order("o4", 1, 4, "save10")],
    );
    expect(rows(driver!.readOutput("coupon-uses"))).toEqual(["save10 1@1", "save10 2@4"]);
    // o2 (no coupon: a null key) and the tombstone (a null key too, its rekey reads the value) never reach the topic.
    expect(driver!.log.consume("nulls-couponUses-repartition").map((r) => [r.key, r.value === null])).toEqual([
      ["save10", false],
      ["save10", false],
    ]);
    // A rekey of the key alone gives the tombstone its key ("O3"): it is dropped all the same.
    expect(rows(driver!.readOutput("per-upper-key"))).toEqual(["O1 1@1", "O2 1@2", "O4 1@4"]);
    expect(driver!.log.consume("nulls-perUpperKey-repartition").map((r) => [r.key, r.value === null])).toEqual([
      ["O1", false],
      ["O2", false],
      ["O4", false],
    ]);
  });

  it("of a table's rows is not null either: a row whose group key is null is in no group", async () => {
    driver = new TopologyTestDriver(
      await load(dedent`
        application nullGroups
        schema Customer { name: string, tier?: string }
        table customers from topic "customers" key string value json Customer
        table perTier = customers | group by tier | count
        sink perTier to topic "per-tier" value { tier: upper(key), customers: value }
      `),
    );
    driver.pipeInput("customers", [
      { key: "a", value: { name: "Ann", tier: "gold" }, timestamp: 1 },
      { key: "b", value: { name: "Bob" }, timestamp: 2 },
      { key: "a", value: { name: "Ann" }, timestamp: 3 },
    ]);
    await driver.run();
    expect(rows(driver.readOutput("per-tier"))).toEqual(['gold {"tier":"GOLD","customers":1}@1', 'gold {"tier":"GOLD","customers":0}@3']);
  });
});
