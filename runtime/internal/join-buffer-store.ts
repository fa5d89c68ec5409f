// One side's buffer of a windowed stream-stream join: the records of that side
// still able to join, as Kafka Streams' join window stores (with duplicates
// retained). A key-value store (with its changelog and per-record rollback)
// whose entries are keyed by `[key, timestamp, seq]` — seq tells apart records
// with one key and one timestamp — with the value `{ value, joined, pending }`:
// `pending` marks a record of an outer side that has not joined yet and owes
// a result with the other side null once its window closes. The task's stream
// time is kept in the same store (key `"streamTime"`), so that a restarted task
// closes windows exactly as the first run would have.
//
// Retention is Kafka Streams' window store's: a buffer keeps a record while its
// timestamp is within before + after + grace of the newest timestamp the
// buffer holds (not of the task's stream time: a side whose records stopped
// coming keeps its last ones, as Kafka Streams' store of that side does). Only
// retained records join; a record past retention that still owes its null
// result stays, hidden, until its window closes.
//
// An index per key (to find the records a new one joins), and queues of the
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
   * Pending entries by the stream time at which their window has closed, and
   * every entry by the newest timestamp at which it leaves the retention; earliest
   * first. Every put adds items; items left behind by later changes are
   * recognised when they come up and skipped.
   */
  private readonly closing = new DeadlineQueue();
  private readonly expiring = new DeadlineQueue();
  /** The newest timestamp held; undefined after the newest record was rolled back (found again when asked). */
  private newestHeld: number | undefined = Number.NEGATIVE_INFINITY;

  /**
   * @param window the join's window as this side's records see it: a record here
   * at t joins the other side's records at [t - before, t + after].
   */
  constructor(
    name: string,
    readonly window: JoinWindowSpec,
  ) {
    super(name);
  }

  /** Adds a record; returns its seq. */
  add(key: unknown, timestamp: number, value: unknown, joined: BufferedRecord["joined"], pending: boolean): number {
    const seq = Math.max(-1, ...this.entriesOf(key).filter((r) => r.timestamp === timestamp).map((r) => r.seq)) + 1;
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

  /** A key's retained records with a timestamp in [from, to], by timestamp then arrival. */
  between(key: unknown, from: number, to: number): BufferedRecord[] {
    return this.entriesOf(key).filter((r) => r.timestamp >= from && r.timestamp <= to && this.retains(r.timestamp));
  }

  /**
   * Whether a record at this timestamp is within the buffer's retention: newer
   * than the newest timestamp held − (before + after + grace). Kafka Streams'
   * window store keeps (and returns) exactly these; older ones can join no
   * record of the other side that is not itself past retention.
   */
  retains(timestamp: number): boolean {
    return timestamp > this.newest() - this.retentionMs();
  }

  /**
   * Records whose window has closed at this stream time and that still owe a
   * result (`closed`), and records past retention that owe nothing (`expired`:
   * purge them). A record at t closes when stream time passes t + after + grace:
   * from then on, a record of the other side that could join it is out of order
   * by more than the grace period.
   */
  due(streamTime: number): { closed: BufferedRecord[]; expired: BufferedRecord[] } {
    const closed: BufferedRecord[] = [];
    for (const entryKey of new Set(this.closing.popUntil(streamTime))) {
      const record = this.recordAt(entryKey);
      // Deleted or settled since: nothing is owed.
      if (record?.pending && streamTime > this.closeTime(record.timestamp)) closed.push(record);
    }
    const expired: BufferedRecord[] = [];
    for (const entryKey of new Set(this.expiring.popUntil(this.newest() - this.retentionMs()))) {
      const record = this.recordAt(entryKey);
      // A pending record is purged once its null result is out; one changed since has a later item.
      if (record && !record.pending && !this.retains(record.timestamp)) expired.push(record);
    }
    return { closed: closed.sort(byTimeThenArrival), expired };
  }

  /** The last stream time at which the window of a record of this side, at this timestamp, is still open. */
  closeTime(timestamp: number): number {
    return timestamp + this.window.afterMs + this.window.graceMs;
  }

  /** Kafka Streams' join store retention: the window's size (before + after) and the grace period. */
  private retentionMs(): number {
    return this.window.beforeMs + this.window.afterMs + this.window.graceMs;
  }

  private newest(): number {
    if (this.newestHeld === undefined) {
      let newest = Number.NEGATIVE_INFINITY;
      for (const entries of this.index.values()) for (const entryKey of entries) newest = Math.max(newest, timestampOf(entryKey));
      this.newestHeld = newest;
    }
    return this.newestHeld;
  }

  private recordAt(entryKey: string): BufferedRecord | undefined {
    const stored = this.get(JSON.parse(entryKey)) as StoredEntry | undefined;
    return stored === undefined ? undefined : recordOf(entryKey, stored);
  }

  /** A key's records, retained or not, by timestamp then arrival. */
  private entriesOf(key: unknown): BufferedRecord[] {
    const entryKeys = this.index.get(JSON.stringify(key));
    if (!entryKeys) return [];
    const records: BufferedRecord[] = [];
    for (const entryKey of entryKeys) {
      const record = this.recordAt(entryKey);
      if (record) records.push(record);
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
      // Purging never removes the newest record (it is within retention); undoing its add does.
      if (timestamp === this.newestHeld) this.newestHeld = undefined;
      return;
    }
    let entries = this.index.get(id);
    if (!entries) this.index.set(id, (entries = new Set()));
    entries.add(entryKey);
    if (this.newestHeld !== undefined && timestamp > this.newestHeld) this.newestHeld = timestamp;
    if ((value as StoredEntry).pending) this.closing.push(this.closeTime(timestamp) + 1, entryKey);
    this.expiring.push(timestamp, entryKey);
  }

  protected override cleared(): void {
    this.index.clear();
    this.closing.clear();
    this.expiring.clear();
    this.newestHeld = Number.NEGATIVE_INFINITY;
  }
}

function timestampOf(entryKey: string): number {
  return (JSON.parse(entryKey) as [unknown, number, number])[1];
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
