// The benchmark: weir beside Kafka Streams on the same broker in the same
// run, alternating weir, Kafka Streams, weir, Kafka Streams (so that a noisy
// machine shows as spread, not as bias), plus the embedded engine against a
// hand-written better-sqlite3 loop. One command (docs/benchmarks.md):
//
//   npm run bench -- [--lines N] [--orders N] [--rounds R] [--topologies wordcount,revenue,enrich]
//                    [--caches default,0] [--systems weir,kafka-streams] [--guarantee exactly_once|at_least_once]
//                    [--latency-seconds S] [--no-latency] [--no-embedded] [--tiny] [--out FILE]
//   npm run bench -- --docs [FILE]    # rewrite docs/benchmarks.md's table and chart from a results file
//
// Uses the broker at WEIR_TEST_BROKERS or 127.0.0.1:9092; builds the Kafka
// Streams jar with Maven when it is missing or older than its sources.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { spawnSync } from "node:child_process";
import { embeddedComparison, type EmbeddedResult } from "./compare/embedded.ts";
import { BenchKafka } from "./compare/kafka-io.ts";
import { renderChart, renderDocs, renderTable, summarize, type Results, type RunRecord } from "./compare/report.ts";
import { latencyRun, throughputRun, type LatencyResult, type RunContext, type ThroughputResult } from "./compare/runs.ts";
import { buildKafkaStreams, killChildren, root, weirHasCacheSetting, type CacheSetting, type Guarantee, type SystemName } from "./compare/systems.ts";
import { workloadNames, workloads, type InputRecord, type WorkloadName } from "./compare/workloads.ts";

interface Options {
  lines: number;
  orders: number;
  rounds: number;
  topologies: WorkloadName[];
  caches: CacheSetting[];
  systems: SystemName[];
  guarantee: Guarantee;
  latencySeconds: number;
  latency: boolean;
  embedded: boolean;
  out: string;
  docs?: string;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = {
    lines: 50_000,
    orders: 50_000,
    rounds: 2,
    topologies: [...workloadNames],
    caches: ["default", 0],
    systems: ["weir", "kafka-streams"],
    guarantee: "exactly_once",
    latencySeconds: 20,
    latency: true,
    embedded: true,
    out: join(root, "bench", "results", "latest.json"),
  };
  const fail = (message: string): never => {
    console.error(`bench: ${message}`);
    process.exit(2);
  };
  const count = (flag: string, text: string | undefined): number => {
    const n = Number(text);
    return Number.isInteger(n) && n > 0 ? n : fail(`${flag} takes a positive whole number, not ${text}`);
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => argv[++i] ?? fail(`${flag} needs a value`);
    switch (flag) {
      case "--lines": options.lines = count(flag, value()); break;
      case "--orders": options.orders = count(flag, value()); break;
      case "--rounds": options.rounds = count(flag, value()); break;
      case "--latency-seconds": options.latencySeconds = count(flag, value()); break;
      case "--topologies":
        options.topologies = value().split(",").map((t) => (workloadNames.includes(t as WorkloadName) ? (t as WorkloadName) : fail(`unknown topology ${t} (${workloadNames.join(", ")})`)));
        break;
      case "--caches":
        options.caches = value().split(",").map((c) => (c === "default" ? "default" : c === "0" ? 0 : fail(`--caches takes default and/or 0, not ${c}`)));
        break;
      case "--systems":
        options.systems = value().split(",").map((c) => (c === "weir" || c === "kafka-streams" ? c : fail(`--systems takes weir and/or kafka-streams, not ${c}`)));
        break;
      case "--guarantee": {
        const g = value();
        options.guarantee = g === "exactly_once" || g === "at_least_once" ? g : fail(`--guarantee is exactly_once or at_least_once, not ${g}`);
        break;
      }
      case "--no-latency": options.latency = false; break;
      case "--no-embedded": options.embedded = false; break;
      case "--out": options.out = value(); break;
      case "--docs": options.docs = argv[i + 1] && !argv[i + 1]!.startsWith("--") ? argv[++i]! : options.out; break;
      case "--tiny":
        // CI: every path once (both systems, each topology, throughput and
        // latency, the embedded pair) on an input that takes seconds.
        Object.assign(options, { lines: 300, orders: 300, rounds: 1, caches: ["default"], latencySeconds: 2 });
        break;
      default: fail(`unknown option ${flag}`);
    }
  }
  return options;
}

