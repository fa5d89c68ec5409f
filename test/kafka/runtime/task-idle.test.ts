// A task with several inputs on Kafka chooses records in timestamp order even
// when one input is fetched before the other has anything (GUIDE fact 9,
// Kafka Streams' max.task.idle.ms): a stream-table join whose orders are on
// the broker before the customers they should meet, which are written with
// earlier timestamps a moment after the run started. Each order must meet the
// customer value valid at its own timestamp, run after run.
// Without record caches (cacheMaxBytes 0): these tests check every update.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runKafka } from "../../../runtime/kafka.ts";
import type { RunSummary } from "../../../runtime/engine.ts";
import type { Topology } from "../../../runtime/topology/graph.ts";
import { loadTopology } from "../../../src/compiled-module.ts";
import { dedent } from "../../helpers/dedent.ts";
import { BROKERS, connectBroker, createTopic, readCommitted, uniqueName, type Broker } from "../helpers.ts";

let broker: Broker;
beforeAll(async () => {
  broker = await connectBroker();
});
afterAll(async () => {
  await broker?.close();
});

const now = Date.now();
const CUSTOMERS = ["c0", "c1", "c2", "c3", "c4", "c5"];
/** Customer versions at +0, +20, +40 ms; orders at +10, +30, +50: each order meets the version 10 ms before it. */
const VERSIONS = [0, 20, 40];
const ORDER_TIMES = [10, 30, 50];
const IDLE_MS = 3000;

async function produce(topic: string, records: { key: string; value: unknown; at: number }[]): Promise<void> {
  await broker.producer.send({
    topic,
    acks: -1,
    messages: records.map((r) => ({ key: r.key, value: JSON.stringify(r.value), timestamp: String(now + r.at) })),
  });
}

// Written in timestamp order: within a partition records are processed in
// offset order (as in Kafka Streams); the order across inputs is the engine's choice.
const orders = ORDER_TIMES.flatMap((at) => CUSTOMERS.map((customer) => ({ key: customer, value: { id: `${customer}-o${at}`, customerId: customer }, at })));
const customers = VERSIONS.flatMap((at) => CUSTOMERS.map((customer) => ({ key: customer, value: { id: customer, name: `${customer}@${at}` }, at })));
/** Order id → the name it must meet. */
const expected = new Map(orders.map((o) => [o.value.id, `${o.key}@${o.at - 10}`]));

async function setUp(prefix: string): Promise<{ app: string; topic: (name: string) => string; topology: Topology }> {
  const app = uniqueName(prefix);
  const topic = (name: string) => `${app}-${name}`;
  const source = dedent`
    application ${app.replaceAll("-", "")}
    schema Customer { id: string, name: string }
    schema Order { id: string, customerId: string }
    table customers from topic "${topic("customers")}" key string value json Customer
    stream orders from topic "${topic("orders")}" key string value json Order
    stream enriched = orders
      | left join customers
      | select { id, name: customers.name }
    sink enriched to topic "${topic("enriched")}"
  `;
  const loaded = await loadTopology(join(import.meta.dirname, "task-idle.weir"), source);
  expect(loaded.diagnostics).toEqual([]);
  await createTopic(broker, topic("customers"), 2);
  await createTopic(broker, topic("orders"), 2);
  return { app, topic, topology: loaded.topology! };
}

async function joined(topic: string): Promise<Map<string, string | null>> {
  const records = await readCommitted(broker, topic);
  return new Map(records.map((r) => JSON.parse(r.value!) as { id: string; name: string | null }).map((row) => [row.id, row.name]));
}

describe("multi-input tasks on Kafka (max.task.idle.ms)", () => {
  it("a stream-table join whose stream is fetched before the table's earlier records: each order meets the value valid at its timestamp, three runs out of three", async () => {
    for (let run = 0; run < 3; run++) {
      const { topic, topology } = await setUp("weir-test-idle");
      await produce(topic("orders"), orders);

      const lines: string[] = [];
      const controller = new AbortController();
      let written = 0;
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const result: Promise<RunSummary> = runKafka(topology, {
        brokers: BROKERS,
        cacheMaxBytes: 0,
        follow: true,
        pollIntervalMs: 10,
        maxTaskIdleMs: IDLE_MS,
        signal: controller.signal,
        logger: (line) => {
          if (process.env.WEIR_TEST_DEBUG) console.log(line);
          lines.push(line);
          if (line.includes("generation")) started();
        },
        onCommit: (commit) => {
          written += commit.outputs[topic("enriched")] ?? 0;
          if (process.env.WEIR_TEST_DEBUG) console.log(commit);
          if (written >= orders.length) controller.abort();
        },
      });
      // The tasks are running and fetch the orders; the customers come after.
      await running;
      await new Promise((resolve) => setTimeout(resolve, 300));
      await produce(topic("customers"), customers);
      const summary = await result;

      expect(await joined(topic("enriched"))).toEqual(expected);
      // The last orders (+50) wait for a customer update after +40 that never
      // comes, then go ahead: one enforced processing per task that has orders.
      expect(summary.enforcedProcessing).toBeGreaterThan(0);
      expect(summary.enforcedProcessing).toBeLessThanOrEqual(2);
      expect(lines.some((line) => line.includes(`went ahead without ${topic("customers")}-`) && line.includes("enforced processing"))).toBe(true);
    }
  }, 180_000);

  it("a run to the end of its inputs does not wait at the ends it read up to (nothing enforced), with the same result", async () => {
    const { topic, topology } = await setUp("weir-test-idle-drain");
    await produce(topic("orders"), orders);
    await produce(topic("customers"), customers);
    // A wait as long as the test's timeout: the run finishes only because a drained source needs none.
    const summary = await runKafka(topology, { brokers: BROKERS, cacheMaxBytes: 0, maxTaskIdleMs: 600_000 });
    expect(summary.stoppedBy).toBe("drained");
    expect(summary.enforcedProcessing).toBe(0);
    expect(await joined(topic("enriched"))).toEqual(expected);
  }, 120_000);
});
