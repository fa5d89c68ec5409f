// The benchmark's results: the JSON file, the table printed at the end of a
// run, and docs/benchmarks.md's generated part (table and chart, drawn with
// vega-lite, rendered to SVG without a canvas).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import * as vega from "vega";
import * as vl from "vega-lite";
import type { EmbeddedResult } from "./embedded.ts";
import type { LatencyResult, ThroughputResult } from "./runs.ts";
import type { CacheSetting, Guarantee, SystemName } from "./systems.ts";
import type { WorkloadName } from "./workloads.ts";

export interface RunRecord {
  readonly topology: WorkloadName;
  readonly round: number;
  readonly cache: CacheSetting;
  readonly system: SystemName;
  readonly result?: ThroughputResult | LatencyResult;
  readonly error?: string;
}

/** Medians over the rounds, with the spread (min, max) beside them. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

export interface SystemSummary {
  readonly recordsPerSecond?: Spread;
  /** Input records ÷ the time from the first output record to the last result: start-up left out. */
  readonly afterStartupRecordsPerSecond?: Spread;
  readonly p50Ms?: Spread;
  readonly p99Ms?: Spread;
  readonly peakRssMb?: Spread;
}

export interface SummaryRow {
  readonly topology: WorkloadName;
  readonly cache: CacheSetting;
  readonly weir: SystemSummary;
  readonly kafkaStreams: SystemSummary;
  /** weir ÷ Kafka Streams, of the medians: above 1 is more (faster, or later, or bigger) for weir. */
  readonly ratios: { recordsPerSecond?: number; afterStartupRecordsPerSecond?: number; p50Ms?: number; p99Ms?: number; peakRssMb?: number };
}

export interface Results {
  startedAt: string;
  finishedAt: string;
  command: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; java: string };
  settings: {
    lines: number;
    orders: number;
    rounds: number;
    partitions: number;
    commitIntervalMs: number;
    guarantee: Guarantee;
    latencySeconds: number;
    kafkaStreams: string;
    weirCacheSettingEffective: boolean;
  };
  runs: RunRecord[];
  embedded: EmbeddedResult[];
  summary?: { rows: SummaryRow[]; embedded: { cache: CacheSetting; weir?: Spread; handWritten?: Spread; ratio?: number }[] };
}

function spread(values: readonly number[]): Spread | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, n: sorted.length };
}

function ratio(a: Spread | undefined, b: Spread | undefined): number | undefined {
  return a && b && b.median > 0 ? a.median / b.median : undefined;
}

export function summarize(results: Results): NonNullable<Results["summary"]> {
  const rows: SummaryRow[] = [];
  const keys = new Map<string, { topology: WorkloadName; cache: CacheSetting }>();
  for (const run of results.runs) keys.set(`${run.topology}/${run.cache}`, { topology: run.topology, cache: run.cache });
  for (const { topology, cache } of keys.values()) {
    const of = (system: SystemName): SystemSummary => {
      const runs = results.runs.filter((r) => r.topology === topology && r.cache === cache && r.system === system && r.result);
      const throughput = runs.map((r) => r.result).filter((r): r is ThroughputResult => r?.kind === "throughput");
      const latency = runs.map((r) => r.result).filter((r): r is LatencyResult => r?.kind === "latency" && r.samples > 0);
      return {
        recordsPerSecond: spread(throughput.map((r) => r.recordsPerSecond)),
        afterStartupRecordsPerSecond: spread(throughput.filter((r) => r.seconds > r.firstOutputSeconds).map((r) => r.inputRecords / (r.seconds - r.firstOutputSeconds))),
        p50Ms: spread(latency.map((r) => r.p50Ms)),
        p99Ms: spread(latency.map((r) => r.p99Ms)),
        peakRssMb: spread(throughput.flatMap((r) => (r.peakRssMb === null ? [] : [r.peakRssMb]))),
      };
    };
    const weir = of("weir");
    const kafkaStreams = of("kafka-streams");
    rows.push({
      topology,
      cache,
      weir,
      kafkaStreams,
      ratios: {
        recordsPerSecond: ratio(weir.recordsPerSecond, kafkaStreams.recordsPerSecond),
        afterStartupRecordsPerSecond: ratio(weir.afterStartupRecordsPerSecond, kafkaStreams.afterStartupRecordsPerSecond),
        p50Ms: ratio(weir.p50Ms, kafkaStreams.p50Ms),
        p99Ms: ratio(weir.p99Ms, kafkaStreams.p99Ms),
        peakRssMb: ratio(weir.peakRssMb, kafkaStreams.peakRssMb),
      },
    });
  }
  const caches = [...new Set(results.embedded.map((e) => e.cache))];
  const embedded = caches.map((cache) => {
    const of = (system: EmbeddedResult["system"]) => spread(results.embedded.filter((e) => e.cache === cache && e.system === system && e.linesPerSecond).map((e) => e.linesPerSecond!));
    const weir = of("weir-embedded");
    const handWritten = of("hand-written");
    return { cache, weir, handWritten, ratio: ratio(weir, handWritten) };
  });
  return { rows, embedded };
}

