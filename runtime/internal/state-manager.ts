// A task's state stores, as Kafka Streams' ProcessorStateManager keeps them:
// built from the sub-topology's store descriptions (topology/stores.ts), one
// implementation per kind of description, each with its changelog partition
// (the task's partition). The task asks it to start and undo a record in
// every store, to write its stream time to the stores that keep it, and for
// the changelog records a commit writes.
import { WeirRuntimeError } from "../errors.ts";
import type { StoreDescription, StoreKind } from "../topology/stores.ts";
import { InMemoryDedupStore } from "./dedup-store.ts";
import { JoinBufferStore } from "./join-buffer-store.ts";
import type { ProducerRecord, TopicPartition } from "./log-client.ts";
import { NamedCache, type CachedRows, type RecordCacheBudget } from "./record-cache.ts";
import { InMemoryKeyValueStore } from "./state-store.ts";
import { SHAPE_RECORD_HEADERS, SHAPE_RECORD_KEY, shapeRecordValue } from "./store-shape-record.ts";
import { SubscriptionStore } from "./subscription-store.ts";
import { TimedStore } from "./timed-store.ts";
import { InMemoryWindowStore } from "./window-store.ts";

/** The store each kind of description is built as. */
export interface StoreOfKind {
  readonly keyValue: InMemoryKeyValueStore;
  readonly window: InMemoryWindowStore;
  readonly dedup: InMemoryDedupStore;
  readonly joinBuffer: JoinBufferStore;
  readonly subscriptions: SubscriptionStore;
}

/** How each kind is built: a kind without a builder is a compile error. */
const STORE_BUILDERS: { readonly [K in StoreKind]: (description: Extract<StoreDescription, { kind: K }>) => StoreOfKind[K] } = {
  keyValue: (description) => new InMemoryKeyValueStore(description.name),
  window: (description) => new InMemoryWindowStore(description.name, description.window),
  dedup: (description) => new InMemoryDedupStore(description.name, description.withinMs),
  joinBuffer: (description) => new JoinBufferStore(description.name, description.window),
  subscriptions: (description) => new SubscriptionStore(description.name),
};

/** How a lookup of the wrong kind names the kind it wanted. */
const KIND_NAMES: { readonly [K in StoreKind]: string } = {
  keyValue: "store",
  window: "window store",
  dedup: "dedup store",
  joinBuffer: "join buffer",
  subscriptions: "subscription store",
};

function buildStore<K extends StoreKind>(description: Extract<StoreDescription, { kind: K }>): StoreOfKind[K] {
  const build = STORE_BUILDERS[description.kind] as (description: Extract<StoreDescription, { kind: K }>) => StoreOfKind[K];
  return build(description);
}

/** A store and the changelog partition it is restored from and logged to. */
export interface RegisteredStore {
  readonly store: InMemoryKeyValueStore;
  readonly changelog: TopicPartition;
}

interface Registered extends RegisteredStore {
  readonly description: StoreDescription;
}

export class StateManager {
  private readonly stores = new Map<string, Registered>();
  /** The stores that keep the task's stream time: window stores, dedup stores and join buffers. */
  private readonly timedStores: TimedStore[] = [];
  /** The stores whose shape records the commit being prepared writes. */
  private shapesInCommit: InMemoryKeyValueStore[] = [];
  /** The record caches of the stores whose processors asked for one, in the order they asked (record-cache.ts). */
  readonly caches: NamedCache[] = [];

  constructor(
    private readonly task: string,
    descriptions: readonly StoreDescription[],
    partition: number,
    /** The run's cache budget; absent or 0 bytes: no caches, every change is forwarded as it happens. */
    private readonly cacheBudget?: RecordCacheBudget,
  ) {
    for (const description of descriptions) {
      const store: InMemoryKeyValueStore = buildStore(description);
      if (store instanceof TimedStore) this.timedStores.push(store);
      store.shape = description.shape;
      this.stores.set(description.name, { description, store, changelog: { topic: description.changelogTopic, partition } });
    }
  }

  /** Any of the task's stores, read as a key-value store. */
  store(name: string): InMemoryKeyValueStore {
    const registered = this.stores.get(name);
    if (!registered) throw new WeirRuntimeError(`task ${this.task} has no store named ${name}`);
    return registered.store;
  }

