// A task's stores built from the graph's store descriptions, one implementation
// per kind; stream time written to the stores that keep it; changelog records
// with the shape record first, once.
import { describe, expect, it } from "vitest";
import { WeirRuntimeError } from "../../../runtime/errors.ts";
import { formats } from "../../../runtime/formats.ts";
import { InMemoryDedupStore } from "../../../runtime/internal/dedup-store.ts";
import { JoinBufferStore } from "../../../runtime/internal/join-buffer-store.ts";
import type { ProducerRecord } from "../../../runtime/internal/log-client.ts";
import { StateManager } from "../../../runtime/internal/state-manager.ts";
import { InMemoryKeyValueStore } from "../../../runtime/internal/state-store.ts";
import { SHAPE_RECORD_KEY } from "../../../runtime/internal/store-shape-record.ts";
import { SubscriptionStore } from "../../../runtime/internal/subscription-store.ts";
import { InMemoryWindowStore } from "../../../runtime/internal/window-store.ts";
import type { StoreShape } from "../../../runtime/store-shape.ts";
import { defineTopology } from "../../../runtime/topology/dsl.ts";
import { windows } from "../../../runtime/windows.ts";

const shape: StoreShape = { fingerprint: "f1", kind: "table", key: "string", value: "string" };

/** A topology with a store of every kind, all in one sub-topology. */
const topology = defineTopology("app", (builder) => {
  const key = formats.string();
  const value = formats.json();
  const lefts = builder.table("lefts", { topic: "lefts", key, value, shape });
  const rights = builder.table("rights", { topic: "rights", key, value });
  lefts.foreignKeyJoin("fk", rights, { foreignKey: (r) => String(r.value), prefix: "fk" });
  const events = builder.stream("events", { topic: "events", key, value });
  const others = builder.stream("others", { topic: "others", key, value });
  events.dedup("dedup", { store: "seen", withinMs: 1_000 });
  events.windowedBy(windows.tumbling({ sizeMs: 1_000, graceMs: 0 })).aggregate("count", { store: "counts", initializer: () => 0, adder: (n) => n + 1 });
  events.windowedJoin("join", others, { window: windows.join({ beforeMs: 1_000, afterMs: 200, graceMs: 0 }), as: "other", stores: { this: "events-buffer", other: "others-buffer" } });
});

describe("StateManager", () => {
  it("builds each store description as its kind's store, on the task's changelog partition", () => {
    const byKind = Object.fromEntries(topology.stores.map((s) => [s.name, s.kind]));
    expect(byKind).toEqual({
      lefts: "keyValue",
      rights: "keyValue",
      "fk-foreign-keys": "keyValue",
      "fk-subscriptions": "subscriptions",
      seen: "dedup",
      counts: "window",
      "events-buffer": "joinBuffer",
      "others-buffer": "joinBuffer",
    });
    const stores = new StateManager("0_3", topology.stores, 3);
    expect(stores.storeOfKind("lefts", "keyValue")).toBeInstanceOf(InMemoryKeyValueStore);
    expect(stores.storeOfKind("fk-subscriptions", "subscriptions")).toBeInstanceOf(SubscriptionStore);
    expect(stores.storeOfKind("seen", "dedup")).toBeInstanceOf(InMemoryDedupStore);
    expect(stores.storeOfKind("counts", "window")).toBeInstanceOf(InMemoryWindowStore);
    expect(stores.storeOfKind("others-buffer", "joinBuffer")).toBeInstanceOf(JoinBufferStore);
    // The right side's buffer sees the window mirrored.
    expect(stores.storeOfKind("events-buffer", "joinBuffer").window).toEqual({ beforeMs: 1_000, afterMs: 200, graceMs: 0 });
    expect(stores.storeOfKind("others-buffer", "joinBuffer").window).toEqual({ beforeMs: 200, afterMs: 1_000, graceMs: 0 });
    expect(stores.changelogs.map(({ store, changelog }) => [store.name, changelog])).toContainEqual(["seen", { topic: "app-seen-changelog", partition: 3 }]);
  });

  it("refuses a store it does not have, or of another kind, naming the kind it wanted", () => {
    const stores = new StateManager("0_0", topology.stores, 0);
    expect(() => stores.store("nope")).toThrow(new WeirRuntimeError("task 0_0 has no store named nope"));
    expect(() => stores.storeOfKind("lefts", "window")).toThrow(new WeirRuntimeError("task 0_0 has no window store named lefts"));
    expect(() => stores.storeOfKind("counts", "joinBuffer")).toThrow(new WeirRuntimeError("task 0_0 has no join buffer named counts"));
    // Any store reads as a key-value store.
    expect(stores.store("fk-subscriptions")).toBeInstanceOf(SubscriptionStore);
  });

  it("writes stream time to the stores that keep it (window, dedup, join buffers), outside the record's rollback", () => {
    const stores = new StateManager("0_0", topology.stores, 0);
    expect(stores.restoredStreamTime).toBe(Number.NEGATIVE_INFINITY);
    stores.recordStreamTime(500);
    stores.beginRecord(500);
    stores.store("lefts").put("k", "v");
    stores.rollback();
    expect(stores.store("lefts").get("k")).toBeUndefined();
    expect(stores.restoredStreamTime).toBe(500);
    for (const name of ["seen", "counts", "events-buffer", "others-buffer"]) expect(stores.store(name).get("streamTime")).toBe(500);
    for (const name of ["lefts", "rights", "fk-foreign-keys", "fk-subscriptions"]) expect(stores.store(name).get("streamTime")).toBeUndefined();
  });

  it("appends the changes as changelog records, a declared shape's record first and only until a commit wrote it", () => {
    const stores = new StateManager("0_1", topology.stores, 1);
    stores.beginRecord(7);
    stores.store("lefts").put("k", "v");
    const first: ProducerRecord[] = [];
    stores.appendChangelogRecords(first);
    expect(first.map((r) => [r.topic, r.partition, r.key?.toString()])).toEqual([
      ["app-lefts-changelog", 1, SHAPE_RECORD_KEY],
      ["app-lefts-changelog", 1, '"k"'],
    ]);
    // Not committed: the next commit writes the shape record again.
    const retried: ProducerRecord[] = [];
    stores.appendChangelogRecords(retried);
    expect(retried.map((r) => r.key?.toString())).toEqual([SHAPE_RECORD_KEY]);
    stores.postCommit();
    const next: ProducerRecord[] = [];
    stores.appendChangelogRecords(next);
    expect(next).toEqual([]);
  });
});
