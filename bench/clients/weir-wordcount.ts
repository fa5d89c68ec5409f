// weir itself on each client: examples/wordcount.weir run to drained
// (`weir run --brokers`, exactly_once) over a preloaded topic of lines, once
// per client library (WEIR_KAFKA_CLIENT), alternating. Counts input lines per
// second of the whole run, start-up and group join included (a few hundred
// ms), so use enough lines. Run against a broker:
//   node --import tsx bench/clients/weir-wordcount.ts [--lines N] [--rounds R]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Kafka, logLevel } from "kafkajs";

const { values } = parseArgs({ options: { lines: { type: "string", default: "200000" }, rounds: { type: "string", default: "2" }, only: { type: "string" } } });
const LINES = Number(values.lines);
const brokers = (process.env.WEIR_TEST_BROKERS ?? "127.0.0.1:9092").split(",");
const root = join(import.meta.dirname, "..", "..");
const runId = Date.now().toString(36);
const input = `weir-bench-wc-lines-${runId}`;

const kafka = new Kafka({ clientId: "weir-bench", brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic: input, numPartitions: 4 }], waitForLeaders: true });
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
// Lines of three words from a vocabulary of 10,000: wordcount-sized records.
for (let start = 0; start < LINES; start += 10_000) {
  const messages = [];
  for (let i = start; i < Math.min(LINES, start + 10_000); i++) messages.push({ key: `line-${i}`, value: `w${i % 10_000} w${(i * 7) % 10_000} w${(i * 13) % 10_000}`, partition: i % 4 });
  await producer.send({ topic: input, acks: -1, messages });
}
await producer.disconnect();
await admin.disconnect();

const clients = values.only ? [values.only] : ["kafkajs", "platformatic"];
for (let round = 0; round < Number(values.rounds); round++) {
  for (const client of clients) {
    const app = `weir-bench-wc-${runId}-${client}-${round}`;
    const source = readFileSync(join(root, "examples", "wordcount.weir"), "utf8").replace('"text-lines"', `"${input}"`).replace('"word-counts"', `"${app}-counts"`);
    const file = join(mkdtempSync(join(tmpdir(), "weir-bench-wc-")), "wordcount.weir");
    writeFileSync(file, source);
    const started = performance.now();
    const result = spawnSync(process.execPath, [join(root, "bin", "weir.js"), "run", file, "--brokers", brokers.join(","), "--application-id", app], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, WEIR_KAFKA_CLIENT: client },
      timeout: 600_000,
    });
    const ms = performance.now() - started;
    const summary = /processed (\d+) records in (\d+) commits/.exec(result.stderr);
    if (result.status !== 0 || !summary) throw new Error(`weir run failed (${client}): ${result.stderr}`);
    console.log(
      JSON.stringify({ benchmark: "weir-wordcount", client, lines: LINES, processed: Number(summary[1]), commits: Number(summary[2]), ms: Math.round(ms), linesPerSecond: Math.round(LINES / (ms / 1000)) }),
    );
  }
}
