import { describe, expect, it } from "vitest";
import { InMemoryKeyValueStore, StoreSerializationError } from "../../../runtime/internal/state-store.ts";

describe("InMemoryKeyValueStore", () => {
  it("identifies keys by their JSON text", () => {
    const store = new InMemoryKeyValueStore("s");
    store.put({ a: 1 }, 1);
    expect(store.get({ a: 1 })).toBe(1);
    expect(store.get("1")).toBeUndefined();
    store.put(1, "number key");
    expect(store.get(1)).toBe("number key");
    expect(store.get("1")).toBeUndefined();
  });

  it("logs the last change of each key per drain, deletes as null", () => {
    const store = new InMemoryKeyValueStore("s");
    store.beginRecord(10);
    store.put("a", 1);
    store.beginRecord(11);
    store.put("b", 1);
    store.beginRecord(12);
    store.put("a", 2);
    store.beginRecord(13);
    store.delete("b");
    expect(store.drainChangelog()).toEqual([
      { key: '"a"', value: "2", timestamp: 12 },
      { key: '"b"', value: null, timestamp: 13 },
    ]);
    expect(store.drainChangelog()).toEqual([]);
  });

  it("rolls back the changes of the current record only", () => {
    const store = new InMemoryKeyValueStore("s");
    store.beginRecord(1);
    store.put("kept", { n: 1 });
    store.beginRecord(2);
    const value = store.get("kept") as { n: number };
    value.n = 99; // an adder that mutates its aggregate in place, then fails
    store.put("kept", value);
    store.put("new", 1);
    store.delete("kept");
    store.rollback();
    expect(store.get("kept")).toEqual({ n: 1 });
    expect(store.get("new")).toBeUndefined();
    expect(store.drainChangelog()).toEqual([{ key: '"kept"', value: '{"n":1}', timestamp: 1 }]);
  });

  it("restores from changelog text without logging it again", () => {
    const store = new InMemoryKeyValueStore("s");
    store.restore('"a"', "3");
    store.restore('"b"', "1");
    store.restore('"b"', null);
    expect(store.get("a")).toBe(3);
    expect(store.get("b")).toBeUndefined();
    expect(store.size).toBe(1);
    expect(store.drainChangelog()).toEqual([]);
  });

  it("refuses keys and values that are not JSON", () => {
    const store = new InMemoryKeyValueStore("s");
    expect(() => store.put(undefined, 1)).toThrowError(StoreSerializationError);
    expect(() => store.put("k", 10n)).toThrowError("store s: a value must be a JSON value");
    expect(() => store.put("k", () => 1)).toThrowError("store s: a value must be a JSON value, not function");
  });
});
