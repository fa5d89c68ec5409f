// One side's buffer of a windowed stream-stream join: the records of that side
// still able to join, as Kafka Streams' join window stores (with duplicates
// retained). A key-value store (with its changelog and per-record rollback)
// whose entries are keyed by `[key, timestamp, seq]` — seq tells apart records
// with one key and one timestamp — with the value `{ value, joined, pending }`:
// `pending` marks a record of an outer side that has not joined yet and owes
// a result with the other side null once its window closes. The task's stream
// time is kept in the same store (key `"streamTime"`), so that a restarted task
// closes windows and drops late records exactly as the first run would have.
//
// An index per key (to find the records a new one joins) and a queue of the
// entries' deadlines (so that finding what closed or expired costs what is
// due, not a scan of the store) are kept beside it, in step with every change,
// rollback and restoration.
import type { JoinWindowSpec } from "../windows.ts";
import { STREAM_TIME_KEY, TimedStore } from "./timed-store.ts";

export interface BufferedRecord {
  readonly key: unknown;
  readonly timestamp: number;
  /** Tells apart records with the same key and timestamp, in arrival order. */
  readonly seq: number;
  readonly value: unknown;
  /** The tables joined into the record earlier in its pipeline (`record.joined`), if any. */
  readonly joined: Readonly<Record<string, unknown>> | undefined;
  /** Owes a result with the other side null once its window closes (an outer side, not joined yet). */
  readonly pending: boolean;
}

interface StoredEntry {
  readonly value: unknown;
  readonly joined?: Readonly<Record<string, unknown>>;
  readonly pending: boolean;
}

export class JoinBufferStore extends TimedStore {
  /** Key JSON text → the entry keys (JSON text) of its records. */
  private readonly index = new Map<string, Set<string>>();
  /**
   * When each entry next needs attention (it closes, if pending, or expires),
   * earliest first. Every put adds an item; items left behind by later changes
   * are recognised when they come up and skipped.
   */
  private readonly deadlines = new DeadlineQueue();

  constructor(
    name: string,
    readonly spec: JoinWindowSpec,
  ) {
    super(name);
  }

  /** Adds a record; returns its seq. */
  add(key: unknown, timestamp: number, value: unknown, joined: BufferedRecord["joined"], pending: boolean): number {
    const seq = Math.max(-1, ...this.recordsOf(key).filter((r) => r.timestamp === timestamp).map((r) => r.seq)) + 1;
    this.put([key, timestamp, seq], entryOf(value, joined, pending));
    return seq;
  }

  /** The record is no longer owed a result with the other side null. */
  settle(record: BufferedRecord): void {
    this.put([record.key, record.timestamp, record.seq], entryOf(record.value, record.joined, false));
  }

  remove(record: BufferedRecord): void {
    this.delete([record.key, record.timestamp, record.seq]);
  }

  /** A key's records with a timestamp in [from, to], by timestamp then arrival. */
  between(key: unknown, from: number, to: number): BufferedRecord[] {
    return this.recordsOf(key).filter((r) => r.timestamp >= from && r.timestamp <= to);
  }

  /**
   * Records whose window has closed at this stream time and that still owe a
   * result (`closed`), and records that can no longer join a record that is
   * not late (`expired`: purge them). A record at t closes when stream time
   * passes t + within + grace, and expires when it passes t + 2 within + grace:
   * until then a record of the other side at t + within could still arrive in
   * its grace period.
   */
  due(streamTime: number): { closed: BufferedRecord[]; expired: BufferedRecord[] } {
    const closed: BufferedRecord[] = [];
    const expired: BufferedRecord[] = [];
    const seen = new Set<string>();
    for (const entryKey of this.deadlines.popUntil(streamTime)) {
      if (seen.has(entryKey)) continue;
      seen.add(entryKey);
      const stored = this.get(JSON.parse(entryKey)) as StoredEntry | undefined;
      // Deleted since, or changed so that it is not due yet: a later item stands for it.
      if (stored === undefined) continue;
      const record = recordOf(entryKey, stored);
      const isClosed = record.pending && streamTime > this.closeTime(record.timestamp);
      const isExpired = streamTime > this.expiryTime(record.timestamp);
      if (isClosed) closed.push(record);
      if (isExpired) expired.push(record);
      // Closed but not expired: settling it (a put) queues its expiry.
    }
    return { closed: closed.sort(byTimeThenArrival), expired };
  }

