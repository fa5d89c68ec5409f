// The key encoding rule on the real broker: a table grouped by a string field
// writes its repartition topic with text keys, so each key lands in the
// partition a string-keyed topic (written by kafkajs' default partitioner) has
// it in, and the table joins the customers' table read from that topic.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partitionForKey } from "../../../runtime/internal/partitioner.ts";
import { runKafka } from "../../../runtime/kafka.ts";
import { loadTopology } from "../../../src/compiled-module.ts";
import { expectedReport, spendInput, spendReport } from "../../runtime/fixtures/spend-report.ts";
import { BROKERS, connectBroker, createTopic, readCommitted, uniqueName, type Broker, type ReadRecord } from "../helpers.ts";

let broker: Broker;
beforeAll(async () => {
  broker = await connectBroker();
});
afterAll(async () => {
  await broker?.close();
});

const now = Date.now();

async function produce(topic: string, records: readonly { key: string; value: unknown; at: number }[]): Promise<void> {
  await broker.producer.send({ topic, acks: -1, messages: records.map((r) => ({ key: r.key, value: JSON.stringify(r.value), timestamp: String(now + r.at) })) });
}

function latest(records: readonly ReadRecord[]): Map<string, unknown> {
  const rows = new Map<string, unknown>();
  for (const record of records) {
    if (record.value === null) rows.delete(record.key!);
    else rows.set(record.key!, JSON.parse(record.value));
  }
  return rows;
}

describe("the key encoding rule on Kafka", () => {
  it("a table grouped by a string joins a string-keyed table: its repartition topic has text keys, in the partitions of the customers' topic", async () => {
    const app = uniqueName("weir-test-keys");
    const topic = (name: string) => `${app}-${name}`;
    const application = app.replaceAll("-", "");
    const loaded = await loadTopology(join(import.meta.dirname, "key-encoding.weir"), spendReport(application, topic));
    expect(loaded.diagnostics).toEqual([]);
    await createTopic(broker, topic("customers"), 3);
    await createTopic(broker, topic("orders"), 2);
    await produce(topic("customers"), spendInput.customers);
    await produce(topic("orders"), spendInput.orders);
    await runKafka(loaded.topology!, { brokers: BROKERS, cacheMaxBytes: 0 });

    const customers = await readCommitted(broker, topic("customers"));
    const customerPartitions = new Map(customers.map((r) => [r.key, r.partition]));
    const grouped = await readCommitted(broker, `${application}-spend-repartition`);
    expect(grouped).toHaveLength(spendInput.orders.length);
    expect(new Set(grouped.map((r) => r.partition)).size).toBeGreaterThan(1);
    for (const record of grouped) {
      expect(record.key).toMatch(/^c\d$/);
      expect(record.partition).toBe(partitionForKey(Buffer.from(record.key!, "utf8"), 3));
      if (customerPartitions.has(record.key)) expect(record.partition).toBe(customerPartitions.get(record.key));
    }
    expect(latest(await readCommitted(broker, topic("report")))).toEqual(expectedReport());
  }, 180_000);
});
