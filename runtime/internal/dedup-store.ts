// A dedup store: a key-value store (with its changelog and per-record
// rollback) that remembers, per dedup key, the timestamp of the last record
// kept, plus the task's stream time, so that both are restored together,
// exactly as of the last commit. In the changelog a dedup key is the key
// `[key]` or `[key, by]` (an array, so that no user key can be mistaken for
// the stream time) with the timestamp as value; stream time is the key
// `"streamTime"`.
//
// An entry expires when stream time reaches its timestamp + the window: no
// record that is not late by more than the window can be its duplicate any
// more. Expired entries are deleted (and the deletes logged) as stream time
// advances. Which entries expired is found in a min-heap of expiry times, fed
// by every change (put, rollback, restore), so that expiring costs log(n) per
// entry: a scan of the store per record made dedup 30 times slower than a
// filter with 10,000 keys live (bench/embedded-dedup.ts). A heap item whose
// entry has changed since it was pushed is stale and skipped when it comes up.
import { STREAM_TIME_KEY, TimedStore } from "./timed-store.ts";

interface Expiry {
  readonly expires: number;
  readonly keyText: string;
}

export class InMemoryDedupStore extends TimedStore {
  private expiries = new MinHeap<Expiry>((a, b) => a.expires - b.expires);

  constructor(
    name: string,
    readonly withinMs: number,
  ) {
    super(name);
  }

  /** When a record with this dedup key was last kept, if that is remembered. */
  lastKept(dedupKey: readonly unknown[]): number | undefined {
    const value = this.get(dedupKey);
    return typeof value === "number" ? value : undefined;
  }

  keep(dedupKey: readonly unknown[], timestamp: number): void {
    this.put(dedupKey, timestamp);
  }

  /** Deletes the entries that expired at this stream time. */
  expire(streamTime: number): void {
    for (let next = this.expiries.peek(); next !== undefined && next.expires <= streamTime; next = this.expiries.peek()) {
      this.expiries.pop();
      const key = JSON.parse(next.keyText) as unknown;
      const kept = this.get(key);
      // Stale: the entry was kept again later, or is already gone.
      if (typeof kept === "number" && kept + this.withinMs === next.expires) this.delete(key);
    }
  }

  protected override changed(keyText: string, value: unknown): void {
    if (keyText === STREAM_TIME_KEY || typeof value !== "number") return;
    this.expiries.push({ expires: value + this.withinMs, keyText });
  }

  protected override cleared(): void {
    this.expiries = new MinHeap<Expiry>((a, b) => a.expires - b.expires);
  }
}

/** A binary min-heap. */
class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly compare: (a: T, b: T) => number) {}

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let at = items.length - 1;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (this.compare(items[at]!, items[parent]!) >= 0) break;
      [items[at], items[parent]] = [items[parent]!, items[at]!];
      at = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let smallest = at;
      if (left < items.length && this.compare(items[left]!, items[smallest]!) < 0) smallest = left;
      if (right < items.length && this.compare(items[right]!, items[smallest]!) < 0) smallest = right;
      if (smallest === at) return top;
      [items[at], items[smallest]] = [items[smallest]!, items[at]!];
      at = smallest;
    }
  }
}
