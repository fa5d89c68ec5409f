// A store's shape recorded in its changelog and checked on start (docs/state.md),
// and resetting an application, on the embedded engine over a real SQLite file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { embeddedDatabasePath, openEmbeddedLog, resetEmbedded, runEmbedded, type EmbeddedLog } from "../../runtime/embedded.ts";
import { ProducerFencedError, StoreShapeError, WeirRuntimeError } from "../../runtime/errors.ts";
import { formats } from "../../runtime/formats.ts";
import { EmbeddedLogImpl } from "../../runtime/internal/embedded-log-impl.ts";
import { describeShapeChange, resetCommand, storeShapeRefusal, type StoreShape } from "../../runtime/store-shape.ts";
import { defineTopology } from "../../runtime/topology/dsl.ts";
import type { Topology } from "../../runtime/topology/graph.ts";
import { windows } from "../../runtime/windows.ts";

let dir: string;
let log: EmbeddedLog;
let impl: EmbeddedLogImpl;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "weir-shapes-"));
  log = openEmbeddedLog(embeddedDatabasePath(dir));
  impl = new EmbeddedLogImpl(embeddedDatabasePath(dir));
});
afterEach(() => {
  impl.close();
  log.close();
  rmSync(dir, { recursive: true, force: true });
});

const totalShape: StoreShape = {
  kind: "aggregate",
  key: "string (encoded as JSON)",
  value: "{ total: sum(amount) }",
  fields: ["total: sum(amount)"],
  valueType: "{ total: number }",
  fingerprint: "1111111111111111",
};
const widerShape: StoreShape = {
  kind: "aggregate",
  key: "string (encoded as JSON)",
  value: "{ total: sum(amount), n: count() }",
  fields: ["total: sum(amount)", "n: count()"],
  valueType: "{ total: number, n: number }",
  fingerprint: "2222222222222222",
};

interface Order {
  customer: string;
  amount: number;
}

/** Totals per customer, as a compiled `group by customer | aggregate { total: sum(amount) }` would be, with the store's shape given (or not). */
function totals(shape: StoreShape | undefined): Topology {
  return defineTopology("shapes", (builder) => {
    builder
      .stream("orders", { topic: "orders", key: formats.string(), value: formats.json<Order>() })
      .selectKey("by-customer", (record) => record.value.customer)
      .repartition("totals")
      .aggregate("totals-aggregate", {
        store: "totals",
        ...(shape ? { shape } : {}),
        aggregator: (fns) => fns.record({ total: fns.sum((record) => record.value.amount) }),
      })
      .to("totals-out", { topic: "totals-out", key: formats.string(), value: formats.json() });
  });
}

const changelog = "shapes-totals-changelog";
const order = (customer: string, amount: number, timestamp: number) => ({ key: `o${timestamp}`, value: { customer, amount }, timestamp });
const positions = () => impl.committedOffsetSync("shapes", "orders", 0);

