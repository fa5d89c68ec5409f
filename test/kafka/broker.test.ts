// Integration test against the real Kafka broker started by
// `npm run kafka:start` (scripts/kafka-start.sh). It checks the one broker
// property weir's exactly-once runtime depends on: a read_committed consumer
// sees committed transactional records and never aborted ones.
//
// This test deliberately FAILS (never skips) when no broker is reachable.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from "kafkajs";

const BROKERS = (process.env.WEIR_TEST_BROKERS ?? "127.0.0.1:9092")
  .split(",")
  .map((b) => b.trim())
  .filter(Boolean);

const kafka = new Kafka({
  clientId: "weir-broker-test",
  brokers: BROKERS,
  connectionTimeout: 3000,
  requestTimeout: 10000,
  logLevel: logLevel.NOTHING,
});

const suffix = `${Date.now()}-${randomUUID().slice(0, 8)}`;
const topic = `weir-test-broker-${suffix}`;

let admin: Admin | undefined;
const producers: Producer[] = [];
const consumers: Consumer[] = [];

beforeAll(async () => {
  // One quick probe with no retries so a missing broker fails in seconds with
  // an actionable message instead of a retry storm and a generic timeout.
  const probe = new Kafka({
    clientId: "weir-broker-test-probe",
    brokers: BROKERS,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 1 },
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await probe.connect();
    await probe.listTopics();
  } catch (err) {
    const cause = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    throw new Error(
      `Kafka broker not reachable at ${BROKERS.join(",")}: run \`npm run kafka:start\` ` +
        `(or set WEIR_TEST_BROKERS). Cause: ${cause}`,
    );
  } finally {
    await probe.disconnect().catch(() => {});
  }

  admin = kafka.admin();
  await admin.connect();
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  expect(created).toBe(true);
}, 60_000);

afterAll(async () => {
  for (const c of consumers) await c.disconnect().catch(() => {});
  for (const p of producers) await p.disconnect().catch(() => {});
  if (admin) {
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}, 60_000);

describe("real Kafka broker", () => {
  it(
    "read_committed consumer sees the committed transaction and not the aborted one",
    async () => {
      const producer = kafka.producer({
        idempotent: true,
        transactionalId: `weir-test-tx-${suffix}`,
        maxInFlightRequests: 1,
      });
      producers.push(producer);
      await producer.connect();

      const committed = await producer.transaction();
      await committed.send({ topic, messages: [{ key: "k", value: "committed-1" }] });
      await committed.commit();

      const aborted = await producer.transaction();
      await aborted.send({ topic, messages: [{ key: "k", value: "aborted-1" }] });
      await aborted.abort();

      // A final committed sentinel: once the consumer has read it, it has
      // necessarily passed over the aborted record and its abort marker.
      const sentinel = await producer.transaction();
      await sentinel.send({ topic, messages: [{ key: "k", value: "sentinel" }] });
      await sentinel.commit();

      // Log: committed-1, commit marker, aborted-1, abort marker, sentinel, commit marker.
      const [p0] = await admin!.fetchTopicOffsets(topic);
      expect(Number(p0!.high)).toBe(6);

      const consumer = kafka.consumer({
        groupId: `weir-test-group-${suffix}`,
        readUncommitted: false,
        maxWaitTimeInMs: 200,
      });
      consumers.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });

      const seen: { offset: string; value: string | undefined }[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out reading ${topic}; saw ${JSON.stringify(seen)}`)),
          30_000,
        );
        consumer
          .run({
            eachBatch: async ({ batch }) => {
              for (const m of batch.messages) seen.push({ offset: m.offset, value: m.value?.toString() });
              if (seen.some((s) => s.value === "sentinel")) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });

      expect(seen).toEqual([
        { offset: "0", value: "committed-1" },
        { offset: "4", value: "sentinel" },
      ]);
    },
    60_000,
  );
});
