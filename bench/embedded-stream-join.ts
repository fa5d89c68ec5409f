// Throughput of a windowed stream-stream (outer) join on the embedded engine:
// orders and payments keyed by order id, each payment 0-90 s after its order,
// joined within 1 minute (grace 10 s), so about a third of each side finds no
// match and waits in its join buffer until its window closes. Each side is
// buffered with a changelog, under exactly-once commits.
// Run: npx tsx bench/embedded-stream-join.ts [orders] [partitions]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openEmbeddedLog, runEmbedded } from "../runtime/embedded.ts";
import { formats } from "../runtime/formats.ts";
import { defineTopology } from "../runtime/topology/dsl.ts";
import { windows } from "../runtime/windows.ts";

const orders = Number(process.argv[2] ?? 50_000);
const partitions = Number(process.argv[3] ?? 1);

interface Event {
  readonly id: string;
  readonly ts: number;
}

const topology = defineTopology("bench", (builder) => {
  const ordersStream = builder.stream("orders", { topic: "orders", key: formats.string(), value: formats.json<Event>(), timestamp: (v) => v.ts });
  const payments = builder.stream("payments", { topic: "payments", key: formats.string(), value: formats.json<Event>(), timestamp: (v) => v.ts });
  ordersStream
    .windowedJoin("matched-1-outer-join", payments, {
      type: "outer",
      window: windows.join({ withinMs: 60_000, graceMs: 10_000 }),
      as: "payments",
      stores: { this: "matched-join-this", other: "matched-join-other" },
    })
    .mapValues("matched-2-select", (r) => ({ order: r.value?.id ?? null, payment: (r.joined!.payments as Event | null)?.id ?? null }))
    .to("matched-to-matched", { topic: "matched", key: formats.string(), value: formats.json() });
});

const dir = mkdtempSync(join(tmpdir(), "weir-bench-"));
try {
  const log = openEmbeddedLog(join(dir, "weir.db"));
  log.createTopic("orders", partitions);
  log.createTopic("payments", partitions);
  // An order every 10 ms of event time; its payment 0-90 s later (a fixed pseudo-random delay).
  const orderRecords = Array.from({ length: orders }, (_, i) => ({ key: `o${i}`, value: { id: `o${i}`, ts: i * 10 }, timestamp: 0 }));
  const paymentRecords = orderRecords
    .map((o, i) => ({ key: o.key, value: { id: `p${i}`, ts: o.value.ts + ((i * 7919) % 90_000) }, timestamp: 0 }))
    .sort((a, b) => a.value.ts - b.value.ts);
  log.produce("orders", orderRecords);
  log.produce("payments", paymentRecords);
  log.close();

  const summary = await runEmbedded(topology, { data: dir });
  const seconds = summary.durationMs / 1000;
  const out = summary.outputs["matched"] ?? 0;
  console.log(
    `${orders} orders + ${orders} payments over ${partitions} partition(s) in ${seconds.toFixed(2)} s, ${summary.commits} commits: ` +
      `${Math.round(summary.recordsProcessed / seconds)} input records/s, ${out} results (${Math.round(out / seconds)}/s), ${summary.lateRecords ?? 0} late`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
