// Record caches, as Kafka Streams' ThreadCache and NamedCache: a cache sits in
// front of each table and aggregation store of a task and holds the change
// each key is waiting to forward downstream. Consecutive updates of one key
// collapse into one: at a flush, a key forwards its latest value, with the
// timestamp of its latest update and, for a table's row, the old value it had
// before its first update since the last flush (what a re-grouping downstream
// subtracts). A flush happens before every commit of the task (inside the
// commit's transaction: a value never flushed is never visible, so a crash
// shows nothing the commit did not), and when the run's caches are over their
// budget (an eviction).
//
// What the cache holds differs from Kafka Streams' in one way: weir's stores
// are in memory already (state-store.ts), so the store always holds the
// latest value (reads, joins and later updates of the key see it) and the
// changelog buffer keeps the last change of each key per commit. The cache
// holds only the pending changes (Kafka Streams' dirty entries); there are no
// clean entries to keep for reads. Its budget counts those (see entrySize),
// and the eldest entry of a cache is always dirty, so evicting it flushes the
// whole cache, as NamedCache.evict does when its eldest entry is dirty.
import type { Output } from "../processors/processor.ts";

/**
 * The bytes an entry is counted for: its key's and its value's JSON text (a
 * character counted as a byte) and a fixed overhead for the entry itself (the
 * record, its old value's reference, the map's slot). An estimate, as Kafka
 * Streams' is (key and value bytes plus a fixed overhead per entry), made from
 * texts the store has written anyway, so that counting costs no encoding.
 */
export const ENTRY_OVERHEAD_BYTES = 64;

/** The run's cache budget (Kafka Streams' ThreadCache: one per stream thread; weir runs one per instance), shared by every task's caches. */
export class RecordCacheBudget {
  /** Bytes the caches hold now. */
  used = 0;
  constructor(readonly maxBytes: number) {}

  get over(): boolean {
    return this.used > this.maxBytes;
  }
}

/**
 * What a cache's keys are: a table's rows by key; windows by key and window
 * (in the store by [key, window start]); sessions by key, start and end, as
 * downstream sees them (Kafka Streams' session keys hold both ends): a session
 * extended from [s, e] to [s, e'] withdraws [s, e] and adds [s, e'], two keys,
 * though the store keeps both at [key, s].
 */
export type CachedRows = "rows" | "windows" | "sessions";

interface CacheEntry {
  /** The latest change to forward for the key. */
  record: Output;
  /** Whether the key had a value downstream before its first update since the last flush. */
  readonly existed: boolean;
  /** A table row's value before its first update since the last flush (RowChange.oldValue). */
  readonly oldValue: unknown;
  /** When the key was last updated, to flush in that order. */
  seq: number;
  bytes: number;
}

/** Where the cache of a store reads what it needs of the store. */
export interface CachedStore {
  /** The bytes of the store's value of a key (JSON text), 0 without one. */
  valueBytes(keyText: string): number;
  /** The JSON text of the key's value before the record being processed changed it (undefined: none). */
  valueBeforeRecord(keyText: string): string | undefined;
}

/**
 * The cache of one store of one task (Kafka Streams' NamedCache): the pending
 * change of each key, in the order of each key's latest update (NamedCache's
 * dirty keys: a key updated again moves to the end), flushed to `forward`.
 */
export class NamedCache {
  private readonly entries = new Map<string, CacheEntry>();
  /** The keys changed by the record being processed, with what they were before it (undefined: absent), to undo it. */
  private readonly undoKeys: string[] = [];
  private readonly undoEntries: (CacheEntry | undefined)[] = [];
  private seq = 0;
  /** Whether a put reached this cache since the task's record began, its flushes included (an eviction looks only at those). */
  touched = false;
  private forward: ((record: Output) => void) | undefined;

  constructor(
    readonly name: string,
    private readonly rows: CachedRows,
    private readonly store: CachedStore,
    private readonly budget: RecordCacheBudget,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The processor's forward: where a flush sends the changes. */
  listen(forward: (record: Output) => void): void {
    this.forward = forward;
  }

  /** Holds a change instead of forwarding it. Called right after the store took the change. */
  put(record: Output): void {
    const storeKey = this.rows === "rows" ? JSON.stringify(record.key) : JSON.stringify([record.key, record.window!.start]);
    const keyText = this.rows === "sessions" ? `${storeKey}${record.window!.end}` : storeKey;
    const bytes = keyText.length + this.store.valueBytes(storeKey) + ENTRY_OVERHEAD_BYTES;
    const previous = this.entries.get(keyText);
    this.undoKeys.push(keyText);
    this.undoEntries.push(previous);
    this.touched = true;
    if (previous === undefined) {
      const old = (record as { oldValue?: unknown }).oldValue;
      const existed = this.rows === "rows" ? old !== undefined && old !== null : this.heldBefore(storeKey, record);
      this.entries.set(keyText, { record, existed, oldValue: old, seq: this.seq++, bytes });
      this.budget.used += bytes;
    } else {
      // A new object, not the old one changed: the undo log keeps the old one as it was.
      this.entries.set(keyText, { record, existed: previous.existed, oldValue: previous.oldValue, seq: this.seq++, bytes });
      this.budget.used += bytes - previous.bytes;
    }
  }

  /** Whether the store held this window (a session: with this end) before the record being processed. */
  private heldBefore(storeKey: string, record: Output): boolean {
    const before = this.store.valueBeforeRecord(storeKey);
    if (before === undefined) return false;
    return this.rows !== "sessions" || (JSON.parse(before) as { end: number }).end === record.window!.end;
  }

  /** Starts a record: its puts can be undone. */
  beginRecord(): void {
    this.undoKeys.length = 0;
    this.undoEntries.length = 0;
  }

  /** Undoes the puts of the record being processed. */
  rollback(): void {
    for (let i = this.undoKeys.length - 1; i >= 0; i--) {
      const key = this.undoKeys[i]!;
      const previous = this.undoEntries[i];
      this.budget.used -= this.entries.get(key)!.bytes;
      if (previous === undefined) this.entries.delete(key);
      else {
        this.entries.set(key, previous);
        this.budget.used += previous.bytes;
      }
    }
    this.beginRecord();
  }

  /**
   * Takes the pending changes out of the cache, in the order of each key's
   * latest update, as the records to forward: a table row's with the old
   * value of its first update since the last flush. A key that had no value
   * before and has none now forwards nothing (Kafka Streams' caching stores
   * skip it too). The caller forwards them (`forwardFlushed`), each as a record of its own.
   */
  takeFlushed(): Output[] {
    if (this.entries.size === 0) return [];
    const pending = [...this.entries.values()].sort((a, b) => a.seq - b.seq);
    this.dropAll();
    const flushed: Output[] = [];
    for (const entry of pending) {
      const { record } = entry;
      const deleted = record.value === null || record.value === undefined;
      if (deleted && !entry.existed && record.joined === undefined) continue;
      if (this.rows === "rows" && (record as { oldValue?: unknown }).oldValue !== entry.oldValue) flushed.push({ ...record, oldValue: entry.oldValue } as Output);
      else flushed.push(record);
    }
    return flushed;
  }

  /** Sends a flushed change downstream. */
  forwardFlushed(record: Output): void {
    this.forward!(record);
  }

  /** Forgets every pending change without forwarding it (a task closed dirty: they were never committed). */
  dropAll(): void {
    for (const entry of this.entries.values()) this.budget.used -= entry.bytes;
    this.entries.clear();
    this.undoKeys.length = 0;
    this.undoEntries.length = 0;
    this.seq = 0;
  }
}
