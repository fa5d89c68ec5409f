import { describe, expect, it } from "vitest";
import { SubscriptionStore } from "../../../runtime/internal/subscription-store.ts";

/** In left key order: the order of subscribers is not part of the contract. */
const subscribers = (store: SubscriptionStore, foreignKey: unknown) => [...store.subscribersOf(foreignKey)].sort((a, b) => String(a[0]).localeCompare(String(b[0])));

describe("SubscriptionStore", () => {
  it("finds the subscriptions to a foreign key through every kind of change", () => {
    const store = new SubscriptionStore("subs");
    store.beginRecord(1);
    store.put(["c1", "o1"], { hash: "h1" });
    store.put(["c1", "o2"], { hash: "h2" });
    store.put(["c10", "o3"], { hash: "h3" });
    store.put([1, "o4"], { hash: "h4" });
    expect(subscribers(store, "c1")).toEqual([
      ["o1", { hash: "h1" }],
      ["o2", { hash: "h2" }],
    ]);
    // Keys are compared as JSON: the number 1 is not the string "1".
    expect(subscribers(store, 1)).toEqual([["o4", { hash: "h4" }]]);
    expect(subscribers(store, "1")).toEqual([]);

    store.drainChangelog();
    store.beginRecord(2);
    store.delete(["c1", "o1"]);
    store.put(["c2", "o1"], { hash: "h5" });
    expect(subscribers(store, "c1")).toEqual([["o2", { hash: "h2" }]]);
    store.rollback();
    expect(subscribers(store, "c1")).toEqual([
      ["o1", { hash: "h1" }],
      ["o2", { hash: "h2" }],
    ]);
    expect(subscribers(store, "c2")).toEqual([]);

    store.clear();
    expect(subscribers(store, "c1")).toEqual([]);
    store.restore(JSON.stringify(["c1", "o9"]), JSON.stringify({ hash: "h9" }));
    store.restore(JSON.stringify(["c1", "o9"]), null);
    store.restore(JSON.stringify(["c1", "o8"]), JSON.stringify({ hash: "h8" }));
    expect(subscribers(store, "c1")).toEqual([["o8", { hash: "h8" }]]);
  });
});
