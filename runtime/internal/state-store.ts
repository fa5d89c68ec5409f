// State stores. A store belongs to one task; every change to it is also
// appended to a changelog buffer, which the commit writes to the store's
// changelog topic in the same transaction as the task's output and offsets.
// The changelog partition is the task's partition (as in Kafka Streams), not
// the hash of the key: restoring task 0_2 reads partition 2 of the changelog.
//
// Keys are identified by their JSON text, so {a: 1} and {a: 1} are one key;
// values must be JSON values, as they are written to the changelog as JSON.
import { WeirRuntimeError } from "../errors.ts";
import type { StoreShape } from "../store-shape.ts";

export interface KeyValueStore<K, V> {
  readonly name: string;
  get(key: K): V | undefined;
  put(key: K, value: V): void;
  delete(key: K): void;
  readonly size: number;
}

/** One change to log: key and value as JSON text, value null for a delete. */
export interface ChangelogEntry {
  readonly key: string;
  readonly value: string | null;
  readonly timestamp: number;
}

interface Entry {
  value: unknown;
  /** The value's JSON text, kept to write the changelog and to undo changes. */
  json: string;
}

interface Undo {
  key: string;
  previous: string | undefined;
}

export class StoreSerializationError extends WeirRuntimeError {
  override readonly name: string = "StoreSerializationError";
}

export class InMemoryKeyValueStore implements KeyValueStore<unknown, unknown> {
  readonly name: string;
  private readonly entries = new Map<string, Entry>();
  private readonly changelog: ChangelogEntry[] = [];
  private readonly undoLog: Undo[] = [];
  /** The timestamp changes are logged with: the timestamp of the record being processed. */
  private timestamp = 0;
  /** The shape the topology declares for the store, if it declares one (store-shape-record.ts). */
  shape: StoreShape | undefined;
  /** Whether the store's changelog partition holds a record of its shape: read back by restoration, written by the task's first commit. */
  shapeRecorded = false;

  constructor(name: string) {
    this.name = name;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: unknown): unknown {
    return this.entries.get(keyText(this.name, key))?.value;
  }

  put(key: unknown, value: unknown): void {
    if (value === null || value === undefined) {
      this.delete(key);
      return;
    }
    const text = keyText(this.name, key);
    const json = valueText(this.name, value);
    this.remember(text);
    // Keep what the changelog keeps: the value read back from its JSON. A value
    // JSON cannot hold as it is (Infinity, NaN, -0, undefined fields) would
    // otherwise differ between a run and a run restored after a restart.
    const stored = JSON.parse(json) as unknown;
    this.entries.set(text, { value: stored, json });
    this.changelog.push({ key: text, value: json, timestamp: this.timestamp });
    this.changed(text, stored);
  }

  delete(key: unknown): void {
    const text = keyText(this.name, key);
    this.remember(text);
    this.entries.delete(text);
    this.changelog.push({ key: text, value: null, timestamp: this.timestamp });
    this.changed(text, undefined);
  }

  // ------------------------------------------- for the task and the restorer

  /**
   * Starts a record: changes from here on can be undone with `rollback()`, so
   * that a record whose processing throws leaves the store as it found it.
   */
  beginRecord(timestamp: number): void {
    this.timestamp = timestamp;
    this.undoLog.length = 0;
  }

  /** Undoes every change since `beginRecord`, in the map and in the changelog buffer. */
  rollback(): void {
    for (let i = this.undoLog.length - 1; i >= 0; i--) {
      const { key, previous } = this.undoLog[i]!;
      if (previous === undefined) this.entries.delete(key);
      else this.entries.set(key, { value: JSON.parse(previous), json: previous });
      this.changelog.pop();
      this.changed(key, this.entries.get(key)?.value);
    }
    this.undoLog.length = 0;
  }

  /**
   * The changes since the last call, to write to the changelog topic: the
   * last change of each key only. A changelog is only ever read back whole,
   * to rebuild the latest value of each key, and the records of one commit
   * become visible together, so earlier changes of a key in the same commit
   * can never be needed (this is what compaction would keep on Kafka). It
   * saves most changelog writes for hot keys.
   */
  drainChangelog(): ChangelogEntry[] {
    // In the order of each key's last change. (Deleting and re-adding a key of
    // a Map per change, the obvious way, was quadratic in V8 for a key changed
    // on every record, as the stream time is: 3.8 s of 5 for 100,000 records.)
    const last = new Map<string, number>();
    this.changelog.forEach((entry, index) => last.set(entry.key, index));
    const latest = this.changelog.filter((entry, index) => last.get(entry.key) === index);
    this.changelog.length = 0;
    this.undoLog.length = 0;
    return latest;
  }

  /** Applies a changelog record without logging it again. */
  restore(key: string, value: string | null): void {
    if (value === null) this.entries.delete(key);
    else this.entries.set(key, { value: JSON.parse(value), json: value });
    this.changed(key, this.entries.get(key)?.value);
  }

  /** Forgets everything, e.g. when a task is closed without committing (its state is rebuilt from the changelog). */
  clear(): void {
    this.entries.clear();
    this.shapeRecorded = false;
    this.changelog.length = 0;
    this.undoLog.length = 0;
    this.cleared();
  }

  // ------------------------------------------- for the record cache in front of it (record-cache.ts)

  /** The length of the JSON text of a key's value (0 without one): what the record cache counts it for. */
  valueBytes(keyText: string): number {
    return this.entries.get(keyText)?.json.length ?? 0;
  }

  /** The JSON text of the key's value before the record being processed changed it (or now, unchanged by it); undefined: none. */
  valueBeforeRecord(keyText: string): string | undefined {
    for (const undo of this.undoLog) if (undo.key === keyText) return undo.previous;
    return this.entries.get(keyText)?.json;
  }

  /** Every entry: its key as JSON text, and its value. */
  *all(): IterableIterator<[string, unknown]> {
    for (const [key, entry] of this.entries) yield [key, entry.value];
  }

  // ------------------------------------------- for stores that keep an index

  /** Called after every change of a key (by put, delete, rollback or restore), with its value now; undefined: absent. */
  protected changed(_key: string, _value: unknown): void {}

  protected cleared(): void {}

  private remember(key: string): void {
    this.undoLog.push({ key, previous: this.entries.get(key)?.json });
  }
}

function keyText(store: string, key: unknown): string {
  const text = key === undefined ? undefined : JSON.stringify(key);
  if (text === undefined) throw new StoreSerializationError(`store ${store}: a key must be a JSON value, not ${String(key)}`);
  return text;
}

function valueText(store: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new StoreSerializationError(`store ${store}: a value must be a JSON value: ${(error as Error).message}`);
  }
  if (text === undefined) throw new StoreSerializationError(`store ${store}: a value must be a JSON value, not ${typeof value}`);
  return text;
}
