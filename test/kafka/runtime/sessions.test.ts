// Session windows on the real broker, compiled from .weir: a session closes
// (and a record is late) by one rule, stream time > end + gap + grace, the
// same as on the embedded engine (test/runtime/windows.test.ts).
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

/** Recent timestamps (the broker's retention goes by them), whole seconds so that offsets below read as in the docs. */
const BASE = Math.floor(Date.now() / 1000) * 1000;

async function compile(source: string): Promise<Topology> {
  const loaded = await loadTopology(join(import.meta.dirname, "sessions.weir"), source);
  expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return loaded.topology!;
}

async function produce(topic: string, records: readonly { key: string; at: number }[]): Promise<void> {
  await broker.producer.send({
    topic,
    acks: -1,
    messages: records.map((r) => ({ key: r.key, value: JSON.stringify({ ts: BASE + r.at }), timestamp: String(BASE + r.at) })),
  });
}

describe("session windows on Kafka", () => {
  it("drop only the records whose merged session ended before stream time - gap - grace (boundary, extension, bridge)", async () => {
    const app = uniqueName("weir-test-sessions");
    const input = `${app}-clicks`;
    const output = `${app}-sessions`;
    await createTopic(broker, input, 1);
    const topology = await compile(`application ${app.replaceAll("-", "_")}
schema Click { ts: timestamp }
stream clicks from topic "${input}" key string value json Click event time ts
table sessions = clicks
  | group by key
  | window session 10 ms grace 5 ms
  | count
sink sessions to topic "${output}" value { start: window.start - ${BASE}, end: window.end - ${BASE}, clicks: value }
`);
    // Stream time reaches 100: sessions ending before 100 - 10 - 5 = 85 are closed.
    await produce(input, [
      { key: "a", at: 100 },
      { key: "b", at: 84 }, // late
      { key: "c", at: 85 }, // exactly at the close time: open
      { key: "d", at: 90 },
      { key: "e", at: 94 },
      { key: "f", at: 95 },
      { key: "u", at: 90 },
      { key: "u", at: 82 }, // alone it would be late; it extends [90, 90] back
      { key: "v", at: 86 },
      { key: "v", at: 97 },
      { key: "v", at: 92 }, // bridges [86, 86] and [97, 97]
    ]);
    const summary = await runKafka(topology, { brokers: BROKERS, cacheMaxBytes: 0, applicationId: topology.application });
    expect(summary.stoppedBy).toBe("drained");
    expect(summary.lateRecords).toBe(1);
    const dead = (await readCommitted(broker, `${topology.application}-dlq`)).map((r) => JSON.parse(r.value!) as { reason: string; key: string });
    expect(dead.map((d) => [d.reason, d.key])).toEqual([["late", "b"]]);
    const sessions = (await readCommitted(broker, output)).map((r) => [r.key, r.value === null ? null : JSON.parse(r.value)]);
    expect(sessions).toEqual([
      ["a", { start: 100, end: 100, clicks: 1 }],
      ["c", { start: 85, end: 85, clicks: 1 }],
      ["d", { start: 90, end: 90, clicks: 1 }],
      ["e", { start: 94, end: 94, clicks: 1 }],
      ["f", { start: 95, end: 95, clicks: 1 }],
      ["u", { start: 90, end: 90, clicks: 1 }],
      ["u", null],
      ["u", { start: 82, end: 90, clicks: 2 }],
      ["v", { start: 86, end: 86, clicks: 1 }],
      ["v", { start: 97, end: 97, clicks: 1 }],
      ["v", null],
      ["v", null],
      ["v", { start: 86, end: 97, clicks: 3 }],
    ]);
  }, 120_000);
});
