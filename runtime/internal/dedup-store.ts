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
// advances; a lower bound of the expiry times means the store is scanned only
// when an entry may have expired.
import { InMemoryKeyValueStore } from "./state-store.ts";

const STREAM_TIME = JSON.stringify("streamTime");

export class InMemoryDedupStore extends InMemoryKeyValueStore {
  /** No entry expires before this stream time (-Infinity: unknown, look). */
  private earliestExpiry = Number.NEGATIVE_INFINITY;

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
    if (streamTime < this.earliestExpiry) return;
    const expired: unknown[] = [];
    let earliest = Number.POSITIVE_INFINITY;
    for (const [keyText, value] of this.all()) {
      if (keyText === STREAM_TIME) continue;
      const expires = (value as number) + this.withinMs;
      if (expires <= streamTime) expired.push(JSON.parse(keyText));
      else earliest = Math.min(earliest, expires);
    }
    for (const key of expired) this.delete(key);
    this.earliestExpiry = earliest;
  }

  /** The task's stream time as of the last commit (after restoration); -Infinity for a new task. */
  get streamTime(): number {
    const value = this.get("streamTime");
    return typeof value === "number" ? value : Number.NEGATIVE_INFINITY;
  }

  set streamTime(time: number) {
    this.put("streamTime", time);
  }

  protected override changed(keyText: string, value: unknown): void {
    if (keyText === STREAM_TIME || typeof value !== "number") return;
    this.earliestExpiry = Math.min(this.earliestExpiry, value + this.withinMs);
  }

  protected override cleared(): void {
    this.earliestExpiry = Number.NEGATIVE_INFINITY;
  }
}
