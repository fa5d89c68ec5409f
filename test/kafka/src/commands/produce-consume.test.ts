// `weir produce` and `weir consume` with --brokers, as a user runs them, on the
// real broker: the same partitions and offsets as the embedded log, committed
// records only.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partitionForKey } from "../../../../runtime/internal/partitioner.ts";
import { BROKERS, connectBroker, createTopic, readCommitted, uniqueName, type Broker } from "../../helpers.ts";
import { jsonLines, weir } from "../weir-cli.ts";

let broker: Broker;
beforeAll(async () => {
  broker = await connectBroker();
});
afterAll(async () => {
  await broker?.close();
});

describe("weir produce and consume --brokers", () => {
  // Keys of several kinds (text, JSON object, none), values JSON and text.
  const records = [
    ...Array.from({ length: 40 }, (_, i) => ({ key: `k-${i}`, value: { n: i, text: `v${i}` }, timestamp: 1_700_000_000_000 + i })),
    { key: { id: 7 }, value: "plain text", timestamp: 1_700_000_001_000 },
    { value: 42, timestamp: 1_700_000_002_000 },
    { key: "tomb", value: null, timestamp: 1_700_000_003_000 },
  ];
  const jsonl = records.map((r) => JSON.stringify(r)).join("\n") + "\n";

  it("the same JSONL lands on the same partitions and offsets as in the embedded log, and reads back the same", () => {
    const topic = uniqueName("weir-test-produce");
    const produced = weir(["produce", topic, "--brokers", BROKERS.join(","), "--partitions", "3"], jsonl);
    expect(produced.stderr).toBe(`produced ${records.length} records to ${topic}\n`);
    expect(produced.status).toBe(0);

    const data = mkdtempSync(join(tmpdir(), "weir-kafka-produce-"));
    expect(weir(["produce", topic, "--data", data, "--partitions", "3"], jsonl).status).toBe(0);
    const embedded = jsonLines(weir(["consume", topic, "--data", data]).stdout);

    // The embedded log has no format recorded for a produced topic: it prints text, as --value-format string does.
    const asText = weir(["consume", topic, "--brokers", BROKERS.join(","), "--key-format", "string", "--value-format", "string"]);
    expect(asText.status).toBe(0);
    expect(jsonLines(asText.stdout)).toEqual(embedded);
    expect(embedded).toHaveLength(records.length);
    // Kafka's default partitioner (murmur2 of the key bytes).
    for (const r of embedded.filter((r) => r.key !== null)) expect(r.partition).toBe(partitionForKey(Buffer.from(r.key as string), 3));

    // By default, text that parses as JSON prints as JSON.
    const auto = jsonLines(weir(["consume", topic, "--brokers", BROKERS.join(",")]).stdout);
    const byTimestamp = new Map(auto.map((r) => [r.timestamp, r]));
    for (const record of records) {
      expect(byTimestamp.get(record.timestamp), JSON.stringify(record)).toMatchObject({ topic, key: record.key ?? null, value: record.value });
    }

    // A second produce appends, keeping the partitions; another count is refused.
    expect(weir(["produce", topic, "--brokers", BROKERS.join(",")], jsonl).status).toBe(0);
    expect(jsonLines(weir(["consume", topic, "--brokers", BROKERS.join(",")]).stdout)).toHaveLength(2 * records.length);
    const refused = weir(["produce", topic, "--brokers", BROKERS.join(","), "--partitions", "2"], jsonl);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe(`weir: topic "${topic}" has 3 partitions, not 2\n`);
  });

  it("consume reads committed records only, and stops at the end offsets it saw at start", async () => {
    const topic = uniqueName("weir-test-consume");
    await createTopic(broker, topic, 1);
    const kafka = new Kafka({ clientId: "weir-test-txn", brokers: BROKERS, logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ transactionalId: `${topic}-txn`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const committed = await producer.transaction();
      await committed.send({ topic, messages: [{ key: "a", value: "1" }, { key: "b", value: "2" }] });
      await committed.commit();
      const aborted = await producer.transaction();
      await aborted.send({ topic, messages: [{ key: "c", value: "3" }] });
      await aborted.abort();
      const last = await producer.transaction();
      await last.send({ topic, messages: [{ key: "d", value: "4" }] });
      await last.commit();
      await readCommitted(broker, topic); // the commit markers are written
      // Left open: its record is not committed, and consume must not wait for it.
      const open = await producer.transaction();
      await open.send({ topic, messages: [{ key: "e", value: "5" }] });
      const result = weir(["consume", topic, "--brokers", BROKERS.join(",")]);
      expect(result.status).toBe(0);
      expect(jsonLines(result.stdout).map((r) => [r.key, r.value])).toEqual([
        ["a", 1],
        ["b", 2],
        ["d", 4],
      ]);
      await open.abort();
    } finally {
      await producer.disconnect();
    }
  });

  it("needs --data or --brokers, not both; a missing topic is one line", () => {
    const neither = weir(["consume", "x"]);
    expect(neither.status).toBe(2);
    expect(neither.stderr).toBe("weir: consume needs --data DIR (the embedded log) or --brokers HOST:PORT (Kafka)\n");
    const both = weir(["produce", "x", "--data", "d", "--brokers", "h:1"], "");
    expect(both.status).toBe(2);
    expect(both.stderr).toBe("weir: produce takes --data DIR or --brokers HOST:PORT, not both\n");
    const topic = uniqueName("weir-test-missing");
    const missing = weir(["consume", topic, "--brokers", BROKERS.join(",")]);
    expect(missing.stderr).toBe(`weir: topic "${topic}" does not exist\n`);
    expect(missing.status).toBe(1);
  });
});
