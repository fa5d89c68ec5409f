// The window store's deadlines: closed windows are found in deadline order
// whatever the store holds, stay due until the caller deletes or changes
// them (a failed record rolls back), and closed sliding windows come back
// once more when they expire.
import { describe, expect, it } from "vitest";
import { InMemoryWindowStore } from "../../../runtime/internal/window-store.ts";
import { windows } from "../../../runtime/windows.ts";

const starts = (store: InMemoryWindowStore, streamTime: number) => store.closedWindows(streamTime).map((w) => [w.key, w.start]);

describe("InMemoryWindowStore.closedWindows", () => {
  it("returns the windows whose close time passed, by end then start then key, and keeps them due until deleted", () => {
    const store = new InMemoryWindowStore("s", windows.tumbling({ sizeMs: 10, graceMs: 5 }));
    for (const [key, start] of [["b", 0], ["a", 0], ["a", 10], ["a", 20]] as const) store.putWindow(key, start, { end: start + 10, timestamp: start, aggregate: 1 });
    expect(starts(store, 14)).toEqual([]);
    expect(starts(store, 15)).toEqual([["a", 0], ["b", 0]]);
    // Not deleted (as when the record fails and the store rolls back): still due.
    expect(starts(store, 25)).toEqual([["a", 0], ["b", 0], ["a", 10]]);
    store.deleteWindow("a", 0);
    store.deleteWindow("b", 0);
    expect(starts(store, 25)).toEqual([["a", 10]]);
  });

  it("brings a window back after a rolled-back delete", () => {
    const store = new InMemoryWindowStore("s", windows.tumbling({ sizeMs: 10, graceMs: 0 }));
    store.putWindow("k", 0, { end: 10, timestamp: 0, aggregate: 1 });
    store.beginRecord(10);
    expect(starts(store, 10)).toEqual([["k", 0]]);
    store.deleteWindow("k", 0);
    expect(starts(store, 10)).toEqual([]);
    store.rollback();
    expect(starts(store, 10)).toEqual([["k", 0]]);
  });

  it("returns a closed sliding window again when it expires, at end + 2 difference + grace + 1", () => {
    const store = new InMemoryWindowStore("s", windows.sliding({ differenceMs: 10, graceMs: 5 }));
    store.putWindow("k", 90, { end: 100, timestamp: 100, aggregate: 1 });
    expect(starts(store, 105)).toEqual([]);
    expect(store.closedWindows(106)).toEqual([{ key: "k", start: 90, end: 100, timestamp: 100, aggregate: 1 }]);
    store.putWindow("k", 90, { end: 100, timestamp: 100, aggregate: 1, closed: true });
    expect(starts(store, 125)).toEqual([]);
    expect(store.closedWindows(126)).toEqual([{ key: "k", start: 90, end: 100, timestamp: 100, aggregate: 1, closed: true }]);
  });
});