const number = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString("en-US") : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const withSpread = (s: Spread | undefined): string => (s === undefined ? "–" : s.n > 1 ? `${number(s.median)} (${number(s.min)}–${number(s.max)})` : number(s.median));
const times = (r: number | undefined): string => (r === undefined ? "–" : `${r.toFixed(2)}×`);

function cacheLabel(cache: CacheSetting, system: "weir" | "other", results: Results): string {
  if (cache === "default") return "default (10 MB)";
  return system === "weir" && !results.settings.weirCacheSettingEffective ? "0 (weir: not yet effective)" : "0";
}

/** The results as a Markdown table (printed by the harness and written into the docs). */
export function renderTable(results: Results): string {
  const summary = summarize(results);
  const lines = [
    "| topology | cache | system | records/s | records/s after start-up | latency p50 ms | latency p99 ms | peak RSS MiB |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const row of summary.rows) {
    const cells = (s: SystemSummary) => [withSpread(s.recordsPerSecond), withSpread(s.afterStartupRecordsPerSecond), withSpread(s.p50Ms), withSpread(s.p99Ms), withSpread(s.peakRssMb)];
    lines.push(`| ${row.topology} | ${cacheLabel(row.cache, "weir", results)} | weir | ${cells(row.weir).join(" | ")} |`);
    lines.push(`| ${row.topology} | ${cacheLabel(row.cache, "other", results)} | Kafka Streams | ${cells(row.kafkaStreams).join(" | ")} |`);
    lines.push(`| ${row.topology} | ${row.cache} | **weir ÷ KS** | **${times(row.ratios.recordsPerSecond)}** | ${times(row.ratios.afterStartupRecordsPerSecond)} | ${times(row.ratios.p50Ms)} | ${times(row.ratios.p99Ms)} | ${times(row.ratios.peakRssMb)} |`);
  }
  if (summary.embedded.length > 0) {
    lines.push("", "| embedded wordcount | cache | lines/s | peak RSS MiB |", "| --- | --- | ---: | ---: |");
    for (const e of summary.embedded) {
      const rss = (system: EmbeddedResult["system"]) => withSpread(spread(results.embedded.filter((r) => r.cache === e.cache && r.system === system && r.peakRssMb).map((r) => r.peakRssMb!)));
      lines.push(`| weir embedded engine | ${cacheLabel(e.cache, "weir", results)} | ${withSpread(e.weir)} | ${rss("weir-embedded")} |`);
      lines.push(`| hand-written better-sqlite3 loop | ${e.cache === 0 ? "0: every update" : "last count per word and batch"} | ${withSpread(e.handWritten)} | ${rss("hand-written")} |`);
      lines.push(`| **weir ÷ loop** | ${e.cache} | **${times(e.ratio)}** | |`);
    }
  }
  const failed = [...results.runs.filter((r) => r.error), ...results.embedded.filter((e) => e.error)];
  if (failed.length > 0) lines.push("", `${failed.length} run(s) failed and are not in the table; see the results file.`);
  return lines.join("\n");
}

