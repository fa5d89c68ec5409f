import { describe, expect, it } from "vitest";
import { InMemoryDedupStore } from "../../../runtime/internal/dedup-store.ts";

const entries = (store: InMemoryDedupStore) => Object.fromEntries(store.all());

describe("InMemoryDedupStore", () => {
  it("expires an entry when stream time reaches its kept time + the window, and logs the delete", () => {
    const store = new InMemoryDedupStore("d", 100);
    store.beginRecord(0);
    store.keep(["a"], 0);
    store.keep(["b"], 50);
    store.drainChangelog();
    store.beginRecord(99);
    store.expire(99);
    expect(entries(store)).toEqual({ '["a"]': 0, '["b"]': 50 });
    store.beginRecord(100);
    store.expire(100);
    expect(entries(store)).toEqual({ '["b"]': 50 });
    expect(store.drainChangelog()).toEqual([{ key: '["a"]', value: null, timestamp: 100 }]);
  });

  it("does not expire an entry kept again later by its earlier expiry time", () => {
    const store = new InMemoryDedupStore("d", 100);
    store.keep(["a"], 0);
    store.keep(["a"], 80); // kept again: expires at 180, not 100
    store.expire(150);
    expect(store.lastKept(["a"])).toBe(80);
    store.expire(180);
    expect(store.lastKept(["a"])).toBeUndefined();
  });

  it("expires what a rollback put back, and what a restore brought", () => {
    const store = new InMemoryDedupStore("d", 100);
    store.keep(["a"], 0);
    store.drainChangelog();
    store.beginRecord(500);
    store.expire(500);
    expect(store.lastKept(["a"])).toBeUndefined();
    // The record failed: its expiries are undone, and happen again with the next record.
    store.rollback();
    expect(store.lastKept(["a"])).toBe(0);
    store.beginRecord(501);
    store.expire(501);
    expect(store.lastKept(["a"])).toBeUndefined();

    const restored = new InMemoryDedupStore("d", 100);
    restored.restore('["b"]', "40");
    restored.restore('"streamTime"', "60");
    expect(restored.streamTime).toBe(60);
    restored.expire(139);
    expect(restored.lastKept(["b"])).toBe(40);
    restored.expire(140);
    expect(restored.lastKept(["b"])).toBeUndefined();
    expect(entries(restored)).toEqual({ '"streamTime"': 60 });
  });
});
