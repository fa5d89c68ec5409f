// examples/revenue.weir (1-minute tumbling windows, grace 0, late orders
// dead-lettered) compiled and run on the real broker, exactly-once, stopped
// in the middle and started again twice. The expected output is computed here,
// independently of weir.
// Without record caches (cacheMaxBytes 0): these tests check every update.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partitionForKey } from "../../../runtime/internal/partitioner.ts";
import { runKafka } from "../../../runtime/kafka.ts";
import type { Topology } from "../../../runtime/topology/graph.ts";
import { loadTopology } from "../../../src/compiled-module.ts";
import { BROKERS, connectBroker, createTopic, readCommitted, uniqueName, type Broker } from "../helpers.ts";

const root = join(import.meta.dirname, "..", "..", "..");

let broker: Broker;
beforeAll(async () => {
  broker = await connectBroker();
});
afterAll(async () => {
  await broker?.close();
});

interface Order {
  readonly id: string;
  readonly customerId: string;
  readonly amount: number;
  readonly ts: number;
}

/**
 * The example with its two topics renamed for this test (the broker is
 * shared: "orders" may belong to someone else). Nothing else changes.
 */
async function revenueTopology(orders: string, output: string): Promise<Topology> {
  const path = join(root, "examples", "revenue.weir");
  const source = readFileSync(path, "utf8");
  expect(source).toContain('topic "orders"');
  expect(source).toContain('topic "revenue-per-minute"');
  const loaded = await loadTopology(path, source.replace('topic "orders"', `topic "${orders}"`).replace('topic "revenue-per-minute"', `topic "${output}"`));
  expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return loaded.topology!;
}

/** Orders mostly in time order, some up to 90 s behind (some of those late), amounts in cents. */
function generateOrders(count: number, firstId: number, startTs: number, seed: number): Order[] {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const customers = ["alice", "bob", "carol", "dave", "erin"];
  const orders: Order[] = [];
  let ts = startTs;
  for (let i = 0; i < count; i++) {
    ts += Math.floor(random() * 4000);
    const jitter = random() < 0.1 ? Math.floor(random() * 90_000) : 0;
    orders.push({
      id: `o-${firstId + i}`,
      customerId: customers[Math.floor(random() * customers.length)]!,
      amount: Math.floor(random() * 10_000) / 100,
      ts: ts - jitter,
    });
  }
  return orders;
}

async function produceOrders(topic: string, orders: readonly Order[], keyOf: (order: Order) => string = (o) => o.id): Promise<void> {
  await broker.producer.send({ topic, acks: -1, messages: orders.map((o) => ({ key: keyOf(o), value: JSON.stringify(o), timestamp: String(o.ts) })) });
}

interface Expected {
  readonly output: { key: string; value: { customerId: string; windowStart: number; windowEnd: number; total: number; count: number }; timestamp: number }[];
  readonly late: string[];
}

/**
 * One input partition, so one repartition partition: orders are aggregated in
 * produce order. Stream time is the highest ts so far; with grace 0 an order
 * is late when its window's end is at or before stream time.
 */
function expectedRevenue(orders: readonly Order[]): Expected {
  const windows = new Map<string, { total: number; count: number; timestamp: number }>();
  const expected: Expected = { output: [], late: [] };
  let streamTime = -Infinity;
  for (const order of orders) {
    streamTime = Math.max(streamTime, order.ts);
    const windowStart = order.ts - (order.ts % 60_000);
    const windowEnd = windowStart + 60_000;
    if (windowEnd <= streamTime) {
      expected.late.push(order.id);
      continue;
    }
    const id = `${order.customerId}@${windowStart}`;
    const previous = windows.get(id) ?? { total: 0, count: 0, timestamp: -Infinity };
    const next = { total: previous.total + order.amount, count: previous.count + 1, timestamp: Math.max(previous.timestamp, order.ts) };
    windows.set(id, next);
    expected.output.push({
      key: order.customerId,
      value: { customerId: order.customerId, windowStart, windowEnd, total: next.total, count: next.count },
      timestamp: next.timestamp,
    });
  }
  return expected;
}

