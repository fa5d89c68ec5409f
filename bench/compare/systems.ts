// The two systems as child processes, started as their users start them:
// weir through its CLI (`node bin/weir.js run FILE --brokers ...`), Kafka
// Streams as `java -jar` of the shaded jar built from bench/kafka-streams.
// Peak RSS is the child's VmHWM, read from /proc just before it is stopped:
// both children are the processes that do the work (bin/weir.js loads tsx
// in-process; java is the JVM itself), not wrappers.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "..", "..");
export const kafkaStreamsPom = join(root, "bench", "kafka-streams", "pom.xml");
export const kafkaStreamsJar = join(root, "bench", "kafka-streams", "target", "weir-bench-kafka-streams.jar");

export type SystemName = "weir" | "kafka-streams";
export type Guarantee = "exactly_once" | "at_least_once";
/** "default": each system's own default cache (10 MB in both); 0: no cache. */
export type CacheSetting = "default" | 0;

export interface SystemOptions {
  readonly brokers: readonly string[];
  readonly applicationId: string;
  readonly guarantee: Guarantee;
  readonly cache: CacheSetting;
  /** Logical topic name → the topic this run uses. */
  readonly topics: ReadonlyMap<string, string>;
  readonly workDir: string;
}

/** Builds the Kafka Streams jar unless it is newer than its sources. */
export function buildKafkaStreams(log: (line: string) => void): void {
  const sources = [kafkaStreamsPom, join(root, "bench", "kafka-streams", "src", "main", "java", "dev", "weir", "bench", "BenchStreams.java")];
  if (existsSync(kafkaStreamsJar) && sources.every((s) => statSync(s).mtimeMs < statSync(kafkaStreamsJar).mtimeMs)) return;
  log(`building ${kafkaStreamsJar} (mvn -q -f bench/kafka-streams/pom.xml package)`);
  const built = spawnSync("mvn", ["-q", "-B", "-f", kafkaStreamsPom, "package"], { stdio: "inherit" });
  if (built.status !== 0) throw new Error(`the Kafka Streams build failed (exit ${built.status}): run mvn -f bench/kafka-streams/pom.xml package`);
}

/** Whether this weir has the cache setting yet (it is being added alongside this harness). */
export function weirHasCacheSetting(): boolean {
  const help = spawnSync(process.execPath, [join(root, "bin", "weir.js"), "run", "--help"], { encoding: "utf8" });
  return help.stdout.includes("--cache-max-bytes");
}

/** The .weir file with its topic names replaced by this run's (the topology is unchanged). */
export function weirFileFor(weirFile: string, topics: ReadonlyMap<string, string>, workDir: string, name: string): string {
  let source = readFileSync(join(root, weirFile), "utf8");
  for (const [logical, actual] of topics) source = source.replaceAll(`topic "${logical}"`, `topic "${actual}"`);
  mkdirSync(workDir, { recursive: true });
  const path = join(workDir, `${name}.weir`);
  writeFileSync(path, source);
  return path;
}

/** Every child not yet stopped, so that an interrupted harness stops them too. */
const children = new Set<ChildProcess>();

export function killChildren(): void {
  for (const child of children) child.kill("SIGKILL");
}

export class RunningSystem {
  private stderr = "";
  private exited?: { code: number | null; signal: NodeJS.Signals | null };
  private readonly exit: Promise<void>;
  readonly startedAt = Date.now();

  constructor(readonly name: SystemName, private readonly child: ChildProcess) {
    child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    child.stdout?.resume();
    children.add(child);
    this.exit = new Promise((done) =>
      child.on("exit", (code, signal) => {
        children.delete(child);
        this.exited = { code, signal };
        done();
      }),
    );
  }

  /** Throws if the child has ended on its own: a run must not end before it is stopped. */
  check(): void {
    if (this.exited) throw new Error(`${this.name} exited early (code ${this.exited.code}, signal ${this.exited.signal}): ${this.stderr.trim().split("\n").slice(-5).join(" | ")}`);
  }

  /** VmHWM of the child in MiB, or undefined once it has exited. */
  peakRssMb(): number | undefined {
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, "utf8");
      const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
      return kb === undefined ? undefined : Number(kb) / 1024;
    } catch {
      return undefined;
    }
  }

  /** Reads the peak RSS, then stops the child with SIGTERM (both commit and close), SIGKILL after 30 s. */
  async stop(): Promise<{ peakRssMb: number | undefined }> {
    const peakRssMb = this.peakRssMb();
    if (!this.exited) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 30_000);
      await this.exit;
      clearTimeout(timer);
    }
    return { peakRssMb };
  }

  get stderrTail(): string {
    return this.stderr;
  }
}

export function startWeir(weirFile: string, options: SystemOptions, cacheFlag: boolean): RunningSystem {
  const file = weirFileFor(weirFile, options.topics, options.workDir, options.applicationId);
  const args = [join(root, "bin", "weir.js"), "run", file, "--follow", "--brokers", options.brokers.join(","), "--application-id", options.applicationId, "--guarantee", options.guarantee];
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.WEIR_CACHE_MAX_BYTES;
  if (options.cache === 0) {
    env.WEIR_CACHE_MAX_BYTES = "0";
    if (cacheFlag) args.push("--cache-max-bytes", "0");
  }
  return new RunningSystem("weir", spawn(process.execPath, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] }));
}

export function startKafkaStreams(topology: string, options: SystemOptions): RunningSystem {
  const args = ["-jar", kafkaStreamsJar, topology, "--brokers", options.brokers.join(","), "--application-id", options.applicationId, "--guarantee", options.guarantee];
  if (options.cache === 0) args.push("--cache-max-bytes", "0");
  for (const [logical, actual] of options.topics) args.push("--topic", `${logical}=${actual}`);
  return new RunningSystem("kafka-streams", spawn("java", args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] }));
}