  /** The last stream time at which the record's join window is still open. */
  closeTime(timestamp: number): number {
    return timestamp + this.spec.withinMs + this.spec.graceMs;
  }

  private expiryTime(timestamp: number): number {
    return timestamp + 2 * this.spec.withinMs + this.spec.graceMs;
  }

  /** The first stream time at which something happens to the record: it closes (if pending) or it expires. */
  private nextDeadline(record: { timestamp: number; pending: boolean }): number {
    return (record.pending ? this.closeTime(record.timestamp) : this.expiryTime(record.timestamp)) + 1;
  }

  private recordsOf(key: unknown): BufferedRecord[] {
    const entryKeys = this.index.get(JSON.stringify(key));
    if (!entryKeys) return [];
    const records: BufferedRecord[] = [];
    for (const entryKey of entryKeys) {
      const stored = this.get(JSON.parse(entryKey)) as StoredEntry | undefined;
      if (stored) records.push(recordOf(entryKey, stored));
    }
    return records.sort(byTimeThenArrival);
  }

  protected override changed(entryKey: string, value: unknown): void {
    if (entryKey === STREAM_TIME_KEY) return;
    const [key, timestamp] = JSON.parse(entryKey) as [unknown, number, number];
    const id = JSON.stringify(key);
    if (value === undefined) {
      const entries = this.index.get(id);
      entries?.delete(entryKey);
      if (entries?.size === 0) this.index.delete(id);
      return;
    }
    let entries = this.index.get(id);
    if (!entries) this.index.set(id, (entries = new Set()));
    entries.add(entryKey);
    this.deadlines.push(this.nextDeadline({ timestamp, pending: (value as StoredEntry).pending }), entryKey);
  }

  protected override cleared(): void {
    this.index.clear();
    this.deadlines.clear();
  }
}

function entryOf(value: unknown, joined: BufferedRecord["joined"], pending: boolean): StoredEntry {
  return joined === undefined ? { value, pending } : { value, joined, pending };
}

function recordOf(entryKey: string, stored: StoredEntry): BufferedRecord {
  const [key, timestamp, seq] = JSON.parse(entryKey) as [unknown, number, number];
  return { key, timestamp, seq, value: stored.value, joined: stored.joined, pending: stored.pending };
}

function byTimeThenArrival(a: BufferedRecord, b: BufferedRecord): number {
  return a.timestamp - b.timestamp || a.seq - b.seq;
}

/** A binary min-heap of (deadline, entry key). */
class DeadlineQueue {
  private items: { at: number; entryKey: string }[] = [];

  push(at: number, entryKey: string): void {
    const items = this.items;
    items.push({ at, entryKey });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.at <= at) break;
      [items[parent], items[i]] = [items[i]!, items[parent]!];
      i = parent;
    }
  }

  /** Removes and returns the entry keys of every item due at or before `time`. */
  popUntil(time: number): string[] {
    const due: string[] = [];
    while (this.items.length > 0 && this.items[0]!.at <= time) due.push(this.pop().entryKey);
    return due;
  }

  clear(): void {
    this.items = [];
  }

  private pop(): { at: number; entryKey: string } {
    const items = this.items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < items.length && items[left]!.at < items[smallest]!.at) smallest = left;
        if (right < items.length && items[right]!.at < items[smallest]!.at) smallest = right;
        if (smallest === i) break;
        [items[smallest], items[i]] = [items[i]!, items[smallest]!];
        i = smallest;
      }
    }
    return top;
  }
}