describe("examples/revenue.weir on Kafka, exactly_once", () => {
  it("windowed revenue end to end, stopped mid-run and restarted twice: exact output, late orders dead-lettered, stream time restored", async () => {
    const app = uniqueName("weir-test-revenue");
    const ordersTopic = `${app}-orders`;
    const outputTopic = `${app}-revenue-per-minute`;
    await createTopic(broker, ordersTopic, 1);
    const topology = await revenueTopology(ordersTopic, outputTopic);
    const start = 1_700_000_000_000;
    const first = generateOrders(300, 1, start, 42);
    await produceOrders(ordersTopic, first);

    // Run 1: stopped after a few commits, in the middle of the input.
    const stop = new AbortController();
    let commits = 0;
    const run1 = await runKafka(topology, {
      brokers: BROKERS,
      cacheMaxBytes: 0,
      applicationId: app,
      maxRecordsPerCommit: 25,
      signal: stop.signal,
      onCommit: () => {
        if (++commits === 6) stop.abort();
      },
    });
    expect(run1.stoppedBy).toBe("closed");
    const partial = await readCommitted(broker, outputTopic);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(expectedRevenue(first).output.length);

    // Run 2: restores the window store and drains the rest.
    const run2 = await runKafka(topology, { brokers: BROKERS, cacheMaxBytes: 0, applicationId: app, maxRecordsPerCommit: 25 });
    expect(run2.stoppedBy).toBe("drained");
    expect(run2.restored.find((r) => r.store === "revenue")!.records).toBeGreaterThan(0);

    // Run 3 reads only new orders. The first is late only by the stream time of
    // the orders before the restart (its own ts is far behind it): accepted, it
    // would open a window again. The second falls in the last order's window,
    // whose total must go on from the restored one.
    const maxTs = Math.max(...first.map((o) => o.ts));
    const last = [...first].reverse().find((o) => o.ts === maxTs)!;
    const second: Order[] = [
      { id: "o-late-after-restart", customerId: "zed", amount: 1, ts: maxTs - 61_000 },
      { id: "o-same-window", customerId: last.customerId, amount: 0.5, ts: maxTs },
      ...generateOrders(50, 1000, maxTs, 7),
    ];
    await produceOrders(ordersTopic, second);
    const run3 = await runKafka(topology, { brokers: BROKERS, cacheMaxBytes: 0, applicationId: app });
    expect(run3.stoppedBy).toBe("drained");
    expect(run3.recordsProcessed).toBe(2 * second.length);

    const expected = expectedRevenue([...first, ...second]);
    expect(expected.late).toContain("o-late-after-restart");
    expect(expected.late.length).toBeGreaterThan(1);
    const output = await readCommitted(broker, outputTopic);
    expect(output.map((r) => ({ key: r.key, value: JSON.parse(r.value!) as unknown, timestamp: r.timestamp }))).toEqual(expected.output);

    const lateTotal = (run1.lateRecords ?? 0) + (run2.lateRecords ?? 0) + (run3.lateRecords ?? 0);
    expect(lateTotal).toBe(expected.late.length);
    const dead = (await readCommitted(broker, `${app}-dlq`)).map((r) => JSON.parse(r.value!) as { reason: string; topic: string; value: string });
    expect(dead.map((d) => d.reason)).toEqual(expected.late.map(() => "late"));
    expect(dead.map((d) => (JSON.parse(d.value) as Order).id)).toEqual(expected.late);
    for (const letter of dead) expect(letter.topic).toBe(`${app}-revenue-repartition`);
  });
});

