// Each state store's shape, as the planner decides it: what changes it (and
// so refuses a start over state written before the change) and what does not.
import { describe, expect, it } from "vitest";
import { analyze } from "../../compiler/compile.ts";
import { formatDiagnostics } from "../../compiler/diagnostic-printer.ts";
import { planTopology, type TopologyPlan } from "../../compiler/plan.ts";
import type { StoreShapePlan } from "../../compiler/store-shapes.ts";
import { describeShapeChange } from "../../runtime/store-shape.ts";
import { dedent } from "../helpers/dedent.ts";

function plan(source: string): TopologyPlan {
  const analysis = analyze(source, { path: "shapes.weir" });
  expect(formatDiagnostics(analysis.diagnostics, source)).toBe("");
  return planTopology(analysis.checked!, source);
}

/** Every store of the plan with its shape, by store name. */
function shapes(source: string): Map<string, StoreShapePlan> {
  const found = new Map<string, StoreShapePlan>();
  for (const collection of plan(source).collections) {
    if (collection.start.kind === "source" && collection.start.shape) found.set(collection.name, collection.start.shape);
    for (const operation of collection.operations) {
      switch (operation.kind) {
        case "aggregate":
        case "tableAggregate":
        case "dedup":
        case "materialize":
          found.set(operation.store, operation.shape);
          break;
        case "streamJoin":
          found.set(operation.stores.this, operation.shapes.this);
          found.set(operation.stores.other, operation.shapes.other);
          break;
        case "foreignKeyJoin":
          found.set(`${operation.prefix}-foreign-keys`, operation.shapes.foreignKeys);
          found.set(`${operation.prefix}-subscriptions`, operation.shapes.subscriptions);
          break;
      }
    }
  }
  return found;
}

function shapeOf(source: string, store: string): StoreShapePlan {
  const shape = shapes(source).get(store);
  if (!shape) throw new Error(`no store ${store}`);
  return shape;
}

const stats = dedent`
  application stats

  schema Order { customer: string, amount: number, ts: timestamp }

  stream orders from topic "orders" key string value json Order event time ts

  table stats = orders
    | group by customer
    | aggregate { total: sum(amount) }

  sink stats to topic "stats-out"
`;

