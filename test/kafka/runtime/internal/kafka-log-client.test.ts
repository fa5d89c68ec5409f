// The Kafka client port (KafkaLogClient) against the real broker, for each
// implementation: kafkajs (kafka-log-client-impl.ts) and @platformatic/kafka
// (kafka-log-client-platformatic.ts). read_committed fetches skip aborted
// records and transaction markers, and the position moves past them, from
// wherever a fetch starts (GUIDE fact 3); transactions make records and
// offsets visible together; a new producer of a transactional id fences the
// old one (GUIDE fact 4).
import { Kafka, logLevel, Partitioners, type Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProducerFencedError } from "../../../../runtime/errors.ts";
import { KafkaLogClientImpl, type KafkaClientSettings } from "../../../../runtime/internal/kafka-log-client-impl.ts";
import { PlatformaticKafkaLogClient } from "../../../../runtime/internal/kafka-log-client-platformatic.ts";
import type { KafkaLogClient } from "../../../../runtime/internal/kafka-log-client.ts";
import { BROKERS, connectBroker, createTopic, uniqueName, type Broker } from "../../helpers.ts";

let broker: Broker;
const producers: Producer[] = [];
const clients: KafkaLogClient[] = [];
beforeAll(async () => {
  broker = await connectBroker();
});
afterAll(async () => {
  for (const producer of producers) await producer.disconnect().catch(() => {});
  for (const client of clients) await client.close().catch(() => {});
  await broker?.close();
});

const implementations: [string, (settings: KafkaClientSettings) => KafkaLogClient][] = [
  ["kafkajs", (settings) => new KafkaLogClientImpl(settings)],
  ["@platformatic/kafka", (settings) => new PlatformaticKafkaLogClient(settings)],
];

async function transactionalProducer(id: string): Promise<Producer> {
  const kafka = new Kafka({ clientId: "weir-test", brokers: BROKERS, logLevel: logLevel.NOTHING, retry: { initialRetryTime: 10 } });
  const producer = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  producers.push(producer);
  await producer.connect();
  return producer;
}