function machine(): Results["machine"] {
  const java = spawnSync("java", ["-version"], { encoding: "utf8" }).stderr.split("\n")[0] ?? "";
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    java,
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.docs !== undefined) {
    const results = JSON.parse(readFileSync(options.docs, "utf8")) as Results;
    await renderDocs(results, join(root, "docs", "benchmarks.md"), join(root, "docs", "benchmarks.svg"));
    console.log(`bench: docs/benchmarks.md and docs/benchmarks.svg written from ${options.docs}`);
    return;
  }
  const log = (line: string) => console.log(`bench: ${line}`);
  const brokers = (process.env.WEIR_TEST_BROKERS ?? "127.0.0.1:9092").split(",");
  buildKafkaStreams(log);
  const weirCacheFlag = weirHasCacheSetting();
  if (!weirCacheFlag) log("weir's cache setting is not yet effective (no --cache-max-bytes in `weir run --help`): weir's cache-0 runs are labelled so");

  const runId = `bench-${Date.now().toString(36)}`;
  const workDir = mkdtempSync(join(tmpdir(), "weir-bench-"));
  const bench = new BenchKafka(brokers);
  const context: RunContext = { bench, brokers, guarantee: options.guarantee, workDir, weirCacheFlag, log };
  // Interrupted: stop the children, delete this run's topics, and go.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping; deleting this run's topics (${runId}-*)`);
      killChildren();
      void bench
        .deleteTopics(runId)
        .catch(() => undefined)
        .finally(() => process.exit(130));
    });
  }
  const runs: RunRecord[] = [];
  let embedded: EmbeddedResult[] = [];
  let failures = 0;
  let n = 0;
  const startedAt = new Date().toISOString();
  try {
    for (const name of options.topologies) {
      const workload = workloads[name];
      const count = name === "wordcount" ? options.lines : options.orders;
      // One preloaded input per topology, read by every throughput run (each
      // under its own application id, from the beginning).
      const inputTopics = new Map(workload.inputTopics.map((t) => [t, `${runId}-${name}-${t}`]));
      await bench.createTopics([...inputTopics.values()]);
      const model = workload.model();
      const input: InputRecord[] = [...workload.tables()];
      for (let i = 0; i < count; i++) input.push(workload.record(i, workload.preloadTimestamp(i, count)));
      for (const record of input) model.add(record);
      log(`${name}: preloading ${input.length} records (${count} ${workload.unit}; ${model.expected.size} final results)`);
      await bench.send(input, (t) => inputTopics.get(t)!);

      for (let round = 1; round <= options.rounds; round++) {
        for (const cache of options.caches) {
          const rates = new Map<SystemName, number>();
          const record = async (system: SystemName, kind: "throughput" | "latency", run: () => Promise<ThroughputResult | LatencyResult>) => {
            const label = `${name} round ${round} cache ${cache} ${system} ${kind}`;
            try {
              const result = await run();
              runs.push({ topology: name, round, cache, system, result });
              if (result.kind === "throughput") rates.set(system, result.recordsPerSecond);
              log(`${label}: ${describe(result)}`);
            } catch (error) {
              failures++;
              const message = error instanceof Error ? error.message : String(error);
              runs.push({ topology: name, round, cache, system, error: message });
              log(`${label}: FAILED: ${message}`);
            }
          };
          for (const system of options.systems) {
            const id = `${runId}-${name}-${++n}`;
            await record(system, "throughput", () =>
              throughputRun(system, workload, cache, { applicationId: `${id}-${system}`, inputTopics, outputTopic: `${id}-${workload.outputTopic}` }, input.length, model, context),
            );
          }
          if (!options.latency) continue;
          for (const system of options.systems) {
            const maxRate = rates.get(system);
            if (maxRate === undefined) continue;
            const id = `${runId}-${name}-${++n}`;
            // Half the maximum rate, in measured-stream records (the preloaded
            // rate counted tables too; they are few).
            const rate = Math.max(1, Math.round(maxRate / 2));
            await record(system, "latency", () => latencyRun(system, workload, cache, { applicationId: `${id}-${system}`, topicPrefix: id }, rate, options.latencySeconds * 1000, context));
          }
        }
      }
    }
    if (options.embedded) {
      embedded = await embeddedComparison(options.lines, options.rounds, options.caches, log);
      failures += embedded.filter((e) => e.error).length;
    }
  } finally {
    await bench.close();
    await bench.deleteTopics(runId).catch((error) => log(`could not delete this run's topics (${runId}-*): ${error}`));
    rmSync(workDir, { recursive: true, force: true });
  }

  const results: Results = {
    startedAt,
    finishedAt: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim(),
    machine: machine(),
    settings: {
      lines: options.lines,
      orders: options.orders,
      rounds: options.rounds,
      partitions: 4,
      commitIntervalMs: 100,
      guarantee: options.guarantee,
      latencySeconds: options.latencySeconds,
      kafkaStreams: "4.4.0",
      weirCacheSettingEffective: weirCacheFlag,
    },
    runs,
    embedded,
  };
  results.summary = summarize(results);
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
  // The chart beside the results, so that every run (CI's too) draws it.
  const chart = options.out.replace(/\.json$/, "") + ".svg";
  writeFileSync(chart, await renderChart(results));
  console.log(renderTable(results));
  log(`results written to ${options.out} (chart: ${chart})${failures ? `; ${failures} run(s) FAILED` : ""}`);
  if (failures) process.exitCode = 1;
}

function describe(result: RunRecord["result"]): string {
  if (!result) return "";
  return result.kind === "throughput"
    ? `${result.seconds.toFixed(1)} s, ${Math.round(result.recordsPerSecond)} records/s (first output after ${result.firstOutputSeconds.toFixed(1)} s, ${result.outputRecords} output records), peak RSS ${result.peakRssMb?.toFixed(0)} MiB`
    : `${result.ratePerSecond} records/s for ${result.produced} records: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms (${result.samples} outputs; all visible ${result.drainSeconds?.toFixed(1)} s after the last was produced), peak RSS ${result.peakRssMb?.toFixed(0)} MiB`;
}

await main();
