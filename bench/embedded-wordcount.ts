// Throughput of the embedded engine on wordcount: lines in, word counts out,
// through a repartition topic and a state store with its changelog, under
// exactly-once commits. Run: npx tsx bench/embedded-wordcount.ts [lines] [partitions] [cacheMaxBytes]
// (cacheMaxBytes: the record caches' budget; default the run's, 0: every update written).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openEmbeddedLog, runEmbedded } from "../runtime/embedded.ts";
import { generateLines, wordcountTopology } from "../test/runtime/fixtures/wordcount.ts";

const lines = Number(process.argv[2] ?? 100_000);
const partitions = Number(process.argv[3] ?? 4);
const cacheMaxBytes = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
const dir = mkdtempSync(join(tmpdir(), "weir-bench-"));
try {
  const log = openEmbeddedLog(join(dir, "weir.db"));
  log.createTopic("text-lines", partitions);
  const input = generateLines(lines);
  log.produce("text-lines", input.map((value, i) => ({ key: `line-${i}`, value, timestamp: i })));
  log.close();

  const summary = await runEmbedded(wordcountTopology(), { data: dir, ...(cacheMaxBytes === undefined ? {} : { cacheMaxBytes }) });
  const seconds = summary.durationMs / 1000;
  const words = summary.outputs["wordcount-words-repartition"] ?? 0;
  const counts = summary.outputs["word-counts"] ?? 0;
  console.log(
    `${lines} lines (${words} words) over ${partitions} partition(s), cache ${cacheMaxBytes ?? "default"} bytes, in ${seconds.toFixed(2)} s, ${summary.commits} commits: ` +
      `${Math.round(lines / seconds)} lines/s, ${Math.round(summary.recordsProcessed / seconds)} input records/s ` +
      `(lines + repartitioned words), ${counts} counts written (${Math.round(counts / seconds)}/s)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
