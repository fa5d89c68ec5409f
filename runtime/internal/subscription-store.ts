// The store of a foreign-key join's subscriptions, keyed by [foreign key, left
// key]. A change of a right row must find every subscription to it; the store
// keeps an index from the foreign key's JSON text to its subscriptions' keys,
// maintained through every change (put, delete, rollback, restore), so that a
// lookup costs the number of subscribers, not the number of subscriptions.
import { InMemoryKeyValueStore } from "./state-store.ts";

export class SubscriptionStore extends InMemoryKeyValueStore {
  private readonly byForeignKey = new Map<string, Map<string, unknown>>();

  /** The subscriptions to the row keyed `foreignKey`: each subscriber's left key, and what the subscription holds. */
  *subscribersOf(foreignKey: unknown): IterableIterator<[leftKey: unknown, subscription: unknown]> {
    const keys = this.byForeignKey.get(JSON.stringify(foreignKey));
    if (!keys) return;
    for (const [key, value] of keys) yield [(JSON.parse(key) as [unknown, unknown])[1], value];
  }

  protected override changed(key: string, value: unknown): void {
    const foreignKey = JSON.stringify((JSON.parse(key) as [unknown, unknown])[0]);
    let keys = this.byForeignKey.get(foreignKey);
    if (value === undefined) {
      keys?.delete(key);
      if (keys?.size === 0) this.byForeignKey.delete(foreignKey);
      return;
    }
    if (!keys) this.byForeignKey.set(foreignKey, (keys = new Map()));
    keys.set(key, value);
  }

  protected override cleared(): void {
    this.byForeignKey.clear();
  }
}