describe("a store's shape in its changelog", () => {
  it("is written by the task's first commit, before the store's records, marked by a header; restoration does not take it for state", async () => {
    log.createTopic("orders", 1);
    log.produce("orders", [order("a", 5, 1), order("b", 2, 2), order("a", 7, 3)]);
    await runEmbedded(totals(totalShape), { log });
    const written = log.consume(changelog);
    expect(written[0]).toMatchObject({ key: "@weir/store-shape", value: { version: 1, store: "totals", shape: totalShape }, headers: { "weir-record": "store-shape" } });
    expect(written.slice(1).map((r) => [r.key, r.value])).toEqual([
      ["b", { total: 2 }],
      ["a", { total: 12 }],
    ]);

    log.produce("orders", [order("a", 1, 4)]);
    const second = await runEmbedded(totals(totalShape), { log });
    expect(second.restored).toEqual([expect.objectContaining({ store: "totals", records: 2 })]);
    expect(log.consume("totals-out").map((r) => [r.key, r.value])).toContainEqual(["a", { total: 13 }]);
    // Recorded once: the second run found it and did not write it again.
    expect(log.consume(changelog).filter((r) => r.key === "@weir/store-shape")).toHaveLength(1);
  });

  it("refuses a store written in another shape before processing anything, and says what changed", async () => {
    log.createTopic("orders", 1);
    log.produce("orders", [order("a", 5, 1), order("a", 7, 2)]);
    await runEmbedded(totals(totalShape), { log });
    log.produce("orders", [order("a", 1, 3)]);
    const outputs = log.consume("totals-out").length;
    const changelogRecords = log.consume(changelog).length;
    const committed = positions();

    const refused = runEmbedded(totals(widerShape), { log });
    await expect(refused).rejects.toThrowError(StoreShapeError);
    await expect(refused).rejects.toThrowError(
      "store 'totals' was written with value { total: sum(amount) } but this topology has { total: sum(amount), n: count() } (added n)",
    );
    expect(log.consume("totals-out")).toHaveLength(outputs);
    expect(log.consume(changelog)).toHaveLength(changelogRecords);
    expect(positions()).toBe(committed);
  });

  it("state without a shape record (written by an earlier weir, which partitioned string keys otherwise) is refused, nothing processed", async () => {
    log.createTopic("orders", 1);
    log.produce("orders", [order("a", 5, 1)]);
    // A topology without shapes writes the state an earlier weir wrote: no shape record.
    await runEmbedded(totals(undefined), { log });
    expect(log.consume(changelog).map((r) => r.key)).toEqual(["a"]);

    log.produce("orders", [order("a", 7, 2)]);
    await expect(runEmbedded(totals(totalShape), { log })).rejects.toThrowError(
      "store 'totals' was written by an earlier weir, which did not record the shape of its stores (in shapes-totals-changelog-0)",
    );
    expect(log.consume("totals-out").map((r) => r.value)).toEqual([{ total: 5 }]);
    expect(log.consume(changelog).map((r) => r.key)).toEqual(["a"]);
  });

  it("a topology built without shapes neither records nor checks them", async () => {
    log.createTopic("orders", 1);
    log.produce("orders", [order("a", 5, 1)]);
    await runEmbedded(totals(totalShape), { log });
    log.produce("orders", [order("a", 7, 2)]);
    await runEmbedded(totals(undefined), { log });
    expect(log.consume("totals-out").map((r) => r.value)).toEqual([{ total: 5 }, { total: 12 }]);
    expect(log.consume(changelog).filter((r) => r.key === "@weir/store-shape")).toHaveLength(1);
  });

  it("every partition of a store records its shape, an empty one too, when its task first commits", async () => {
    log.createTopic("orders", 3);
    log.produce("orders", [{ ...order("a", 5, 1), partition: 0 }]);
    await runEmbedded(totals(totalShape), { log });
    const shapeRecords = log.consume(changelog).filter((r) => r.key === "@weir/store-shape");
    expect(shapeRecords.map((r) => r.partition).sort()).toEqual([0, 1, 2]);
  });

  it("a shape record of a later weir is refused, not misread", async () => {
    log.createTopic("orders", 1);
    log.createTopic(changelog, 1);
    impl.appendSync([
      { topic: changelog, partition: 0, key: Buffer.from("@weir/store-shape"), value: Buffer.from(JSON.stringify({ version: 2, store: "totals", shape: {} })), timestamp: 0 },
    ]);
    await expect(runEmbedded(totals(totalShape), { log })).rejects.toThrowError(
      "store 'totals' was written by a later weir (its shape record has version 2; this weir reads version 1)",
    );
  });

  it("window stores record and check their shapes too: a changed window size is refused", async () => {
    const perWindow = (sizeMs: number, fingerprint: string) =>
      defineTopology("shapes", (builder) => {
        builder
          .stream("orders", { topic: "orders", key: formats.string(), value: formats.json<Order>() })
          .selectKey("by-customer", (record) => record.value.customer)
          .repartition("totals")
          .windowedBy(windows.tumbling({ sizeMs, graceMs: 0 }))
          .aggregate("totals-aggregate", {
            store: "totals",
            shape: { kind: "windowed aggregate", key: "string (encoded as JSON)", value: "count", valueType: "number", window: `tumbling windows: size ${sizeMs} ms, grace 0 ms`, fingerprint },
            aggregator: (fns) => fns.count(),
          })
          .toStream()
          .to("totals-out", { topic: "totals-out", key: formats.string(), value: formats.json() });
      });
    log.createTopic("orders", 1);
    log.produce("orders", [order("a", 5, 1000)]);
    await runEmbedded(perWindow(60_000, "aaaaaaaaaaaaaaaa"), { log });
    await runEmbedded(perWindow(60_000, "aaaaaaaaaaaaaaaa"), { log });
    await expect(runEmbedded(perWindow(120_000, "bbbbbbbbbbbbbbbb"), { log })).rejects.toThrowError(
      "store 'totals' was written with window tumbling windows: size 60000 ms, grace 0 ms but this topology has tumbling windows: size 120000 ms, grace 0 ms",
    );
  });
});