describe("examples/revenue.weir on Kafka, exactly_once, three partitions", () => {
  it("every task's windows restored from its own changelog partition: per customer, the exact running totals; orders behind their task's stream time dead-lettered", async () => {
    const app = uniqueName("weir-test-revenue3");
    const ordersTopic = `${app}-orders`;
    const outputTopic = `${app}-revenue-per-minute`;
    await createTopic(broker, ordersTopic, 3);
    const topology = await revenueTopology(ordersTopic, outputTopic);
    // Orders keyed by customer, so each customer's orders stay in order through
    // the repartition topic. Tasks interleave, so which order is late would
    // depend on timing: every order of a run falls in one window, never late.
    const minute = 1_700_000_040_000;
    const inWindow = (orders: Order[], start: number) => orders.map((o, i) => ({ ...o, ts: start + (i % 59_000) }));
    const first = inWindow(generateOrders(240, 1, minute, 5), minute);
    await produceOrders(ordersTopic, first, (o) => o.customerId);

    const stop = new AbortController();
    let commits = 0;
    const run1 = await runKafka(topology, {
      brokers: BROKERS,
      cacheMaxBytes: 0,
      applicationId: app,
      maxRecordsPerCommit: 20,
      signal: stop.signal,
      // Stopped after the second commit that wrote windows.
      onCommit: (commit) => {
        if ((commit.outputs[outputTopic] ?? 0) > 0 && ++commits === 2) stop.abort();
      },
    });
    expect(run1.stoppedBy).toBe("closed");
    expect(run1.outputs[outputTopic]).toBeLessThan(first.length);
    const run2 = await runKafka(topology, { brokers: BROKERS, cacheMaxBytes: 0, applicationId: app });
    expect(run2.stoppedBy).toBe("drained");
    expect(run2.restored.find((r) => r.store === "revenue")!.records).toBeGreaterThan(0);

    // The next minute: the first window closes in every task that sees it.
    const second = inWindow(generateOrders(60, 1000, minute + 60_000, 9), minute + 60_000);
    // Then, for every customer, an order of the first minute: late in its task,
    // whose stream time (restored by run 3) is in the second minute.
    const customers = [...new Set(first.map((o) => o.customerId))];
    const lateOnes = customers.map((customerId, i) => ({ id: `late-${i}`, customerId, amount: 1, ts: minute + 1 }));
    await produceOrders(ordersTopic, [...second, ...lateOnes], (o) => o.customerId);
    const run3 = await runKafka(topology, { brokers: BROKERS, cacheMaxBytes: 0, applicationId: app });
    expect(run3.stoppedBy).toBe("drained");

    // Per customer (one repartition partition each, in order) the expected changes.
    const output = await readCommitted(broker, outputTopic);
    for (const customerId of customers) {
      const mine = [...first, ...second, ...lateOnes].filter((o) => o.customerId === customerId);
      const tasksMaxTs = (partition: number) =>
        Math.max(...[...first, ...second].filter((o) => partitionOfCustomer(o.customerId) === partition).map((o) => o.ts));
      // A late order is late only if its task saw the second minute; every task does here.
      expect(tasksMaxTs(partitionOfCustomer(customerId))).toBeGreaterThanOrEqual(minute + 60_000);
      const expected = expectedRevenue(mine.filter((o) => !o.id.startsWith("late-")));
      expect(
        output.filter((r) => r.key === customerId).map((r) => ({ key: r.key, value: JSON.parse(r.value!) as unknown, timestamp: r.timestamp })),
        customerId,
      ).toEqual(expected.output);
    }
    expect(output.length).toBe(first.length + second.length);
    const dead = (await readCommitted(broker, `${app}-dlq`)).map((r) => (JSON.parse(JSON.parse(r.value!).value as string) as Order).id);
    expect(dead.sort()).toEqual(lateOnes.map((o) => o.id).sort());
    expect(run1.lateRecords! + run2.lateRecords! + run3.lateRecords!).toBe(lateOnes.length);
    const metadata = await broker.admin.fetchTopicMetadata({ topics: [`${app}-revenue-changelog`] });
    expect(metadata.topics[0]!.partitions).toHaveLength(3);
  });
});

/** The repartition partition of a customer: its key there is the JSON text of the customer id. */
function partitionOfCustomer(customerId: string): number {
  return partitionForKey(Buffer.from(JSON.stringify(customerId)), 3);
}