describe.each(implementations)("KafkaLogClient over %s", (_name, create) => {
  let client: KafkaLogClient;
  beforeAll(async () => {
    client = create({ brokers: BROKERS, clientId: "weir-test-client", transactionTimeoutMs: 60_000, retryInitialMs: 10 });
    clients.push(client);
    await client.connect();
  });

  async function committedEnd(topic: string, expected: number): Promise<number> {
    // A commit returns once the coordinator decided it; the markers reach the
    // partition a moment later, and until then the end a read_committed reader
    // sees stops before the open transaction.
    let [end] = await client.endOffsets([{ topic, partition: 0 }]);
    for (let i = 0; i < 100 && end !== expected; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      [end] = await client.endOffsets([{ topic, partition: 0 }]);
    }
    return end!;
  }

  /** The end once no transaction is pending on partition 0 (last stable offset = high watermark), for tests that cannot know it. */
  async function stableEnd(topic: string): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const [end] = await client.endOffsets([{ topic, partition: 0 }]);
      const high = Number((await broker.admin.fetchTopicOffsets(topic)).find((p) => p.partition === 0)!.high);
      if (end === high) return end;
      if (attempt >= 200) throw new Error(`${topic}: a transaction stays open (last stable offset ${end}, high watermark ${high})`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it("fetch skips two interleaved aborted transactions and the markers, whatever offset the fetch starts at", async () => {
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

    const end = await committedEnd(topic, 10);
    expect(end).toBe(10);
    for (let start = 0; start <= 10; start++) {
      const seen: string[] = [];
      let position = start;
      while (position < end!) {
        const fetched = await client.fetch({ topic, partition: 0 }, position, 1);
        seen.push(...fetched.records.map((r) => r.value!.toString()));
        expect(fetched.nextOffset, `from ${start}`).toBeGreaterThan(position);
        position = fetched.nextOffset;
      }
      expect(seen, `from ${start}`).toEqual(["c1", "c2"].filter((v) => (v === "c1" ? start <= 0 : start <= 8)));
      expect(position, `from ${start}`).toBe(Math.max(start, 10));
    }
  });
  it("a fetch that stops at maxRecords goes on from there, in many partitions at once, and a fetch from elsewhere reads from there", async () => {
    const topic = uniqueName("weir-test-fetch-many");
    await createTopic(broker, topic, 2);
    const producer = await client.initTransactions(`${topic}-tx`);
    for (let t = 0; t < 3; t++) {
      const transaction = producer.beginTransaction();
      const records = [];
      for (let i = 0; i < 10; i++) records.push({ topic, partition: i % 2, key: Buffer.from(`k${t}-${i}`), value: Buffer.from(`v${t}-${i}`), timestamp: 1_700_000_000_000 + i });
      transaction.send(records);
      await transaction.commit();
    }
    await producer.close();
    const partitions = [0, 1].map((partition) => ({ topic, partition }));
    let ends = await client.endOffsets(partitions);
    for (let i = 0; i < 100 && ends.some((e) => e !== 18); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      ends = await client.endOffsets(partitions);
    }
    expect(ends).toEqual([18, 18]); // 15 records and 3 markers each

    const seen: string[][] = [[], []];
    const positions = [0, 0];
    let reads = 0;
    while (positions.some((p, i) => p < ends[i]!)) {
      const fetched = await client.fetchMany(partitions.map((partition, i) => ({ partition, offset: positions[i]! })), 4);
      fetched.forEach((result, i) => {
        expect(result.records.length).toBeLessThanOrEqual(4);
        seen[i]!.push(...result.records.map((r) => `${r.key}=${r.value}@${r.offset}`));
        positions[i] = result.nextOffset;
      });
      expect(++reads).toBeLessThan(20);
    }
    const expected = (partition: number) =>
      [0, 1, 2].flatMap((t) => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((i) => i % 2 === partition).map((i, n) => `k${t}-${i}=v${t}-${i}@${t * 6 + n}`));
    expect(seen).toEqual([expected(0), expected(1)]);

    // From an offset the last fetch did not stop at: read from there, not from what was decoded before.
    const again = await client.fetch({ topic, partition: 1 }, 6, 2);
    expect(again.records.map((r) => `${r.key}=${r.value}@${r.offset}`)).toEqual(["k1-1=v1-1@6", "k1-3=v1-3@7"]);
    expect(again.records[0]!.timestamp).toBe(1_700_000_000_001);
  });

  it("a transaction makes its records and its input offsets visible together, and an aborted one neither", async () => {
    const topic = uniqueName("weir-test-tx");
    const groupId = `${topic}-group`;
    await createTopic(broker, topic, 1);
    const producer = await client.initTransactions(`${topic}-tx`);
    const aborted = producer.beginTransaction();
    aborted.send([{ topic, partition: 0, key: null, value: Buffer.from("no"), timestamp: Date.now() }]);
    aborted.sendOffsets(groupId, [{ topic, partition: 0, offset: 5 }]);
    await aborted.abort();
    const committed = producer.beginTransaction();
    committed.send([
      { topic, partition: 0, key: Buffer.from("a"), value: Buffer.from("yes"), timestamp: Date.now(), headers: { origin: "weir" } },
      { topic, partition: 0, key: Buffer.from("b"), value: null, timestamp: Date.now() },
    ]);
    committed.sendOffsets(groupId, [{ topic, partition: 0, offset: 2 }]);
    await committed.commit();
    await producer.close();

    expect(await client.committedOffsets(groupId, [{ topic, partition: 0 }])).toEqual([2]);
    const end = await committedEnd(topic, 3);
    expect(end).toBe(3);
    const fetched = await client.fetch({ topic, partition: 0 }, 0, 100);
    expect(fetched.records.map((r) => [r.key?.toString(), r.value?.toString() ?? null, r.headers ?? null])).toEqual([
      ["a", "yes", { origin: "weir" }],
      ["b", null, null],
    ]);
    expect(fetched.nextOffset).toBe(3);
    expect(fetched.atEnd).toBe(true);
  });

  it("a transaction of more than message.max.bytes (1 MB) in one partition commits whole", async () => {
    const topic = uniqueName("weir-test-big-tx");
    await createTopic(broker, topic, 1);
    const producer = await client.initTransactions(`${topic}-tx`);
    const transaction = producer.beginTransaction();
    const value = Buffer.alloc(1000, "x");
    transaction.send(Array.from({ length: 3000 }, (_, i) => ({ topic, partition: 0, key: Buffer.from(String(i)), value, timestamp: Date.now() })));
    await transaction.commit();
    await producer.close();
    const end = await committedEnd(topic, 3001);
    expect(end).toBe(3001); // 3,000 records and the marker
    let read = 0;
    for (let position = 0; position < end; ) {
      const fetched = await client.fetch({ topic, partition: 0 }, position, 5000);
      expect(fetched.records.every((r, i) => r.key!.toString() === String(read + i))).toBe(true);
      read += fetched.records.length;
      position = fetched.nextOffset;
    }
    expect(read).toBe(3000);
  });

  it("a second producer of a transactional id fences the first: its commit fails with ProducerFencedError and writes nothing", async () => {
    const topic = uniqueName("weir-test-fence");
    await createTopic(broker, topic, 1);
    const first = await client.initTransactions(`${topic}-tx`);
    const warm = first.beginTransaction();
    warm.send([{ topic, partition: 0, key: null, value: Buffer.from("first"), timestamp: Date.now() }]);
    await warm.commit();
    const second = await client.initTransactions(`${topic}-tx`);
    const zombie = first.beginTransaction();
    zombie.send([{ topic, partition: 0, key: null, value: Buffer.from("zombie"), timestamp: Date.now() }]);
    await expect(zombie.commit()).rejects.toBeInstanceOf(ProducerFencedError);
    const owner = second.beginTransaction();
    owner.send([{ topic, partition: 0, key: null, value: Buffer.from("second"), timestamp: Date.now() }]);
    await owner.commit();
    await first.close();
    await second.close();
    const end = await stableEnd(topic); // the owner's marker may still be on its way
    const values: string[] = [];
    for (let position = 0; position < end!; ) {
      const fetched = await client.fetch({ topic, partition: 0 }, position, 100);
      values.push(...fetched.records.map((r) => r.value!.toString()));
      position = fetched.nextOffset;
    }
    expect(values).toEqual(["first", "second"]);
  });
});
