// A windowed left join of two streams compiled from .weir and run on the real
// broker, exactly-once, over two partitions, stopped in the middle and started
// again: the join buffers are restored from their changelogs, and the output
// is exactly the one computed here, independently of weir.
// Without record caches (cacheMaxBytes 0): these tests check every update.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partitionForKey } from "../../../runtime/internal/partitioner.ts";
import { runKafka } from "../../../runtime/kafka.ts";
import { loadTopology } from "../../../src/compiled-module.ts";
import { BROKERS, connectBroker, createTopic, readCommitted, uniqueName, type Broker } from "../helpers.ts";

let broker: Broker;
beforeAll(async () => {
  broker = await connectBroker();
});
afterAll(async () => {
  await broker?.close();
});

interface Event {
  readonly id: string;
  readonly ts: number;
}

const WITHIN = 1000;

function source(orders: string, payments: string, output: string): string {
  return `application sj

schema Order { id: string, ts: timestamp }
schema Payment { id: string, ts: timestamp }

stream orders from topic "${orders}" key string value json Order event time ts
stream payments from topic "${payments}" key string value json Payment event time ts

stream paid = orders
  | left join payments within ${WITHIN} ms
  | select { order: id, payment: payments.id }

sink paid to topic "${output}"
`;
}

describe("stream-stream left join on Kafka, exactly_once", () => {
  it("two partitions, stopped mid-run and restarted: exact joined and unmatched results, buffers restored", async () => {
    const app = uniqueName("weir-test-sj");
    const topics = { orders: `${app}-orders`, payments: `${app}-payments`, output: `${app}-paid` };
    await createTopic(broker, topics.orders, 2);
    await createTopic(broker, topics.payments, 2);
    const loaded = await loadTopology(join(import.meta.dirname, "sj.weir"), source(topics.orders, topics.payments, topics.output));
    expect(loaded.diagnostics).toEqual([]);
    const topology = loaded.topology!;

    // Every 100 ms an order; a payment for two orders of three, 0-1500 ms later (within 1000 ms joins).
    const start = 1_700_000_000_000;
    const orders: { key: string; value: Event }[] = [];
    const payments: { key: string; value: Event }[] = [];
    for (let i = 0; i < 120; i++) {
      const key = `o${i}`;
      orders.push({ key, value: { id: key, ts: start + i * 100 } });
      if (i % 3 !== 2) payments.push({ key, value: { id: `p${i}`, ts: start + i * 100 + ((i * 37) % 16) * 100 + 1 } });
    }
    // Then, in each partition, a last order far later: every window before it closes.
    const end = start + 120 * 100 + 10 * WITHIN;
    for (const partition of [0, 1]) {
      const key = Array.from({ length: 100 }, (_, i) => `end${i}`).find((k) => partitionForKey(Buffer.from(k), 2) === partition)!;
      orders.push({ key, value: { id: key, ts: end } });
    }
    payments.sort((a, b) => a.value.ts - b.value.ts);
    const send = (topic: string, records: { key: string; value: Event }[]) =>
      broker.producer.send({ topic, acks: -1, messages: records.map((r) => ({ key: r.key, value: JSON.stringify(r.value), timestamp: String(r.value.ts) })) });
    await send(topics.orders, orders);
    await send(topics.payments, payments);

    const stop = new AbortController();
    let commits = 0;
    const run1 = await runKafka(topology, {
      brokers: BROKERS,
      cacheMaxBytes: 0,
      applicationId: app,
      maxRecordsPerCommit: 30,
      signal: stop.signal,
      onCommit: () => {
        if (++commits === 3) stop.abort();
      },
    });
    expect(run1.stoppedBy).toBe("closed");
    expect(run1.outputs[topics.output] ?? 0).toBeLessThan(100);
    const run2 = await runKafka(topology, { brokers: BROKERS, cacheMaxBytes: 0, applicationId: app, maxRecordsPerCommit: 30 });
    expect(run2.stoppedBy).toBe("drained");
    expect(run2.restored.filter((r) => r.store.startsWith("paid-join-")).reduce((n, r) => n + r.records, 0)).toBeGreaterThan(0);

    // Independently: each order with its payment if at most 1000 ms apart, else
    // (once the last order closes its window) with null; the last orders wait.
    const expected = orders
      .filter((o) => !o.key.startsWith("end"))
      .map((o) => {
        const payment = payments.find((p) => p.key === o.key && Math.abs(p.value.ts - o.value.ts) <= WITHIN);
        return payment
          ? { key: o.key, value: { order: o.key, payment: payment.value.id }, timestamp: Math.max(o.value.ts, payment.value.ts) }
          : { key: o.key, value: { order: o.key, payment: null }, timestamp: o.value.ts };
      });
    const output = (await readCommitted(broker, topics.output)).map((r) => ({ key: r.key, value: JSON.parse(r.value!) as unknown, timestamp: r.timestamp }));
    const byKey = (a: { key: string | null }, b: { key: string | null }) => (a.key! < b.key! ? -1 : a.key! > b.key! ? 1 : 0);
    expect(output.sort(byKey)).toEqual(expected.sort(byKey));
    expect(expected.filter((e) => (e.value as { payment: string | null }).payment === null).length).toBeGreaterThan(20);
    expect((await broker.admin.fetchTopicMetadata({ topics: [`${app}-paid-join-this-changelog`] })).topics[0]!.partitions).toHaveLength(2);
  });
});