  /** One of the task's stores of the given kind. */
  storeOfKind<K extends StoreKind>(name: string, kind: K): StoreOfKind[K] {
    const registered = this.stores.get(name);
    if (registered?.description.kind !== kind) throw new WeirRuntimeError(`task ${this.task} has no ${KIND_NAMES[kind]} named ${name}`);
    return registered.store as StoreOfKind[K];
  }

  /**
   * A record cache in front of a store, for the processor that keeps it (a
   * table's source, an aggregation, a materialized table); undefined when the
   * run caches nothing.
   */
  recordCache(name: string, rows: CachedRows): NamedCache | undefined {
    if (!this.cacheBudget || this.cacheBudget.maxBytes === 0) return undefined;
    const cache = new NamedCache(name, rows, this.store(name), this.cacheBudget);
    this.caches.push(cache);
    return cache;
  }

  /** The changelog topic of a store. */
  changelogOf(name: string): string {
    return this.stores.get(name)!.changelog.topic;
  }

  /** The stores to restore before processing, with their changelog partitions. */
  get changelogs(): RegisteredStore[] {
    return [...this.stores.values()].map(({ store, changelog }) => ({ store, changelog }));
  }

  /** The stream time the stores that keep it were restored with: the latest of theirs (-Infinity without any). */
  get restoredStreamTime(): number {
    let streamTime = Number.NEGATIVE_INFINITY;
    for (const store of this.timedStores) streamTime = Math.max(streamTime, store.streamTime);
    return streamTime;
  }

  /**
   * Writes the task's new stream time to the stores that keep it, before the
   * record that moved it starts: outside that record's rollback, so that a
   * failure of the record does not take it back.
   */
  recordStreamTime(streamTime: number): void {
    for (const store of this.timedStores) {
      store.beginRecord(streamTime);
      store.streamTime = streamTime;
    }
  }

  /** Starts a record in every store: its changes are logged with its timestamp, and can be undone. */
  beginRecord(timestamp: number): void {
    for (const { store } of this.stores.values()) store.beginRecord(timestamp);
    for (const cache of this.caches) cache.beginRecord();
  }

  /** Undoes the record's changes in every store. */
  rollback(): void {
    for (const { store } of this.stores.values()) store.rollback();
    for (const cache of this.caches) cache.rollback();
  }

  /** Drops every store's contents (a task closed without committing: whoever runs it next restores them), and its caches' pending changes. */
  clear(): void {
    for (const { store } of this.stores.values()) store.clear();
    this.dropCaches();
  }

  /** Forgets the caches' pending changes, giving their bytes back to the run's budget. */
  dropCaches(): void {
    for (const cache of this.caches) cache.dropAll();
  }

  /**
   * Appends the stores' changes to a commit's records, as changelog records:
   * each store's after its shape record when its changelog partition has none
   * yet (store-shape-record.ts). (Appended one by one: a commit can hold more
   * records than a call can take arguments.)
   */
  appendChangelogRecords(records: ProducerRecord[]): void {
    this.shapesInCommit = [];
    for (const { store, changelog } of this.stores.values()) {
      if (store.shape && !store.shapeRecorded) {
        const value = Buffer.from(shapeRecordValue(store.name, store.shape), "utf8");
        const key = Buffer.from(SHAPE_RECORD_KEY, "utf8");
        records.push({ topic: changelog.topic, partition: changelog.partition, key, value, timestamp: Date.now(), headers: SHAPE_RECORD_HEADERS });
        this.shapesInCommit.push(store);
      }
      for (const change of store.drainChangelog()) {
        records.push({
          topic: changelog.topic,
          partition: changelog.partition,
          key: Buffer.from(change.key, "utf8"),
          value: change.value === null ? null : Buffer.from(change.value, "utf8"),
          timestamp: change.timestamp,
        });
      }
    }
  }

  /** The commit that wrote `appendChangelogRecords`' records succeeded: the shape records in it are written. */
  postCommit(): void {
    for (const store of this.shapesInCommit) store.shapeRecorded = true;
    this.shapesInCommit = [];
  }
}
