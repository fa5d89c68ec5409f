// weir's read_committed fetch against the real broker: aborted records and
// transaction markers are skipped, and the position moves past them, from
// wherever a fetch starts (GUIDE fact 3).
import { Kafka, logLevel, Partitioners, type Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROKERS, connectBroker, createTopic, uniqueName, type Broker } from "../../helpers.ts";

let broker: Broker;
const producers: Producer[] = [];
beforeAll(async () => {
  broker = await connectBroker();
});
afterAll(async () => {
  for (const producer of producers) await producer.disconnect().catch(() => {});
  await broker?.close();
});

async function transactionalProducer(id: string): Promise<Producer> {
  const kafka = new Kafka({ clientId: "weir-test", brokers: BROKERS, logLevel: logLevel.NOTHING, retry: { initialRetryTime: 10 } });
  const producer = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  producers.push(producer);
  await producer.connect();
  return producer;
}

describe("KafkaLogClient.fetch", () => {
  it("skips two interleaved aborted transactions and the markers, whatever offset the fetch starts at", async () => {
    const topic = uniqueName("weir-test-fetch");
    await createTopic(broker, topic, 1);
    const a = await transactionalProducer(`${topic}-a`);
    const b = await transactionalProducer(`${topic}-b`);
    const c = await transactionalProducer(`${topic}-c`);
    const send = (producer: Awaited<ReturnType<Producer["transaction"]>>, value: string) =>
      producer.send({ topic, acks: -1, messages: [{ key: null, value, partition: 0 }] });

    const committed1 = await c.transaction();
    await send(committed1, "c1");
    await committed1.commit(); // c1 @0, marker @1
    const ta = await a.transaction();
    const tb = await b.transaction();
    await send(ta, "a1"); // @2
    await send(tb, "b1"); // @3
    await send(tb, "b2"); // @4
    await send(ta, "a2"); // @5
    await ta.abort(); // marker @6
    await tb.abort(); // marker @7
    const committed2 = await c.transaction();
    await send(committed2, "c2");
    await committed2.commit(); // c2 @8, marker @9

    // A commit returns once the coordinator decided it; the markers reach the
    // partition a moment later, and until then the end a read_committed reader
    // sees stops before the open transaction.
    let [end] = await broker.reader.endOffsets([{ topic, partition: 0 }]);
    for (let i = 0; i < 100 && end !== 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      [end] = await broker.reader.endOffsets([{ topic, partition: 0 }]);
    }
    expect(end).toBe(10);
    for (let start = 0; start <= 10; start++) {
      const seen: string[] = [];
      let position = start;
      while (position < end!) {
        const fetched = await broker.reader.fetch({ topic, partition: 0 }, position, 1);
        seen.push(...fetched.records.map((r) => r.value!.toString()));
        expect(fetched.nextOffset, `from ${start}`).toBeGreaterThan(position);
        position = fetched.nextOffset;
      }
      expect(seen, `from ${start}`).toEqual(["c1", "c2"].filter((v) => (v === "c1" ? start <= 0 : start <= 8)));
      expect(position, `from ${start}`).toBe(Math.max(start, 10));
    }
  });
});
