// Throughput of windowed aggregation on the embedded engine, per kind of
// window: orders of KEYS customers, one every 10 ms of event time, counted
// per customer in 1-minute windows (hopping: advancing by 10 s; sliding: a
// difference of 1 minute), grace 10 s, emit changes.
// Run: npx tsx bench/embedded-windows.ts [records] [keys]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { openEmbeddedLog, runEmbedded } from "../runtime/embedded.ts";
import { formats } from "../runtime/formats.ts";
import { defineTopology } from "../runtime/topology/dsl.ts";
import { windows, type WindowSpec } from "../runtime/windows.ts";

const records = Number(process.argv[2] ?? 50_000);
const keys = Number(process.argv[3] ?? 100);
const Order = z.object({ customerId: z.string(), ts: z.number() });

const kinds: [string, WindowSpec][] = [
  ["tumbling", windows.tumbling({ sizeMs: 60_000, graceMs: 10_000 })],
  ["hopping", windows.hopping({ sizeMs: 60_000, advanceMs: 10_000, graceMs: 10_000 })],
  ["sliding", windows.sliding({ differenceMs: 60_000, graceMs: 10_000 })],
];
for (const [kind, window] of kinds.filter(([name]) => !process.env.KIND || name === process.env.KIND)) {
  const dir = mkdtempSync(join(tmpdir(), "weir-bench-"));
  try {
    const log = openEmbeddedLog(join(dir, "weir.db"));
    log.createTopic("orders", 1);
    log.produce("orders", Array.from({ length: records }, (_, i) => ({ key: `o-${i}`, value: { customerId: `c-${i % keys}`, ts: i * 10 }, timestamp: i * 10 })));
    log.close();
    const topology = defineTopology("bench", (builder) => {
      builder
        .stream("orders", { topic: "orders", key: formats.string(), value: formats.json(Order), timestamp: (value) => value.ts })
        .selectKey("by-customer", (record) => record.value.customerId)
        .windowedBy(window)
        .aggregate("count", { store: "counts", aggregator: (fns) => fns.count() })
        .toStream()
        .mapValues("project", (record) => ({ start: record.window.start, count: record.value }))
        .to("sink", { topic: "counts", key: formats.string(), value: formats.json() });
    });
    const summary = await runEmbedded(topology, { data: dir });
    const seconds = summary.durationMs / 1000;
    const outputs = summary.outputs["counts"] ?? 0;
    console.log(`${kind}: ${records} records, ${keys} keys in ${seconds.toFixed(2)} s: ${Math.round(records / seconds)} records/s, ${outputs} window updates (${Math.round(outputs / seconds)}/s)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
