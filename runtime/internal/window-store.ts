// A window store: a key-value store (with its changelog and per-record
// rollback) whose entries are keyed by (key, window start), plus the task's
// stream time, so that both are restored together, exactly as of the last
// commit. In the changelog a window is the key `[key, start]` with the value
// `{ end, timestamp, aggregate }` (timestamp: what its results are emitted
// with; a closed sliding window also has `closed: true`); stream time is the
// key `"streamTime"`.
//
// A closed window is deleted, except a sliding window: its aggregate is still
// what the windows of a later record start from, so it stays, marked closed,
// until it expires (see slidingWindowExpiry).
//
// An index per key (for sessions, which look up a key's neighbouring windows)
// and a lower bound of the windows' close times (so that looking for closed
// windows scans the store only when one may have closed) are kept beside it,
// in step with every change, rollback and restoration.
import { InMemoryKeyValueStore } from "./state-store.ts";
import { slidingWindowExpiry, windowCloseTime, type WindowSpec } from "../windows.ts";

export interface WindowEntry {
  /** Epoch ms: exclusive for time windows, the last record's timestamp for sessions. */
  readonly end: number;
  /** The timestamp results of this window carry. */
  readonly timestamp: number;
  readonly aggregate: unknown;
  /** A sliding window past its close time, kept (read only) until it expires. */
  readonly closed?: boolean;
}

export interface StoredWindow extends WindowEntry {
  readonly key: unknown;
  readonly start: number;
}

const STREAM_TIME = JSON.stringify("streamTime");

export class InMemoryWindowStore extends InMemoryKeyValueStore {
  /** Key JSON text → the starts of its windows. */
  private readonly index = new Map<string, Set<number>>();
  /** No window closes before this stream time (-Infinity: unknown, look). */
  private earliestClose = Number.NEGATIVE_INFINITY;

  constructor(
    name: string,
    readonly spec: WindowSpec,
  ) {
    super(name);
  }

  fetch(key: unknown, start: number): WindowEntry | undefined {
    return this.get([key, start]) as WindowEntry | undefined;
  }

  putWindow(key: unknown, start: number, entry: WindowEntry): void {
    this.put([key, start], entry.closed ? { end: entry.end, timestamp: entry.timestamp, aggregate: entry.aggregate, closed: true } : { end: entry.end, timestamp: entry.timestamp, aggregate: entry.aggregate });
  }

  deleteWindow(key: unknown, start: number): void {
    this.delete([key, start]);
  }

  /** A key's windows, by start. */
  windowsOf(key: unknown): StoredWindow[] {
    const starts = this.index.get(JSON.stringify(key));
    if (!starts) return [];
    return [...starts].sort((a, b) => a - b).map((start) => ({ key, start, ...this.fetch(key, start)! }));
  }

  /**
   * Windows closed at this stream time (for a closed sliding window: expired),
   * ordered by end, then start, then key text.
   */
  closedWindows(streamTime: number): StoredWindow[] {
    if (streamTime < this.earliestClose) return [];
    const closed: { window: StoredWindow; keyText: string }[] = [];
    let earliestOpen = Number.POSITIVE_INFINITY;
    for (const [keyText, value] of this.all()) {
      if (keyText === STREAM_TIME) continue;
      const [key, start] = JSON.parse(keyText) as [unknown, number];
      const entry = value as WindowEntry;
      const closes = nextDeadline(this.spec, start, entry);
      if (closes <= streamTime) closed.push({ window: { key, start, ...entry }, keyText });
      else earliestOpen = Math.min(earliestOpen, closes);
    }
    this.earliestClose = earliestOpen;
    return closed
      .sort((a, b) => a.window.end - b.window.end || a.window.start - b.window.start || (a.keyText < b.keyText ? -1 : a.keyText > b.keyText ? 1 : 0))
      .map((c) => c.window);
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
    if (keyText === STREAM_TIME) return;
    const [key, start] = JSON.parse(keyText) as [unknown, number];
    const id = JSON.stringify(key);
    if (value === undefined) {
      const starts = this.index.get(id);
      starts?.delete(start);
      if (starts?.size === 0) this.index.delete(id);
      return;
    }
    let starts = this.index.get(id);
    if (!starts) this.index.set(id, (starts = new Set()));
    starts.add(start);
    this.earliestClose = Math.min(this.earliestClose, nextDeadline(this.spec, start, value as WindowEntry));
  }

  protected override cleared(): void {
    this.index.clear();
    this.earliestClose = Number.NEGATIVE_INFINITY;
  }
}

/** When a window next needs the store's attention: when it closes, or (a closed sliding window) when it expires. */
function nextDeadline(spec: WindowSpec, start: number, entry: WindowEntry): number {
  const window = { start, end: entry.end };
  return entry.closed && spec.kind === "sliding" ? slidingWindowExpiry(spec, window) : windowCloseTime(spec, window);
}