describe("store shapes", () => {
  it("an aggregation's shape: its key and how it was partitioned, its functions with their arguments, its value type", () => {
    expect(shapeOf(stats, "stats")).toEqual({
      kind: "aggregate",
      key: "string (encoded as text), grouped by customer",
      value: "{ total: sum(amount) }",
      fields: ["total: sum(amount)"],
      valueType: "{ total: number }",
      fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
  });

  it("adding fields to an aggregation changes its shape, and the change says which fields came", () => {
    const before = shapeOf(stats, "stats");
    const after = shapeOf(stats.replace("{ total: sum(amount) }", "{ total: sum(amount), biggest: max(amount), n: count() }"), "stats");
    expect(after.fingerprint).not.toBe(before.fingerprint);
    expect(describeShapeChange(before, after)).toBe(
      "with value { total: sum(amount) } but this topology has { total: sum(amount), biggest: max(amount), n: count() } (added biggest, n)",
    );
    const changed = shapeOf(stats.replace("{ total: sum(amount) }", "{ total: sum(amount * 2) }"), "stats");
    expect(describeShapeChange(before, changed)).toBe("with value { total: sum(amount) } but this topology has { total: sum(amount * 2) } (changed total)");
  });

  it("a formatting-only edit leaves every shape as it was", () => {
    const reformatted = dedent`
      application stats
      // The same topology, laid out otherwise and commented.
      schema Order {
        customer: string,
        amount: number,
        ts: timestamp
      }
      stream orders from topic "orders" key string value json Order event time ts
      table stats = orders | group by customer | aggregate {
        total: sum(  amount  )   // the running total
      }
      sink stats to topic "stats-out"
    `;
    expect(shapes(reformatted)).toEqual(shapes(stats));
  });

  it("changes elsewhere leave the store's shape as it was: steps before the group by, other streams and sinks, the sink's topic", () => {
    const elsewhere = dedent`
      application stats

      schema Order { customer: string, amount: number, ts: timestamp }

      stream orders from topic "orders" key string value json Order event time ts
      stream big = orders | where amount > 100

      table stats = orders
        | where amount > 0
        | group by customer
        | aggregate { total: sum(amount) }

      sink stats to topic "stats-elsewhere" value { customer: key, total }
      sink big to topic "big-orders"
    `;
    expect(shapeOf(elsewhere, "stats")).toEqual(shapeOf(stats, "stats"));
  });

  it("the key, its encoding and what it groups by are part of an aggregation's shape: the key as read, another field of the same type, or a number", () => {
    const byKey = dedent`
      application stats
      schema Order { customer: string, region: string, zone: number, amount: number }
      stream orders from topic "orders" key string value json Order
      table stats = orders | group by key | count
      sink stats to topic "stats-out"
    `;
    const before = shapeOf(byKey, "stats");
    expect(before.key).toBe("string (encoded as text), grouped by key");
    // Two string fields are encoded alike, but group other records together: another store.
    const byCustomer = shapeOf(byKey.replace("group by key", "group by customer"), "stats");
    const byRegion = shapeOf(byKey.replace("group by key", "group by region"), "stats");
    expect(describeShapeChange(byCustomer, byRegion)).toBe("with key string (encoded as text), grouped by customer but this topology has string (encoded as text), grouped by region");
    expect(byCustomer.fingerprint).not.toBe(before.fingerprint);
    const byNumber = shapeOf(byKey.replace("group by key", "group by zone"), "stats");
    expect(describeShapeChange(before, byNumber)).toBe("with key string (encoded as text), grouped by key but this topology has number (encoded as JSON), grouped by zone");
    // Written otherwise, grouped by the same expression: the same store.
    expect(shapeOf(byKey.replace("group by key", "group by (customer)"), "stats")).toEqual(byCustomer);
  });

  const windowed = (window: string) => dedent`
    application clicks
    schema Click { page: string, ts: timestamp }
    stream clicks from topic "clicks" key string value json Click event time ts
    table perMinute = clicks | group by page | window ${window} | count
    sink perMinute to topic "per-minute"
  `;

  it("a window's kind, size, advance and grace are part of the shape; its emit mode is not", () => {
    const base = shapeOf(windowed("tumbling 1 minute"), "perMinute");
    expect(base).toMatchObject({ kind: "windowed aggregate", value: "count", valueType: "integer", window: "tumbling windows: size 60000 ms, grace 0 ms" });
    expect(describeShapeChange(base, shapeOf(windowed("tumbling 2 minutes"), "perMinute"))).toBe(
      "with window tumbling windows: size 60000 ms, grace 0 ms but this topology has tumbling windows: size 120000 ms, grace 0 ms",
    );
    expect(shapeOf(windowed("tumbling 1 minute grace 10 seconds"), "perMinute").fingerprint).not.toBe(base.fingerprint);
    expect(shapeOf(windowed("hopping 5 minutes advance 1 minute"), "perMinute").fingerprint).not.toBe(
      shapeOf(windowed("hopping 5 minutes advance 2 minutes"), "perMinute").fingerprint,
    );
    expect(shapeOf(windowed("session 30 minutes"), "perMinute").fingerprint).not.toBe(shapeOf(windowed("session 20 minutes"), "perMinute").fingerprint);
    expect(shapeOf(windowed("tumbling 1 minute grace 0s emit final"), "perMinute")).toEqual(base);
  });

  it("a store that becomes windowed changes kind and window", () => {
    const plain = dedent`
      application clicks
      schema Click { page: string, ts: timestamp }
      stream clicks from topic "clicks" key string value json Click event time ts
      table perMinute = clicks | group by page | count
      sink perMinute to topic "per-minute"
    `;
    expect(describeShapeChange(shapeOf(plain, "perMinute"), shapeOf(windowed("tumbling 1 minute"), "perMinute"))).toBe(
      "as an aggregate but this topology has a windowed aggregate; and with no window but this topology has tumbling windows: size 60000 ms, grace 0 ms",
    );
  });

  it("every other kind of store has a shape: tables read from topics or materialized, table aggregates, dedup stores, join buffers, foreign-key joins", () => {
    const source = dedent`
      application shop
      schema Customer { id: string, tier: string }
      schema Order { id: string, customerId: string, amount: number, ts: timestamp }
      table customers from topic "customers" key string value json Customer
      table orderRows from topic "order-rows" key string value json Order
      stream orders from topic "orders" key string value json Order event time ts
      stream payments from topic "payments" key string value json Order event time ts
      table gold = customers | where tier == "gold"
      table perTier = customers | group by tier | count
      stream unique = orders | dedup within 10 minutes
      stream paid = orders | join payments within 1 hour | select { id, paid: payments.amount }
      table withCustomer = orderRows | left join customers on customerId | select { amount, tier: customers.tier }
      sink gold to topic "gold"
      sink perTier to topic "per-tier"
      sink unique to topic "unique"
      sink paid to topic "paid"
      sink withCustomer to topic "with-customer"
    `;
    const found = shapes(source);
    expect(Object.fromEntries([...found].map(([store, shape]) => [store, [shape.kind, shape.key, shape.value, shape.window]]))).toEqual({
      customers: ["table", "string (encoded as text)", "{ id: string, tier: string }", undefined],
      orderRows: ["table", "string (encoded as text)", "{ id: string, customerId: string, amount: number, ts: timestamp }", undefined],
      gold: ["table", "string (encoded as text)", "{ id: string, tier: string }", undefined],
      perTier: ["table aggregate", "string (encoded as text), grouped by tier", "count", undefined],
      "unique-dedup": ["dedup store", "string (encoded as text)", "last kept time by key", "within 600000 ms"],
      "paid-join-this": ["join buffer", "string (encoded as text)", "{ id: string, customerId: string, amount: number, ts: timestamp }", "join within 3600000 ms, grace 0 ms"],
      "paid-join-other": ["join buffer", "string (encoded as text)", "{ id: string, customerId: string, amount: number, ts: timestamp }", "join within 3600000 ms, grace 0 ms"],
      "withCustomer-foreign-keys": ["foreign-key index", "string (encoded as text)", "foreign key string", undefined],
      "withCustomer-subscriptions": ["foreign-key subscriptions", "string (encoded as text) and left key string", "hash of the left row", undefined],
      withCustomer: ["table", "string (encoded as text)", "{ amount: number, tier: string or null }", undefined],
    });
    for (const shape of found.values()) expect(shape.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it("a table's value type, a dedup's and a join's windows are parts of their shapes", () => {
    const source = (schema: string, within: string, join: string) => dedent`
      application shop
      schema Customer { ${schema} }
      schema Event { id: string, ts: timestamp }
      table customers from topic "customers" key string value json Customer
      stream orders from topic "orders" key string value json Event event time ts
      stream payments from topic "payments" key string value json Event event time ts
      stream unique = orders | dedup within ${within}
      stream paid = orders | ${join} payments within 1 hour
      sink customers to topic "c"
      sink unique to topic "u"
      sink paid to topic "p"
    `;
    const base = shapes(source("id: string", "10 minutes", "join"));
    const changed = (other: Map<string, StoreShapePlan>) => [...base.keys()].filter((store) => base.get(store)!.fingerprint !== other.get(store)!.fingerprint);
    expect(changed(shapes(source("id: string, tier: string", "10 minutes", "join")))).toEqual(["customers"]);
    expect(changed(shapes(source("id: string", "20 minutes", "join")))).toEqual(["unique-dedup"]);
    expect(changed(shapes(source("id: string", "10 minutes", "left join")))).toEqual(["paid-join-this", "paid-join-other"]);
    // A schema renamed with the same fields is the same shape: stores hold fields, not schema names.
    expect(changed(shapes(source("id: string", "10 minutes", "join").replaceAll("Customer", "Client")))).toEqual([]);
  });
});