/** The chart: records/s and p99 latency per topology and cache, a bar per system (median) and a dot per round. */
export async function renderChart(results: Results): Promise<string> {
  const points = results.runs.flatMap((run) => {
    if (!run.result) return [];
    const group = `${run.topology}, cache ${run.cache === "default" ? "10 MB" : "0"}`;
    const system = run.system === "weir" ? "weir" : "Kafka Streams";
    return run.result.kind === "throughput"
      ? [{ group, system, measure: "records/s (more is better)", value: run.result.recordsPerSecond }]
      : run.result.samples > 0
        ? [{ group, system, measure: "latency p99 ms at half the max rate (less is better)", value: run.result.p99Ms }]
        : [];
  });
  const groups = [...new Set(points.map((p) => p.group))];
  const spec: vl.TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    data: { values: points },
    facet: { column: { field: "measure", type: "nominal", title: null, sort: "descending" } },
    resolve: { scale: { y: "independent" } },
    spec: {
      width: 320,
      height: 220,
      layer: [
        {
          mark: { type: "bar", opacity: 0.75 },
          encoding: {
            x: { field: "group", type: "nominal", title: null, sort: groups, axis: { labelAngle: -30, labelLimit: 200 } },
            xOffset: { field: "system", type: "nominal" },
            y: { aggregate: "median", field: "value", type: "quantitative", scale: { type: "log" }, title: "median of the rounds (log scale)" },
            color: { field: "system", type: "nominal", title: null, scale: { range: ["#4c78a8", "#f58518"] } },
          },
        },
        {
          mark: { type: "point", filled: true, size: 18, color: "black" },
          encoding: {
            x: { field: "group", type: "nominal", sort: groups },
            xOffset: { field: "system", type: "nominal" },
            y: { field: "value", type: "quantitative" },
          },
        },
      ],
    },
  };
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return `${svg}\n`;
}

const BEGIN = "<!-- generated: bench results (npm run bench -- --docs FILE) -->";
const END = "<!-- end: generated -->";

/** Rewrites the generated part of docs/benchmarks.md and the chart next to it. */
export async function renderDocs(results: Results, markdownPath: string, svgPath: string): Promise<void> {
  results.summary = summarize(results);
  writeFileSync(svgPath, await renderChart(results));
  const s = results.settings;
  const m = results.machine;
  const generated = [
    BEGIN,
    "",
    `Run ${results.startedAt.slice(0, 16).replace("T", " ")} UTC with \`${results.command}\`: ${s.lines.toLocaleString("en-US")} lines of wordcount, ` +
      `${s.orders.toLocaleString("en-US")} orders for revenue and enrich, ${s.partitions} partitions, commit interval ${s.commitIntervalMs} ms, ` +
      `${s.guarantee}, ${s.rounds} round(s), latency runs of ${s.latencySeconds} s. Kafka Streams ${s.kafkaStreams}` +
      `${s.weirCacheSettingEffective ? "" : "; weir's cache setting was not yet effective in this build, so weir's cache-0 rows ran with weir as it was (no cache)"}.`,
    `Machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGb} GB, Node ${m.node}, ${m.java}.`,
    "",
    renderTable(results),
    "",
    `![records/s and p99 latency, weir and Kafka Streams](${basename(svgPath)})`,
    "",
    END,
  ].join("\n");
  const current = existsSync(markdownPath) ? readFileSync(markdownPath, "utf8") : "";
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  if (start < 0 || end < 0) throw new Error(`${markdownPath} has no generated section (${BEGIN} ... ${END})`);
  writeFileSync(markdownPath, current.slice(0, start) + generated + current.slice(end + END.length));
}
