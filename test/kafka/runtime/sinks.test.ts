// Sinks that pick their topic per record, with headers, on the real broker:
// test/src/fixtures/sinks/routing.weir with its topics renamed (the broker is
// shared), run exactly-once. Headers reach the Kafka records; a record for a
// topic that does not exist is dead-lettered, and one created later is used.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runKafka } from "../../../runtime/kafka.ts";
import type { Topology } from "../../../runtime/topology/graph.ts";
import { loadTopology } from "../../../src/compiled-module.ts";
import { BROKERS, connectBroker, createTopic, readCommitted, uniqueName, type Broker } from "../helpers.ts";

let broker: Broker;
beforeAll(async () => {
  broker = await connectBroker();
});
afterAll(async () => {
  await broker?.close();
});

async function routingTopology(orders: string, ordersPrefix: string, countsPrefix: string): Promise<Topology> {
  const path = join(import.meta.dirname, "..", "..", "src", "fixtures", "sinks", "routing.weir");
  const source = readFileSync(path, "utf8")
    .replace('topic "orders"', `topic "${orders}"`)
    .replace('"orders-" + region', `"${ordersPrefix}-" + region`)
    .replace('"counts-" + key', `"${countsPrefix}-" + key`);
  const loaded = await loadTopology(path, source);
  expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return loaded.topology!;
}

const order = (id: string, region: string, amount: number, note?: string) => ({
  key: id,
  value: JSON.stringify(note === undefined ? { id, region, amount, ts: Date.now() } : { id, region, amount, ts: Date.now(), note }),
});

describe("sinks that pick their topic per record, on Kafka", () => {
  it("write headers, dead-letter a record for a missing topic, and use a topic created between runs", async () => {
    const app = uniqueName("routing");
    const orders = uniqueName("orders");
    const ordersPrefix = uniqueName("routed");
    const countsPrefix = uniqueName("counted");
    await createTopic(broker, orders, 1);
    for (const topic of [`${ordersPrefix}-eu`, `${countsPrefix}-eu`, `${countsPrefix}-xx`]) await createTopic(broker, topic, 1);
    const topology = await routingTopology(orders, ordersPrefix, countsPrefix);

    await broker.producer.send({ topic: orders, acks: -1, messages: [order("o1", "eu", 10, "gift"), order("o2", "xx", 5), order("o3", "eu", 7)] });
    const run1 = await runKafka(topology, { brokers: BROKERS, cacheMaxBytes: 0, applicationId: app });
    expect(run1.stoppedBy).toBe("drained");

    const routed = await readCommitted(broker, `${ordersPrefix}-eu`);
    expect(routed.map((r) => [r.key, JSON.parse(r.value!), r.headers])).toEqual([
      ["o1", { id: "o1", amount: 10 }, { region: "eu", note: "gift", source: "weir" }],
      ["o3", { id: "o3", amount: 7 }, { region: "eu", source: "weir" }],
    ]);
    expect((await readCommitted(broker, `${countsPrefix}-eu`)).map((r) => [r.key, r.value, r.headers])).toEqual([
      ["eu", "1", { region: "eu" }],
      ["eu", "2", { region: "eu" }],
    ]);
    const letters = (await readCommitted(broker, `${app}-dlq`)).map((r) => JSON.parse(r.value!) as { reason: string; detail: string; offset: number });
    expect(letters).toEqual([expect.objectContaining({ reason: "unknown-topic", detail: `the topic "${ordersPrefix}-xx" does not exist`, offset: 1 })]);

    await createTopic(broker, `${ordersPrefix}-xx`, 1);
    await broker.producer.send({ topic: orders, acks: -1, messages: [order("o4", "xx", 3)] });
    const run2 = await runKafka(topology, { brokers: BROKERS, cacheMaxBytes: 0, applicationId: app });
    expect(run2.stoppedBy).toBe("drained");
    expect((await readCommitted(broker, `${ordersPrefix}-xx`)).map((r) => [r.key, JSON.parse(r.value!), r.headers])).toEqual([
      ["o4", { id: "o4", amount: 3 }, { region: "xx", source: "weir" }],
    ]);
    expect((await readCommitted(broker, `${countsPrefix}-xx`)).map((r) => [r.key, r.value])).toEqual([["xx", "1"]]);
  }, 120_000);
});
