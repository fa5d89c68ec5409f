// A table's foreign-key join, as Kafka Streams' (KIP-213), in four processors over two
// internal topics:
//   left task:  foreignKeySend      left row changed → subscription (key: foreign key)
//   right task: foreignKeySubscribe subscription → stored, answered with the right row (key: left key)
//               foreignKeyNotify    right row changed → a response to each of its subscribers
//   left task:  foreignKeyResponse  response + the left row as it is now → joined row
// A response carries the hash of the left row it was computed for; when the
// left row has changed since (its hash differs), a newer response is on its
// way and this one is dropped. Every response is propagated, also "no right
// row" (a delete for an inner join): the materialized result downstream drops
// deletes of rows it does not hold, which is what Kafka Streams' instructions
// (PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE, ...) achieve.
import { createHash } from "node:crypto";
import type { ForeignKeyNotifyNode, ForeignKeyResponseNode, ForeignKeySendNode, ForeignKeySubscribeNode, StreamRecord } from "../topology/nodes.ts";
import { isAbsent, readStore, type Forward, type ProcessorBuilders, type ProcessorContext } from "./processor.ts";

export const foreignKeyProcessors = {
  foreignKeySend: (node, { forward, context }) => foreignKeySend(node, forward, context),
  foreignKeySubscribe: (node, { forward, context }) => foreignKeySubscribe(node, forward, context),
  foreignKeyNotify: (node, { forward, context }) => foreignKeyNotify(node, forward, context),
  foreignKeyResponse: (node, { forward, context }) => foreignKeyResponse(node, forward, context),
} satisfies Partial<ProcessorBuilders>;

/** What the subscription topic carries, keyed by the foreign key (null when the row has none). */
interface Subscription {
  readonly leftKey: unknown;
  /** The left row's hash; null after it was deleted. */
  readonly hash: string | null;
  /** Keep the subscription (false: remove it). */
  readonly subscribe: boolean;
  /** Answer it with the right row now. */
  readonly propagate: boolean;
}

/** What the response topic carries, keyed by the left key. */
interface Response {
  readonly hash: string | null;
  readonly value: unknown;
}

/** The hash of a row's JSON text: a response is for the row as it is only if their hashes match. */
function rowHash(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("base64url").slice(0, 22);
}

function foreignKeySend(node: ForeignKeySendNode, forward: Forward, context: ProcessorContext): Forward {
  const foreignKeys = context.store(node.store);
  return (record) => {
    if (isAbsent(record.key)) return;
    const send = (foreignKey: unknown, subscription: Subscription) => forward({ key: foreignKey ?? null, value: subscription, timestamp: record.timestamp });
    const previous = foreignKeys.get(record.key);
    const next = isAbsent(record.value) ? undefined : (node.foreignKey(record) ?? undefined);
    if (next === undefined) foreignKeys.delete(record.key);
    else foreignKeys.put(record.key, next);
    const changed = previous !== undefined && JSON.stringify(previous) !== JSON.stringify(next);
    if (isAbsent(record.value)) {
      // Deleted: unsubscribe, and let the response delete the joined row. A row
      // without a foreign key had no subscription: its delete goes with a null key.
      send(previous, { leftKey: record.key, hash: null, subscribe: false, propagate: true });
      return;
    }
    const hash = rowHash(record.value);
    if (changed) send(previous, { leftKey: record.key, hash, subscribe: false, propagate: false });
    // A row without a foreign key joins no row: answered at once, not stored.
    send(next, { leftKey: record.key, hash, subscribe: next !== undefined, propagate: true });
  };
}

function foreignKeySubscribe(node: ForeignKeySubscribeNode, forward: Forward, context: ProcessorContext): Forward {
  const subscriptions = context.store(node.store);
  const right = context.store(node.rightStore);
  return (record) => {
    const subscription = record.value as Subscription | null;
    if (!subscription) return;
    const foreignKey = record.key;
    let value: unknown = null;
    if (!isAbsent(foreignKey)) {
      const key = [foreignKey, subscription.leftKey];
      if (subscription.subscribe) subscriptions.put(key, { hash: subscription.hash });
      else if (subscriptions.get(key) !== undefined) subscriptions.delete(key);
      if (subscription.propagate) value = readStore(right, foreignKey, node.readRight) ?? null;
    }
    if (subscription.propagate) forward({ key: subscription.leftKey, value: { hash: subscription.hash, value } satisfies Response, timestamp: record.timestamp });
  };
}

function foreignKeyNotify(node: ForeignKeyNotifyNode, forward: Forward, context: ProcessorContext): Forward {
  const subscriptions = context.storeOfKind(node.subscriptions, "subscriptions");
  return (record) => {
    if (isAbsent(record.key)) return;
    const responses: StreamRecord<unknown, unknown>[] = [];
    for (const [leftKey, stored] of subscriptions.subscribersOf(record.key)) {
      const response: Response = { hash: (stored as { hash: string | null }).hash, value: record.value ?? null };
      responses.push({ key: leftKey, value: response, timestamp: record.timestamp });
    }
    for (const response of responses) forward(response);
  };
}

function foreignKeyResponse(node: ForeignKeyResponseNode, forward: Forward, context: ProcessorContext): Forward {
  const left = context.store(node.leftStore);
  return (record) => {
    const response = record.value as Response | null;
    if (isAbsent(record.key) || !response) return;
    const current = readStore(left, record.key, node.readLeft);
    const currentHash = isAbsent(current) ? null : rowHash(current);
    // Computed for another version of the left row: a response for the current one follows.
    if (response.hash !== currentHash) return;
    if (isAbsent(current) || (isAbsent(response.value) && node.type === "inner")) {
      forward({ key: record.key, value: null, timestamp: record.timestamp });
      return;
    }
    forward({ key: record.key, value: current, timestamp: record.timestamp, joined: { [node.joinedAs]: response.value ?? null } });
  };
}
