// The plan decides where records are repartitioned and what state stores are
// named: decisions that change partitioning or state must be exactly these.
import { describe, expect, it } from "vitest";
import { analyze } from "../../compiler/compile.ts";
import { planTopology } from "../../compiler/plan.ts";
import { formatDiagnostics } from "../../compiler/diagnostic-printer.ts";

function plan(source: string) {
  const analysis = analyze(source, { path: "plan.weir" });
  expect(formatDiagnostics(analysis.diagnostics, source)).toBe("");
  return planTopology(analysis.checked!, source);
}

const header = `application app
schema Order { id: string, customerId: string, amount: number }
stream orders from topic "orders" key string value json Order
`;

describe("planTopology", () => {
  it("repartitions on group by an expression, and names the store after the table", () => {
    const result = plan(`${header}table totals = orders | group by customerId | sum amount\nsink totals to topic "t"\n`);
    const totals = result.collections.find((c) => c.name === "totals")!;
    expect(totals.operations.map((o) => o.kind)).toEqual(["groupBy", "aggregate"]);
    // A string group key is text on the repartition topic (the key encoding rule).
    expect(totals.operations[0]).toMatchObject({ kind: "groupBy", node: "totals-1-group-by", repartition: "totals", keyFormat: { kind: "string" } });
    expect(totals.operations[1]).toMatchObject({ kind: "aggregate", store: "totals", node: "totals-2-sum" });
  });

  it("types the key after group by a field that may be null as not null (such records are dropped), for streams and tables", () => {
    const result = plan(
      `${header.replace("amount: number }", "amount: number, coupon?: string }")}table perCoupon = orders | group by coupon | count\n` +
        `table customers from topic "customers" key string value json Customer\nschema Customer { tier?: string }\ntable perTier = customers | group by tier | count\n` +
        `sink perCoupon to topic "p" value { coupon: upper(key), n: value }\nsink perTier to topic "t" value { tier: lower(key) }\n`,
    );
    expect(result.collections.find((c) => c.name === "perCoupon")!.shape.key).toEqual({ kind: "string" });
    expect(result.collections.find((c) => c.name === "perTier")!.shape.key).toEqual({ kind: "string" });
  });

  it("tells the runtime which expressions read no value, so that a tombstone's key or topic can be computed", () => {
    const result = plan(
      `${header}stream a = orders | rekey upper(key) + toString(timestamp)\nstream b = orders | rekey customerId\n` +
        `sink a to topic "a-" + key\nsink b to topic "b-" + customerId\nsink orders to topic "o"\n`,
    );
    const rekey = (name: string) => result.collections.find((c) => c.name === name)!.operations[0];
    expect([rekey("a"), rekey("b")]).toMatchObject([{ kind: "selectKey", fromKeyOnly: true }, { kind: "selectKey", fromKeyOnly: false }]);
    expect(result.sinks.map((sink) => [sink.input, sink.topicReadsValue])).toEqual([
      ["a", false],
      ["b", true],
      ["orders", false],
    ]);
  });

  it("does not repartition on group by key when the key is unchanged", () => {
    const result = plan(`${header}table totals = orders | group by key | count\nsink totals to topic "t"\n`);
    expect(result.collections.find((c) => c.name === "totals")!.operations.map((o) => o.kind)).toEqual(["aggregate"]);
  });

  it("repartitions on group by key after a rekey, also one declared in another stream, as any group by (dropping tombstones and null keys first)", () => {
    const result = plan(
      `${header}stream byCustomer = orders | rekey customerId\ntable totals = byCustomer | group by key | count\nsink totals to topic "t"\n`,
    );
    expect(result.collections.find((c) => c.name === "totals")!.operations).toMatchObject([
      { kind: "groupBy", node: "totals-1-group-by", repartition: "totals", keyFormat: { kind: "string" } },
      { kind: "aggregate" },
    ]);
  });

  it("keeps a table transformed as a table in a store named after it", () => {
    const result = plan(`${header}table customers from topic "customers" key string value json\ntable gold = customers | where value.tier == "gold" | select { name: value.name }\nsink gold to topic "g"\nsink orders to topic "o"\n`);
    const gold = result.collections.find((c) => c.name === "gold")!;
    expect(gold.operations.map((o) => o.kind)).toEqual(["tableFilter", "tableMapValues", "materialize"]);
    expect(gold.operations[2]).toMatchObject({ node: "gold-materialize", store: "gold" });
  });

  it("does not repartition a stream with text keys to join a table grouped by a string: its keys are text too", () => {
    const result = plan(`${header}stream payments from topic "payments" key string value json\ntable totals = orders | group by customerId | count\nstream checked = payments | join totals\nsink checked to topic "c"\n`);
    expect(result.collections.find((c) => c.name === "checked")!.operations.map((o) => o.kind)).toEqual(["join"]);
  });

  it("repartitions a stream with text keys before it joins a table grouped by a key of unknown type (JSON keys), even without a rekey", () => {
    const result = plan(
      `${header}stream payments from topic "payments" key string value json\nstream raw from topic "raw" key string value json\n` +
        `table totals = raw | group by value.ref | count\nstream checked = payments | join totals\nsink checked to topic "c"\nsink orders to topic "o"\n`,
    );
    const checked = result.collections.find((c) => c.name === "checked")!;
    expect(checked.operations.map((o) => o.kind)).toEqual(["repartition", "join"]);
    expect(checked.operations[0]).toEqual({ kind: "repartition", name: "checked" });
  });

  it("does not repartition a stream keyed like an aggregated table: one made by a group by key over a text-keyed topic", () => {
    const result = plan(`${header}stream payments from topic "payments" key string value json\ntable totals = orders | group by key | count\nstream checked = payments | join totals\nsink checked to topic "c"\n`);
    expect(result.collections.find((c) => c.name === "checked")!.operations.map((o) => o.kind)).toEqual(["join"]);
  });

  it("plans a foreign-key join with subscription keys encoded as the right table's topic, responses as the left's", () => {
    const result = plan(
      `${header}table customers from topic "customers" key string value json\ntable byOrder = orders | group by id | aggregate { customerId: latest(customerId) }\ntable enriched = byOrder | join customers on customerId\nsink enriched to topic "e"\n`,
    );
    const enriched = result.collections.find((c) => c.name === "enriched")!;
    expect(enriched.operations[0]).toMatchObject({ kind: "foreignKeyJoin", prefix: "enriched", left: false, subscriptionKey: { kind: "string" }, responseKey: { kind: "string" } });
  });

  it("writes a string as text and anything else as JSON when a sink names no format", () => {
    const result = plan(`${header}table totals = orders | group by customerId | count\nsink totals to topic "t"\n`);
    expect(result.sinks[0]).toMatchObject({ keyFormat: { kind: "string" }, valueFormat: { kind: "json" } });
  });

  it("puts the window, in milliseconds, on the aggregation, whose store is named after the table", () => {
    const result = plan(
      `${header.replace("amount: number }", "amount: number, ts: number }").replace("json Order", "json Order event time ts")}` +
        `table rolling = orders | group by customerId | window hopping 5 minutes advance 30s grace 1500 ms emit final | count\n` +
        `table perDay = orders | group by key | window tumbling 1 day | count\n` +
        `table recent = orders | group by key | window sliding 10 minutes grace 1 min | count\n` +
        `sink rolling to topic "r"\nsink perDay to topic "d"\nsink recent to topic "e"\n`,
    );
    const rolling = result.collections.find((c) => c.name === "rolling")!;
    expect(rolling.operations.map((o) => o.kind)).toEqual(["groupBy", "aggregate"]);
    expect(rolling.operations[1]).toMatchObject({
      store: "rolling",
      node: "rolling-3-count",
      window: { kind: "hopping", sizeMs: 300_000, advanceMs: 30_000, graceMs: 1500, emit: "final" },
    });
    const perDay = result.collections.find((c) => c.name === "perDay")!;
    expect(perDay.operations).toMatchObject([{ kind: "aggregate", window: { kind: "tumbling", sizeMs: 86_400_000, graceMs: 0, emit: "changes" } }]);
    expect(perDay.shape.window).toBe("time");
    const recent = result.collections.find((c) => c.name === "recent")!;
    expect(recent.operations).toMatchObject([{ kind: "aggregate", window: { kind: "sliding", differenceMs: 600_000, graceMs: 60_000, emit: "changes" } }]);
    expect(recent.shape.window).toBe("time");
  });

  it("dedup: repartitions after a rekey (also one before a merge), not otherwise; stores named after the stream", () => {
    const result = plan(
      `${header}stream byCustomer = orders | rekey customerId\n` +
        `stream once = orders | dedup within 1 min | rekey customerId | dedup by id within 2 min\n` +
        `stream merged = orders | merge byCustomer | dedup within 1 s\n` +
        `table counts = orders | rekey customerId | dedup within 1 s | group by key | count\n` +
        `sink once to topic "o"\nsink merged to topic "m"\nsink counts to topic "c"\n`,
    );
    const operations = (name: string) => result.collections.find((c) => c.name === name)!.operations;
    expect(operations("once")).toMatchObject([
      { kind: "dedup", node: "once-1-dedup", store: "once-dedup", withinMs: 60_000, by: undefined },
      { kind: "selectKey", fromKeyOnly: false },
      { kind: "repartition", name: "once", keyFormat: { kind: "string" } },
      { kind: "dedup", node: "once-3-dedup", store: "once-3-dedup", withinMs: 120_000 },
    ]);
    expect(operations("merged").map((o) => o.kind)).toEqual(["merge", "repartition", "dedup"]);
    // A table's repartitions are named after their step; the group by key after the dedup needs none.
    expect(operations("counts")).toMatchObject([{ kind: "selectKey" }, { kind: "repartition", name: "counts-2" }, { kind: "dedup", store: "counts-dedup" }, { kind: "aggregate", store: "counts" }]);
  });

  it("dedup after merging topics whose keys are encoded differently: repartitioned, so that equal keys meet", () => {
    const result = plan(
      `${header}stream a from topic "a" key string value string\nstream b from topic "b" key json value string\n` +
        `stream same = a | merge a2 | dedup within 1 s\nstream a2 from topic "a2" key string value string\n` +
        `stream mixed = a | merge b | dedup within 1 s\nsink same to topic "s"\nsink mixed to topic "m"\nsink orders to topic "o"\n`,
    );
    const kinds = (name: string) => result.collections.find((c) => c.name === name)!.operations.map((o) => o.kind);
    expect(kinds("same")).toEqual(["merge", "dedup"]);
    expect(kinds("mixed")).toEqual(["merge", "repartition", "dedup"]);
  });

  it("branch: one plan shared by the arms, a node named after the input and the first arm", () => {
    const result = plan(`${header}branch orders { big: amount > 100, rest: else }\nsink big to topic "b"\nsink rest to topic "r"\n`);
    const big = result.collections.find((c) => c.name === "big")!;
    const rest = result.collections.find((c) => c.name === "rest")!;
    expect(big.start).toBe(rest.start);
    expect(big.start).toMatchObject({ kind: "branch", node: "orders-branch-big", from: "orders", arms: [{ name: "big" }, { name: "rest", condition: undefined }] });
  });

  describe("stream-stream joins", () => {
    const payments = `${header}schema Payment { orderId: string, amount: number }
stream payments from topic "payments" key string value json Payment
`;

    it("joins two streams keyed alike without repartitioning, with buffers named after the stream, grace 0 by default", () => {
      const result = plan(`${payments}stream j = orders | left join payments within 5 minutes\nsink j to topic "j"\n`);
      const j = result.collections.find((c) => c.name === "j")!;
      expect(j.operations).toMatchObject([
        { kind: "streamJoin", node: "j-1-left-join", other: "payments", type: "left", window: { beforeMs: 300_000, afterMs: 300_000, graceMs: 0 }, stores: { this: "j-join-this", other: "j-join-other" }, otherRepartition: undefined },
      ]);
    });

    it("repartitions each side whose key changed, encoding the key as the other side's topic does", () => {
      const result = plan(
        `${payments}stream byOrder = payments | rekey orderId\nstream j = orders | outer join byOrder within 1 s grace 2 s | select { id: coalesce(id, byOrder.orderId) }\nstream k = orders | rekey id | join payments within 1 s\nsink j to topic "j"\nsink k to topic "k"\n`,
      );
      const j = result.collections.find((c) => c.name === "j")!;
      expect(j.operations).toMatchObject([
        { kind: "streamJoin", type: "outer", window: { beforeMs: 1000, afterMs: 1000, graceMs: 2000 }, otherRepartition: { name: "j-byOrder", keyFormat: { kind: "string" } } },
        { kind: "mapValues" },
      ]);
      const k = result.collections.find((c) => c.name === "k")!;
      expect(k.operations.map((o) => o.kind)).toEqual(["selectKey", "repartition", "streamJoin"]);
      expect(k.operations[1]).toMatchObject({ kind: "repartition", name: "k", keyFormat: { kind: "string" } });
    });

    it("names the buffers of a second stream-stream join in one pipeline after its step", () => {
      const result = plan(`${payments}stream p2 = payments | where amount > 1\nstream j = orders | join payments within 1 s | join p2 within 1 s\nsink j to topic "j"\n`);
      const stores = result.collections.find((c) => c.name === "j")!.operations.map((o) => (o.kind === "streamJoin" ? o.stores : undefined));
      expect(stores).toEqual([
        { this: "j-join-this", other: "j-join-other" },
        { this: "j-2-join-this", other: "j-2-join-other" },
      ]);
    });
  });

  it("names a per-record sink apart from a fixed sink of the same input to a topic called 'topic-per-record'", () => {
    const result = plan(`${header}sink orders to topic "topic-per-record"\nsink orders to topic "o-" + customerId\nsink orders to topic "p-" + customerId\n`);
    expect(result.sinks.map((sink) => sink.node)).toEqual(["orders-to-topic-per-record", "orders-to-topic-per-record-2", "orders-to-topic-per-record-3"]);
  });

  it("names every node the generated code makes: a stream over a table's changes drops its deletes first, a sink's value is computed by <sink>-value", () => {
    const result = plan(
      `${header.replace("amount: number }", "amount: number, ts: timestamp }").replace("value json Order", "value json Order event time ts")}` +
        `table customers from topic "customers" key string value json Customer\nschema Customer { name: string }\n` +
        `table sessions = orders | group by key | window session 5 minutes | count\ntable totals = orders | group by customerId | count\n` +
        `stream renamed = customers | select { name }\nstream visits = sessions | where value > 1\nstream changes = totals | where value > 1\n` +
        `sink renamed to topic "r"\nsink visits to topic "v"\nsink changes to topic "c"\n` +
        `sink sessions to topic "s" value { visits: value }\nsink sessions to topic "s-" + key value { visits: value }\n`,
    );
    const operations = (name: string) => result.collections.find((c) => c.name === name)!.operations;
    // A table read from a topic deletes rows; a session-windowed one retracts merged sessions; an aggregation deletes nothing.
    expect(operations("renamed")).toMatchObject([{ kind: "dropDeletes", node: "renamed-0-updates" }, { kind: "mapValues" }]);
    expect(operations("visits")).toMatchObject([{ kind: "dropDeletes", node: "visits-0-sessions" }, { kind: "filter" }]);
    expect(operations("changes")).toMatchObject([{ kind: "filter" }]);
    expect(result.collections.find((c) => c.name === "changes")!.start).toEqual({ kind: "collection", name: "totals", changes: true });
    // A topic computed per record reads the record as it is: the sink then computes the value itself.
    const sinks = result.sinks.filter((sink) => sink.input === "sessions");
    expect(sinks.map((sink) => [sink.node, sink.valueNode, sink.tombstones, sink.topicOfTombstones])).toEqual([
      ["sessions-to-s", "sessions-to-s-value", true, false],
      ["sessions-to-topic-per-record", undefined, true, true],
    ]);
  });
});
