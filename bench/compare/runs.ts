// One measured run of one system: throughput over a preloaded input, or
// end-to-end latency at a fixed rate.
import { BenchKafka, OutputWatcher } from "./kafka-io.ts";
import { startKafkaStreams, startWeir, type CacheSetting, type Guarantee, type RunningSystem, type SystemName } from "./systems.ts";
import type { Model, Workload } from "./workloads.ts";

export interface RunContext {
  readonly bench: BenchKafka;
  readonly brokers: readonly string[];
  readonly guarantee: Guarantee;
  readonly workDir: string;
  readonly weirCacheFlag: boolean;
  readonly log: (line: string) => void;
}

export interface ThroughputResult {
  readonly kind: "throughput";
  readonly inputRecords: number;
  /** From starting the process until the consumer saw every final result. */
  readonly seconds: number;
  readonly recordsPerSecond: number;
  /** From starting the process until the first output record was visible. */
  readonly firstOutputSeconds: number;
  readonly outputRecords: number;
  readonly peakRssMb: number | null;
}

export interface LatencyResult {
  readonly kind: "latency";
  readonly ratePerSecond: number;
  readonly produced: number;
  /**
   * From the last record produced until every final result was visible: near
   * the commit interval when the system kept up with the rate; seconds when it
   * fell behind (then its latencies measure a queue, not the system at that rate).
   */
  readonly drainSeconds: number;
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly peakRssMb: number | null;
}

function start(system: SystemName, workload: Workload, applicationId: string, topics: Map<string, string>, cache: CacheSetting, context: RunContext): RunningSystem {
  const options = { brokers: context.brokers, applicationId, guarantee: context.guarantee, cache, topics, workDir: context.workDir };
  return system === "weir" ? startWeir(workload.weirFile, options, context.weirCacheFlag) : startKafkaStreams(workload.name, options);
}

async function watchWhileRunning<T>(running: RunningSystem, work: Promise<T>): Promise<T> {
  // A child that dies must fail the run at once, not after the watcher's timeout.
  let timer: NodeJS.Timeout | undefined;
  const died = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      try {
        running.check();
      } catch (error) {
        reject(error);
      }
    }, 200);
  });
  try {
    return await Promise.race([work, died]);
  } finally {
    clearInterval(timer);
  }
}

/** Throughput: the input is already on `inputTopics`; a fresh output topic and application. */
export async function throughputRun(
  system: SystemName,
  workload: Workload,
  cache: CacheSetting,
  names: { applicationId: string; inputTopics: Map<string, string>; outputTopic: string },
  inputRecords: number,
  expected: Model,
  context: RunContext,
): Promise<ThroughputResult> {
  await context.bench.createTopics([names.outputTopic]);
  const watcher = new OutputWatcher(context.bench, names.outputTopic, workload);
  await watcher.start();
  const topics = new Map(names.inputTopics).set(workload.outputTopic, names.outputTopic);
  const running = start(system, workload, names.applicationId, topics, cache, context);
  try {
    const outcome = await watchWhileRunning(running, watcher.waitDone(expected, 60_000));
    const { peakRssMb } = await running.stop();
    const seconds = (outcome.doneAt - running.startedAt) / 1000;
    return {
      kind: "throughput",
      inputRecords,
      seconds,
      recordsPerSecond: inputRecords / seconds,
      firstOutputSeconds: (outcome.firstOutputAt - running.startedAt) / 1000,
      outputRecords: outcome.outputRecords,
      peakRssMb: peakRssMb ?? null,
    };
  } finally {
    await running.stop();
    await watcher.stop();
  }
}

const WARMUP_RECORDS = 10;

/**
 * Latency: fresh topics; the system starts, a few warm-up records prove it is
 * processing, then records are produced at `rate` for `durationMs`, stamped
 * with the wall clock; each output record stamped in that period counts
 * (visible − timestamp). The run counts only if the final results are right.
 */
export async function latencyRun(
  system: SystemName,
  workload: Workload,
  cache: CacheSetting,
  names: { applicationId: string; topicPrefix: string },
  rate: number,
  durationMs: number,
  context: RunContext,
): Promise<LatencyResult> {
  const topics = new Map([...workload.inputTopics, workload.outputTopic].map((t) => [t, `${names.topicPrefix}-${t}`]));
  const topicOf = (logical: string) => topics.get(logical)!;
  await context.bench.createTopics([...topics.values()]);
  const model = workload.model();
  const tables = workload.tables();
  for (const record of tables) model.add(record);
  await context.bench.send(tables, topicOf);

  const watcher = new OutputWatcher(context.bench, topicOf(workload.outputTopic), workload);
  await watcher.start();
  const running = start(system, workload, names.applicationId, topics, cache, context);
  try {
    const warmup = Array.from({ length: WARMUP_RECORDS }, (_, i) => workload.record(i, Date.now()));
    for (const record of warmup) model.add(record);
    await context.bench.send(warmup, topicOf);
    await watchWhileRunning(running, watcher.waitDone(model, 90_000));

    watcher.measureFrom = Date.now();
    const produced = await watchWhileRunning(running, context.bench.produceAtRate(workload, model, WARMUP_RECORDS, rate, durationMs, topicOf));
    const producedAt = Date.now();
    const outcome = await watchWhileRunning(running, watcher.waitDone(model, 60_000));
    const { peakRssMb } = await running.stop();
    const sorted = [...watcher.latencies].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
    return { kind: "latency", ratePerSecond: rate, produced, drainSeconds: Math.max(0, outcome.doneAt - producedAt) / 1000, samples: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted.at(-1) ?? Number.NaN, peakRssMb: peakRssMb ?? null };
  } finally {
    await running.stop();
    await watcher.stop();
  }
}
