// `sink ... key windowed` on the real broker: the keys Kafka Streams' windowed
// serializers write (SessionWindowedSerializer: key + end + start; time windows:
// key + start), byte for byte, read raw from Kafka; each key's windows in the
// partition of the key alone (WindowedStreamPartitioner). The same .weir file
// and expected bytes as on the embedded engine (test/runtime/windowed-keys.test.ts).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partitionForKey } from "../../../runtime/internal/partitioner.ts";
import { runKafka } from "../../../runtime/kafka.ts";
import { loadTopology } from "../../../src/compiled-module.ts";
import { byUser, clicks, expectedPerWindow, expectedSessions, json, windowedKeysSource } from "../../runtime/fixtures/windowed-keys.ts";
import { BROKERS, connectBroker, createTopic, readCommitted, uniqueName, type Broker } from "../helpers.ts";

let broker: Broker;
beforeAll(async () => {
  broker = await connectBroker();
});
afterAll(async () => {
  await broker?.close();
});

/** Recent (the broker's retention goes by record timestamps), a multiple of the 100 ms windows. */
const T0 = Math.floor(Date.now() / 1000) * 1000;

/** Every committed record of a topic with its key's bytes as they are on the broker. */
async function readRaw(topic: string): Promise<{ partition: number; offset: number; key: Buffer | null; value: Buffer | null }[]> {
  await readCommitted(broker, topic); // waits until no transaction is open on the topic
  const metadata = (await broker.reader.topic(topic))!;
  const records: { partition: number; offset: number; key: Buffer | null; value: Buffer | null }[] = [];
  for (let partition = 0; partition < metadata.partitions; partition++) {
    const [end] = await broker.reader.endOffsets([{ topic, partition }]);
    for (let position = 0; position < end!; ) {
      const fetched = await broker.reader.fetch({ topic, partition }, position, 5000);
      for (const r of fetched.records) records.push({ partition, offset: r.offset, key: r.key, value: r.value });
      position = fetched.nextOffset;
    }
  }
  return records;
}

describe("windowed keys on Kafka", () => {
  it("are Kafka Streams' session and time-window keys, byte for byte, partitioned by the key alone", async () => {
    const app = uniqueName("weir-test-windowed-keys");
    const topics = { clicks: `${app}-clicks`, sessions: `${app}-sessions`, perWindow: `${app}-per-window` };
    await createTopic(broker, topics.clicks, 1);
    await createTopic(broker, topics.sessions, 3);
    await createTopic(broker, topics.perWindow, 3);
    const loaded = await loadTopology(join(import.meta.dirname, "windowed-keys.weir"), windowedKeysSource(app.replaceAll("-", "_"), topics));
    expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    await broker.producer.send({
      topic: topics.clicks,
      acks: -1,
      messages: clicks(T0).map((click) => ({ key: click.user, value: JSON.stringify(click), timestamp: String(click.ts) })),
    });
    const summary = await runKafka(loaded.topology!, { brokers: BROKERS, cacheMaxBytes: 0, applicationId: loaded.topology!.application });
    expect(summary.stoppedBy).toBe("drained");

    const sessions = byUser(await readRaw(topics.sessions));
    expect(sessions.keys).toEqual(expectedSessions(T0));
    const perWindow = byUser(await readRaw(topics.perWindow), 1);
    expect(perWindow.keys).toEqual(expectedPerWindow(T0));
    for (const user of ["u", "v", "w"]) {
      expect(sessions.partitions.get(user)).toEqual(new Set([partitionForKey(Buffer.from(user), 3)]));
      expect(perWindow.partitions.get(user)).toEqual(new Set([partitionForKey(json(user), 3)]));
    }
  }, 120_000);
});
