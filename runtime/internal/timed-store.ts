// The stores whose contents depend on time (window stores, dedup stores, join
// buffers) also keep their task's stream time, under the key "streamTime".
// Kept in the store, it goes to the changelog with the store's other changes
// and is restored with them: a restarted task closes windows, drops late
// records and forgets entries exactly as the first run would have.
import { InMemoryKeyValueStore } from "./state-store.ts";

/** The key text of the stream time entry (no user key is stored as a bare string in these stores). */
export const STREAM_TIME_KEY = JSON.stringify("streamTime");

export abstract class TimedStore extends InMemoryKeyValueStore {
  /** The task's stream time as of the last commit (after restoration); -Infinity for a new task. */
  get streamTime(): number {
    const value = this.get("streamTime");
    return typeof value === "number" ? value : Number.NEGATIVE_INFINITY;
  }

  set streamTime(time: number) {
    this.put("streamTime", time);
  }
}
