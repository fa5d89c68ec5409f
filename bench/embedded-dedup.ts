// Throughput of dedup against a filter on the embedded engine, with many keys
// live in the dedup store (every key twice, 1 ms apart per record, in one
// commit). Run: npx tsx bench/embedded-dedup.ts [records] [windowMs]

import { openEmbeddedLog, runEmbedded } from "../runtime/embedded.ts";
import { formats } from "../runtime/formats.ts";
import { defineTopology } from "../runtime/topology/dsl.ts";

const count = Number(process.argv[2] ?? 50_000);
const withinMs = Number(process.argv[3] ?? 10_000);
for (const dedup of [false, true]) {
  const topology = defineTopology("bench", (builder) => {
    const s = builder.stream("in", { topic: "in", key: formats.string(), value: formats.json<{ id: number }>() });
    (dedup ? s.dedup("d", { store: "d", withinMs }) : s.filter("f", () => true)).to("out", { topic: "out", key: formats.string(), value: formats.json() });
  });
  const log = openEmbeddedLog(":memory:");
  log.createTopic("in", 1);
  // Every key twice, 1 ms apart per record: ~withinMs keys live at any time.
  log.produce("in", Array.from({ length: count }, (_, i) => ({ key: `k${i >> 1}`, value: Buffer.from(JSON.stringify({ id: i })), timestamp: i })));
  const started = performance.now();
  const summary = await runEmbedded(topology, { log, commitIntervalMs: 1_000_000 });
  const ms = performance.now() - started;
  console.log(`${dedup ? "dedup " : "filter"} ${count} records, window ${withinMs} ms: ${ms.toFixed(0)} ms, ${((ms * 1000) / count).toFixed(1)} µs/record, out ${summary.outputs.out}`);
  log.close();
}
