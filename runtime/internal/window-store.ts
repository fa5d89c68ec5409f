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
// An index per key (for sessions and sliding windows, which look up a key's
// neighbouring windows) and a heap of the windows' deadlines (so that finding
// the closed windows costs what closed, not the size of the store) are kept
// beside it, in step with every change, rollback and restoration.
import { STREAM_TIME_KEY, TimedStore } from "./timed-store.ts";
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

export class InMemoryWindowStore extends TimedStore {
  /** Key JSON text → the starts of its windows. */
  private readonly index = new Map<string, Set<number>>();
  /** Each window's deadline (see nextDeadline), as last pushed on the heap. */
  private readonly deadlines = new Map<string, number>();
  /** Deadlines by time; an item whose window has another deadline now (or is gone) is stale and skipped. */
  private readonly heap = new DeadlineHeap();

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
    const closed: { window: StoredWindow; keyText: string; deadline: number }[] = [];
    const seen = new Set<string>();
    for (let due = this.heap.peek(); due !== undefined && due.deadline <= streamTime; due = this.heap.peek()) {
      this.heap.pop();
      if (this.deadlines.get(due.keyText) !== due.deadline || seen.has(due.keyText)) continue;
      seen.add(due.keyText);
      const [key, start] = JSON.parse(due.keyText) as [unknown, number];
      closed.push({ window: { key, start, ...this.fetch(key, start)! }, keyText: due.keyText, deadline: due.deadline });
    }
    // Back on the heap: the caller deletes or changes each (which makes these
    // items stale), unless the record fails and the store rolls back; then
    // they are still due next time.
    for (const c of closed) this.heap.push(c.deadline, c.keyText);
    return closed
      .sort((a, b) => a.window.end - b.window.end || a.window.start - b.window.start || (a.keyText < b.keyText ? -1 : a.keyText > b.keyText ? 1 : 0))
      .map((c) => c.window);
  }

  protected override changed(keyText: string, value: unknown): void {
    if (keyText === STREAM_TIME_KEY) return;
    const [key, start] = JSON.parse(keyText) as [unknown, number];
    const id = JSON.stringify(key);
    if (value === undefined) {
      const starts = this.index.get(id);
      starts?.delete(start);
      if (starts?.size === 0) this.index.delete(id);
      this.deadlines.delete(keyText);
      return;
    }
    let starts = this.index.get(id);
    if (!starts) this.index.set(id, (starts = new Set()));
    starts.add(start);
    const deadline = nextDeadline(this.spec, start, value as WindowEntry);
    if (this.deadlines.get(keyText) !== deadline) {
      this.deadlines.set(keyText, deadline);
      this.heap.push(deadline, keyText);
    }
  }

  protected override cleared(): void {
    this.index.clear();
    this.deadlines.clear();
    this.heap.clear();
  }
}

/** When a window next needs the store's attention: when it closes, or (a closed sliding window) when it expires. */
function nextDeadline(spec: WindowSpec, start: number, entry: WindowEntry): number {
  const window = { start, end: entry.end };
  return entry.closed && spec.kind === "sliding" ? slidingWindowExpiry(spec, window) : windowCloseTime(spec, window);
}

/** A binary min-heap of (deadline, window key text). */
class DeadlineHeap {
  private readonly items: { deadline: number; keyText: string }[] = [];

  push(deadline: number, keyText: string): void {
    const items = this.items;
    items.push({ deadline, keyText });
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.deadline <= items[i]!.deadline) break;
      [items[parent], items[i]] = [items[i]!, items[parent]!];
      i = parent;
    }
  }

  peek(): { readonly deadline: number; readonly keyText: string } | undefined {
    return this.items[0];
  }

  pop(): void {
    const items = this.items;
    const last = items.pop();
    if (last === undefined || items.length === 0) return;
    items[0] = last;
    for (let i = 0; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < items.length && items[left]!.deadline < items[smallest]!.deadline) smallest = left;
      if (right < items.length && items[right]!.deadline < items[smallest]!.deadline) smallest = right;
      if (smallest === i) return;
      [items[smallest], items[i]] = [items[i]!, items[smallest]!];
      i = smallest;
    }
  }

  clear(): void {
    this.items.length = 0;
  }
}
