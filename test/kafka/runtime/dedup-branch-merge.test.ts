// merge, dedup and branch compiled from .weir and run on the real broker,
// exactly-once, stopped in the middle and started again: no duplicate gets
// through, none is lost, and the dedup store is restored from its changelog.
// The expected output is computed here, independently of weir.
// Without record caches (cacheMaxBytes 0): these tests check every update.
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

interface Payment {
  readonly id: string;
  readonly amount: number;
  readonly ts: number;
}

async function topology(app: string): Promise<Topology> {
  const source = `application ${app.replaceAll("-", "_")}
schema Payment { id: string, amount: number, ts: timestamp }
stream card from topic "${app}-card" key string value json Payment event time ts
stream wire from topic "${app}-wire" key string value json Payment event time ts
stream payments = card
  | merge wire
  | dedup by id within 1 hour
branch payments { large: amount >= 100, small: else }
sink large to topic "${app}-large"
sink small to topic "${app}-small"
`;
  const loaded = await loadTopology(join(import.meta.dirname, "payments.weir"), source);
  expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return loaded.topology!;
}

const BASE = Date.now() - 60_000;

/** Payments of one channel, each sent one to three times (retries), all within minutes: nothing expires. */
function payments(channel: string, count: number, first: number): Payment[] {
  const sent: Payment[] = [];
  for (let i = 0; i < count; i++) {
    const payment = { id: `${channel}-${first + i}`, amount: ((first + i) * 37) % 200, ts: BASE + (first + i) * 100 };
    for (let retry = 0; retry <= (first + i) % 3; retry++) sent.push({ ...payment, ts: payment.ts + retry * 10 });
  }
  return sent;
}

async function produce(topic: string, sent: readonly Payment[]): Promise<void> {
  await broker.producer.send({ topic, acks: -1, messages: sent.map((p) => ({ key: "merchant-1", value: JSON.stringify(p), timestamp: String(p.ts) })) });
}

/** The first of each id, split by amount: what the topology must write, in any interleaving of the channels. */
function expected(sent: readonly Payment[]): { large: string[]; small: string[] } {
  const firsts = new Map<string, Payment>();
  for (const p of sent) if (!firsts.has(p.id) || firsts.get(p.id)!.ts > p.ts) firsts.set(p.id, p);
  const ids = (keep: (p: Payment) => boolean) => [...firsts.values()].filter(keep).map((p) => `${p.id}@${p.ts}`).sort();
  return { large: ids((p) => p.amount >= 100), small: ids((p) => p.amount < 100) };
}

async function written(topic: string): Promise<string[]> {
  return (await readCommitted(broker, topic)).map((r) => {
    const p = JSON.parse(r.value!) as Payment;
    return `${p.id}@${p.ts}`;
  }).sort();
}

describe("merge, dedup and branch on Kafka, exactly_once", () => {
  it("stopped mid-run and restarted: each payment once, in its arm; retries after the restart dropped by the restored store", async () => {
    const app = uniqueName("weir-test-dedup");
    await createTopic(broker, `${app}-card`, 1);
    await createTopic(broker, `${app}-wire`, 1);
    const built = await topology(app);
    const card = payments("card", 60, 0);
    const wire = payments("wire", 40, 0);
    await produce(`${app}-card`, card);
    await produce(`${app}-wire`, wire);

    const stop = new AbortController();
    let commits = 0;
    const run1 = await runKafka(built, {
      brokers: BROKERS,
      cacheMaxBytes: 0,
      applicationId: app,
      maxRecordsPerCommit: 15,
      signal: stop.signal,
      onCommit: () => {
        if (++commits === 4) stop.abort();
      },
    });
    expect(run1.stoppedBy).toBe("closed");
    const run2 = await runKafka(built, { brokers: BROKERS, cacheMaxBytes: 0, applicationId: app, maxRecordsPerCommit: 15 });
    expect(run2.stoppedBy).toBe("drained");
    expect(run2.restored.find((r) => r.store === "payments-dedup")!.records).toBeGreaterThan(0);

    // Retries of payments seen before the restarts, and new payments.
    const retries = [...card.slice(0, 10), ...wire.slice(0, 10)].map((p) => ({ ...p, ts: p.ts + 5 }));
    const later = payments("card", 10, 60);
    await produce(`${app}-card`, [...retries.filter((p) => p.id.startsWith("card")), ...later]);
    await produce(`${app}-wire`, retries.filter((p) => p.id.startsWith("wire")));
    const run3 = await runKafka(built, { brokers: BROKERS, cacheMaxBytes: 0, applicationId: app });
    expect(run3.stoppedBy).toBe("drained");
    // Only the new payments come out: every retry is recognised.
    expect((run3.outputs[`${app}-large`] ?? 0) + (run3.outputs[`${app}-small`] ?? 0)).toBe(new Set(later.map((p) => p.id)).size);

    const all = expected([...card, ...wire, ...retries, ...later]);
    expect(all.large.length).toBeGreaterThan(10);
    expect(all.small.length).toBeGreaterThan(10);
    expect(await written(`${app}-large`)).toEqual(all.large);
    expect(await written(`${app}-small`)).toEqual(all.small);
  });
});