describe("stream-stream right join with an asymmetric window on Kafka, exactly_once", () => {
  it("two partitions, stopped and restarted: each payment with the orders from 100 ms before it to 500 ms after, or alone", async () => {
    const app = uniqueName("weir-test-rj");
    const topics = { orders: `${app}-orders`, payments: `${app}-payments`, output: `${app}-paid` };
    await createTopic(broker, topics.orders, 2);
    await createTopic(broker, topics.payments, 2);
    // An order at t joins the payments at [t - 500 ms, t + 100 ms]; every payment is kept.
    const text = `application rj

schema Order { id: string, ts: timestamp }
schema Payment { id: string, ts: timestamp }

stream orders from topic "${topics.orders}" key string value json Order event time ts
stream payments from topic "${topics.payments}" key string value json Payment event time ts

stream paid = orders
  | right join payments within 500 ms before and 100 ms after
  | select { order: id, payment: payments.id }

sink paid to topic "${topics.output}"
`;
    const loaded = await loadTopology(join(import.meta.dirname, "rj.weir"), text);
    expect(loaded.diagnostics).toEqual([]);
    const topology = loaded.topology!;

    // Every 100 ms an order; a payment for two orders of three, at one of these offsets from its order:
    // -501 and 101 are one millisecond outside the window, -500 and 100 on its bounds.
    const start = 1_700_000_000_000;
    const offsets = [-501, -500, -250, 0, 99, 100, 101, 400];
    const orders: { key: string; value: Event }[] = [];
    const payments: { key: string; value: Event }[] = [];
    for (let i = 0; i < 96; i++) {
      const key = `o${i}`;
      orders.push({ key, value: { id: key, ts: start + 1000 + i * 100 } });
      if (i % 3 !== 2) payments.push({ key, value: { id: `p${i}`, ts: start + 1000 + i * 100 + offsets[i % offsets.length]! } });
    }
    // Then, in each partition, a last order far later: every payment's window (s + 500 ms) closes.
    const end = start + 1000 + 96 * 100 + 10_000;
    for (const partition of [0, 1]) {
      const key = Array.from({ length: 100 }, (_, i) => `end${i}`).find((k) => partitionForKey(Buffer.from(k), 2) === partition)!;
      orders.push({ key, value: { id: key, ts: end } });
    }
    payments.sort((a, b) => a.value.ts - b.value.ts);
    const send = (topic: string, records: { key: string; value: Event }[]) =>
      broker.producer.send({ topic, acks: -1, messages: records.map((r) => ({ key: r.key, value: JSON.stringify(r.value), timestamp: String(r.value.ts) })) });
    await send(topics.orders, orders);
    await send(topics.payments, payments);

    const stop = new AbortController();
    let commits = 0;
    const run1 = await runKafka(topology, {
      brokers: BROKERS,
      cacheMaxBytes: 0,
      applicationId: app,
      maxRecordsPerCommit: 25,
      signal: stop.signal,
      onCommit: () => {
        if (++commits === 3) stop.abort();
      },
    });
    expect(run1.stoppedBy).toBe("closed");
    const run2 = await runKafka(topology, { brokers: BROKERS, cacheMaxBytes: 0, applicationId: app, maxRecordsPerCommit: 25 });
    expect(run2.stoppedBy).toBe("drained");
    expect(run2.deadLettered).toBe(0);
    expect(run2.restored.filter((r) => r.store.startsWith("paid-join-")).reduce((n, r) => n + r.records, 0)).toBeGreaterThan(0);

    // Independently: each payment at s with its order if the order is at [s - 100, s + 500], else alone.
    const expected = payments.map((p) => {
      const order = orders.find((o) => o.key === p.key && o.value.ts >= p.value.ts - 100 && o.value.ts <= p.value.ts + 500);
      return order
        ? { key: p.key, value: { order: order.value.id, payment: p.value.id }, timestamp: Math.max(order.value.ts, p.value.ts) }
        : { key: p.key, value: { order: null, payment: p.value.id }, timestamp: p.value.ts };
    });
    const output = (await readCommitted(broker, topics.output)).map((r) => ({ key: r.key, value: JSON.parse(r.value!) as unknown, timestamp: r.timestamp }));
    const byKey = (a: { key: string | null }, b: { key: string | null }) => (a.key! < b.key! ? -1 : a.key! > b.key! ? 1 : 0);
    expect(output.sort(byKey)).toEqual(expected.sort(byKey));
    // Both kinds of result, and both bounds of the window, are in the data.
    const alone = expected.filter((e) => (e.value as { order: string | null }).order === null).length;
    expect(alone).toBeGreaterThan(10);
    expect(expected.length - alone).toBeGreaterThan(30);
  }, 180_000);
});