describe("describing a change", () => {
  const table: StoreShape = { kind: "table", key: "string (encoded as text)", value: "{ id: string }", fingerprint: "1" };

  it("names each changed part; a value type only when the value reads the same", () => {
    expect(describeShapeChange(table, { ...table, key: "string (encoded as JSON)", value: "{ id: string, tier: string }", fingerprint: "2" })).toBe(
      "with key string (encoded as text) but this topology has string (encoded as JSON); and with value { id: string } but this topology has { id: string, tier: string }",
    );
    expect(describeShapeChange({ ...totalShape, valueType: "{ total: string }" }, totalShape)).toBe(
      "with value type { total: string } but this topology has { total: number }",
    );
    expect(describeShapeChange(widerShape, { ...totalShape, value: "{ total: sum(price) }", fields: ["total: sum(price)"] })).toBe(
      "with value { total: sum(amount), n: count() } but this topology has { total: sum(price) } (removed n; changed total)",
    );
    expect(describeShapeChange(table, { ...table, fingerprint: "2" })).toBe("with shape 1 but this topology has 2");
  });

  it("the refusal line names the reset command with the user's own arguments, quoted for a shell when they need it", () => {
    expect(storeShapeRefusal("store 'totals' was written with X", resetCommand("stats.weir", { data: "./data" }))).toBe(
      "store 'totals' was written with X. Reset the application to recompute its state from its inputs: weir reset stats.weir --data ./data",
    );
    expect(resetCommand("my stats.weir", { brokers: "k1:9092,k2:9092", applicationId: "stats-eu" })).toBe(
      "weir reset 'my stats.weir' --brokers k1:9092,k2:9092 --application-id stats-eu",
    );
  });
});

describe("resetting an application (embedded)", () => {
  it("deletes its internal topics and committed offsets, keeps its outputs, and fences a run still going; the next run recomputes from the beginning", async () => {
    log.createTopic("orders", 1);
    log.produce("orders", [order("a", 5, 1), order("a", 7, 2)]);
    await runEmbedded(totals(totalShape), { log });
    expect(positions()).toBe(2);
    // An instance that started before the reset (it holds the application's producer epoch).
    const earlier = await impl.initTransactions("shapes");

    const reset = resetEmbedded(totals(widerShape), { data: dir });
    expect(reset).toEqual({
      application: "shapes",
      deletedTopics: ["shapes-totals-changelog", "shapes-totals-repartition"],
      inputTopics: ["orders"],
      keptTopics: ["totals-out", "shapes-dlq"],
    });
    expect(log.topics().map((t) => t.name)).toEqual(["orders", "shapes-dlq", "totals-out"]);
    expect(positions()).toBeUndefined();
    // a's two updates were processed in one commit: the record cache forwarded the latest.
    expect(log.consume("totals-out").map((r) => r.value)).toEqual([{ total: 12 }]);
    const transaction = earlier.beginTransaction();
    transaction.send([{ topic: "totals-out", partition: 0, key: null, value: Buffer.from("late"), timestamp: 0 }]);
    await expect(transaction.commit()).rejects.toThrowError(ProducerFencedError);

    const rerun = await runEmbedded(totals(widerShape), { log });
    expect(rerun.restored).toEqual([expect.objectContaining({ store: "totals", records: 0 })]);
    expect(log.consume("totals-out").slice(1).map((r) => r.value)).toEqual([{ total: 12 }]);
  });

  it("refuses a folder without a database: a mistyped path resets nothing", () => {
    expect(() => resetEmbedded(totals(totalShape), { data: join(dir, "nothing-here") })).toThrowError(WeirRuntimeError);
  });
});
