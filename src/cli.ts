// The `weir` command line: a thin layer over the compiler API (src/index.ts)
// and the runtime's public API. Every failure is a message and an exit code,
// never a stack trace.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import {
  embeddedDatabasePath,
  openEmbeddedLog,
  resetCommand,
  resetEmbedded,
  runEmbedded,
  STORE_SHAPE_EXIT_CODE,
  StoreShapeError,
  storeShapeRefusal,
  WeirRuntimeError,
  type ApplicationReset,
  type EmbeddedLog,
  type Guarantee,
  type ProduceRecord,
  type ResetTarget,
  type RunSummary,
  type Topology,
} from "../runtime/index.ts";
import { areBrokerAddresses, BROKER_ADDRESSES_EXPECTED, splitBrokerAddresses } from "../runtime/internal/broker-addresses.ts";
import type { PrintFormat } from "../runtime/internal/record-bytes.ts";
import { unreadInputProblem } from "../runtime/testing.ts";
import { loadTopology, writeCompiledProject } from "./compiled-module.ts";
import { check, format, formatDiagnostics, type Diagnostic } from "./index.ts";

/** A failure the user can fix: printed as one line, without a stack trace. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

interface Output {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: Output = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

export async function main(argv: readonly string[], io: Output = processOutput): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name("weir")
    .description("Declarative stream topologies: check, compile and run .weir files with exactly-once state.")
    .version(readVersion(), "-V, --version")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError("(run 'weir --help' for the commands)");

  program
    .command("check")
    .description("check .weir files; print every problem with its line, column and code")
    .argument("<files...>", ".weir files")
    .action((files: string[]) => {
      let failed = false;
      for (const file of files) {
        const source = readSource(file);
        const found = check(source, { path: file });
        printDiagnostics(found, source, io);
        if (found.some((d) => d.severity === "error")) failed = true;
      }
      exitCode = failed ? 1 : 0;
    });

  program
    .command("fmt")
    .description("print a .weir file in its canonical layout (--write: rewrite the files; --check: exit 1 if any is not formatted)")
    .argument("<files...>", ".weir files")
    .option("-w, --write", "rewrite the files in place", false)
    .option("-c, --check", "print nothing; exit 1 and name the files that are not formatted", false)
    .action((files: string[], options: { write: boolean; check: boolean }) => {
      for (const file of files) {
        const source = readSource(file);
        const result = format(source, { path: file });
        printDiagnostics(result.diagnostics, source, io);
        if (result.text === undefined) {
          exitCode = 1;
        } else if (options.check) {
          if (result.text !== source) {
            io.err(`${file}: not formatted (weir fmt --write ${file})\n`);
            exitCode = 1;
          }
        } else if (options.write) {
          if (result.text !== source) writeFileSync(file, result.text);
        } else {
          io.out(result.text);
        }
      }
    });

  program
    .command("compile")
    .description("compile a .weir file to a TypeScript module (with a tsconfig.json) in a folder")
    .argument("<file>", ".weir file")
    .requiredOption("-o, --out <dir>", "folder to write the module to")
    .action((file: string, options: { out: string }) => {
      const source = readSource(file);
      const result = writeCompiledProject(file, source, options.out);
      printDiagnostics(result.diagnostics, source, io);
      if (!result.written) {
        exitCode = 1;
        return;
      }
      io.out(`wrote ${result.written.modulePath}\n`);
    });

  program
    .command("describe")
    .description("print the topology: sources, processors, state stores with their changelogs, repartition topics, sinks")
    .argument("<file>", ".weir file")
    .action(async (file: string) => {
      const source = readSource(file);
      const loaded = await loadTopology(file, source);
      printDiagnostics(loaded.diagnostics, source, io);
      if (!loaded.topology) {
        exitCode = 1;
        return;
      }
      io.out(`${loaded.topology.describe()}\n`);
    });

  program
    .command("produce")
    .description(
      "append records to a topic (of the embedded log with --data, of Kafka with --brokers), one JSON object per line on standard input: {\"key\", \"value\", \"timestamp\"}",
    )
    .argument("<topic>", "topic name")
    .option("-d, --data <dir>", "data folder of the embedded engine")
    .option("-b, --brokers <host:port,...>", "produce to Kafka: the bootstrap brokers", brokersOption)
    .option("-p, --partitions <n>", "partitions, when the topic is created (default 1)", positiveInteger)
    .action(async (topic: string, options: { data?: string; brokers?: string; partitions?: number }) => {
      const where = dataOrBrokers("produce", options);
      const text = await readStdin();
      const records = parseRecordLines(text, "standard input");
      let count: number;
      if (where === "kafka") {
        const { produceKafka } = await import("../runtime/kafka.ts");
        count = await produceKafka({ brokers: options.brokers! }, topic, records, options.partitions !== undefined ? { partitions: options.partitions } : {});
      } else {
        const log = openLog(options.data!);
        try {
          count = produceRecords(log, topic, records, options.partitions);
        } finally {
          log.close();
        }
      }
      io.err(`produced ${count} record${count === 1 ? "" : "s"} to ${topic}\n`);
    });

  program
    .command("consume")
    .description("print the committed records of a topic, one JSON object per line (on Kafka: read_committed, up to the end offsets at start)")
    .argument("<topic>", "topic name")
    .option("-d, --data <dir>", "data folder of the embedded engine")
    .option("-b, --brokers <host:port,...>", "consume from Kafka: the bootstrap brokers", brokersOption)
    .option("--key-format <format>", "on Kafka: print keys as json, string, or auto (JSON when the text parses)", printFormatOption, "auto" as PrintFormat)
    .option("--value-format <format>", "on Kafka: print values as json, string, or auto (JSON when the text parses)", printFormatOption, "auto" as PrintFormat)
    .action(async (topic: string, options: { data?: string; brokers?: string; keyFormat: PrintFormat; valueFormat: PrintFormat }) => {
      if (dataOrBrokers("consume", options) === "kafka") {
        const { consumeKafka } = await import("../runtime/kafka.ts");
        for await (const record of consumeKafka({ brokers: options.brokers! }, topic, { keyFormat: options.keyFormat, valueFormat: options.valueFormat })) {
          io.out(`${JSON.stringify(record)}\n`);
        }
        return;
      }
      const log = openLog(options.data!);
      try {
        printRecords(log, topic, io);
      } finally {
        log.close();
      }
    });

  program
    .command("run")
    .description("run a topology on the embedded engine, or on Kafka with --brokers, until its inputs are drained (--follow: keep running)")
    .argument("<file>", ".weir file")
    .option("-d, --data <dir>", "data folder of the embedded engine (default with --input: a temporary one)")
    .option("-i, --input <topic=path...>", "produce a JSONL file to a topic a source reads first, then print the output topics", collectInput, [])
    .option("-f, --follow", "keep running and process new records as they arrive (stop with Ctrl-C)", false)
    .option("--commit-interval <ms>", "how often to commit, in milliseconds", positiveInteger, 100)
    .option("-b, --brokers <host:port,...>", "run on Kafka: the bootstrap brokers", brokersOption)
    .option("--application-id <id>", "on Kafka: run under this application id instead of the file's")
    .option("--guarantee <guarantee>", "on Kafka: exactly_once or at_least_once", guaranteeOption, "exactly_once" as Guarantee)
    .option("--session-timeout <ms>", "on Kafka: the consumer group drops an instance not heard from for this long (default 10000)", positiveInteger)
    .option("--heartbeat-interval <ms>", "on Kafka: how often an instance heartbeats to the consumer group (default 3000)", positiveInteger)
    .option("--rebalance-timeout <ms>", "on Kafka: how long a rebalance waits for every instance to rejoin (default 60000)", positiveInteger)
    .option("--max-task-idle <ms>", "on Kafka: how long a join or merge waits for an empty input at its end before going ahead without it (default 500)", nonNegativeInteger)
    .option("--broker-outage <ms>", "on Kafka: how long Kafka may be unreachable before the run gives up; shorter outages are ridden out (default 300000)", nonNegativeInteger)
    .action(async (file: string, options: RunCommandOptions) => {
      if (options.brokers !== undefined) {
        exitCode = await runOnKafka(file, options, io);
        return;
      }
      for (const [flag, value] of KAFKA_ONLY_FLAGS.map(([flag, name]) => [flag, options[name]] as const)) {
        if (value !== undefined) throw new UsageError(`${flag} is for Kafka: add --brokers HOST:PORT`);
      }
      if (!options.data && options.input.length === 0) throw new UsageError("run needs --data DIR, or --input TOPIC=PATH to run on a temporary data folder, or --brokers HOST:PORT to run on Kafka");
      const source = readSource(file);
      const loaded = await loadTopology(file, source);
      printDiagnostics(loaded.diagnostics, source, io);
      if (!loaded.topology) {
        exitCode = 1;
        return;
      }
      const topology = loaded.topology;
      checkInputs(topology, options.input, options.data === undefined);
      const temporary = options.data ? undefined : mkdtempSync(join(tmpdir(), "weir-run-"));
      const data = options.data ?? temporary!;
      try {
        if (options.input.length > 0) {
          const log = openLog(data);
          try {
            for (const input of options.input) produceRecords(log, input.topic, parseRecordLines(readSource(input.path), input.path), undefined);
          } finally {
            log.close();
          }
        }
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        let summary: RunSummary;
        try {
          try {
            summary = await runEmbedded(topology, {
              data,
              follow: options.follow,
              commitIntervalMs: options.commitInterval,
              signal: controller.signal,
            });
          } catch (error) {
            exitCode = refuseChangedShape(error, file, { data }, io);
            return;
          }
          io.err(
            `processed ${summary.recordsProcessed} records in ${summary.commits} commits` +
              (summary.deadLettered > 0 ? `; ${summary.deadLettered} sent to ${topology.deadLetterTopic}` : "") +
              (summary.lateRecords ? ` (${summary.lateRecords} late: past their window's end + grace)` : "") +
              "\n",
          );
        } finally {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
        }
        if (options.input.length > 0) {
          const log = openLog(data);
          try {
            for (const topic of [...new Set(topology.sinkTopics)]) printRecords(log, topic, io);
            // The temporary folder goes with its dead-letter topic: they are shown now or never.
            if (temporary && summary.deadLettered > 0) {
              for (const record of log.consume(topology.deadLetterTopic)) io.err(`dead letter: ${JSON.stringify(record)}\n`);
            }
          } finally {
            log.close();
          }
        }
      } finally {
        if (temporary) rmSync(temporary, { recursive: true, force: true });
      }
    });

  program
    .command("reset")
    .description(
      "reset an application, as kafka-streams-application-reset does: delete its internal topics (changelogs, repartition topics) and move its input offsets back to the beginning, so that its next run recomputes its state; output topics are not touched",
    )
    .argument("<file>", ".weir file")
    .option("-d, --data <dir>", "data folder of the embedded engine")
    .option("-b, --brokers <host:port,...>", "reset on Kafka: the bootstrap brokers (refused while an instance runs)")
    .option("--application-id <id>", "on Kafka: reset the application run under this id instead of the file's")
    .action(async (file: string, options: { data?: string; brokers?: string; applicationId?: string }) => {
      const where = dataOrBrokers("reset", options);
      if (where === "embedded" && options.applicationId !== undefined) throw new UsageError("--application-id is for Kafka: add --brokers HOST:PORT");
      if (where === "embedded" && !existsSync(embeddedDatabasePath(options.data!))) throw new UsageError(`nothing to reset: ${options.data} is not a data folder (it has no weir.db)`);
      const source = readSource(file);
      const loaded = await loadTopology(file, source);
      printDiagnostics(loaded.diagnostics, source, io);
      if (!loaded.topology) {
        exitCode = 1;
        return;
      }
      let reset: ApplicationReset;
      if (where === "kafka") {
        const { resetKafka } = await import("../runtime/kafka.ts");
        reset = await resetKafka(loaded.topology, { brokers: options.brokers!, ...(options.applicationId !== undefined ? { applicationId: options.applicationId } : {}) });
      } else {
        reset = resetEmbedded(loaded.topology, { data: options.data! });
      }
      const list = (topics: readonly string[]) => (topics.length > 0 ? topics.join(", ") : "none");
      io.out(`${reset.application}: deleted internal topics: ${list(reset.deletedTopics)}\n`);
      io.out(`${reset.application}: the next run reads from the beginning: ${list(reset.inputTopics)}\n`);
      io.out(`${reset.application}: not touched: ${list(reset.keptTopics)}\n`);
    });

  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; usage mistakes were already printed by commander.
      return error.exitCode === 0 || error.code === "commander.helpDisplayed" || error.code === "commander.version" ? 0 : 2;
    }
    if (error instanceof UsageError || error instanceof WeirRuntimeError) {
      io.err(`weir: ${error.message}\n`);
      return error instanceof UsageError ? 2 : 1;
    }
    // Anything else is a failure weir did not foresee (a file system or database
    // error, or a bug): one line, and the stack trace only when asked for.
    const message = error instanceof Error ? error.message : String(error);
    io.err(`weir: ${message}\n`);
    if (process.env.WEIR_DEBUG) io.err(`${error instanceof Error ? error.stack : ""}\n`);
    else io.err("weir: (set WEIR_DEBUG=1 to see where it happened)\n");
    return 1;
  }
  return exitCode;
}

/**
 * A run refused because a store's state was written in another shape: one
 * line that says what changed and the `weir reset` to run, with the user's own
 * file and arguments, and its own exit code (docs/state.md). Anything else is rethrown.
 */
function refuseChangedShape(error: unknown, file: string, target: ResetTarget, io: Output): number {
  if (!(error instanceof StoreShapeError)) throw error;
  io.err(`weir: ${storeShapeRefusal(error.message, resetCommand(file, target))}\n`);
  return STORE_SHAPE_EXIT_CODE;
}

interface InputFile {
  readonly topic: string;
  readonly path: string;
}

interface RunCommandOptions {
  data?: string;
  input: InputFile[];
  follow: boolean;
  commitInterval: number;
  brokers?: string;
  applicationId?: string;
  guarantee: Guarantee;
  sessionTimeout?: number;
  heartbeatInterval?: number;
  rebalanceTimeout?: number;
  maxTaskIdle?: number;
  brokerOutage?: number;
}

/** `weir run` flags that only mean something on Kafka. */
const KAFKA_ONLY_FLAGS = [
  ["--application-id", "applicationId"],
  ["--session-timeout", "sessionTimeout"],
  ["--heartbeat-interval", "heartbeatInterval"],
  ["--rebalance-timeout", "rebalanceTimeout"],
  ["--max-task-idle", "maxTaskIdle"],
  ["--broker-outage", "brokerOutage"],
] as const;

/**
 * Before anything runs: every --input topic is read by a source (records no
 * source reads would be ignored), and on a temporary data folder every source
 * topic has an --input (nothing else could ever produce to that folder).
 */
function checkInputs(topology: Topology, inputs: readonly InputFile[], temporary: boolean): void {
  for (const input of inputs) {
    const problem = unreadInputProblem(topology, input.topic);
    if (problem) throw new UsageError(problem);
  }
  if (!temporary) return;
  const given = new Set(inputs.map((input) => input.topic));
  for (const topic of new Set(topology.sourceTopics)) {
    if (!given.has(topic)) throw new UsageError(`no --input for topic '${topic}', which a source reads: add --input ${topic}=PATH (an empty file for no records), or run on a data folder with --data DIR`);
  }
}

/** `weir run FILE --brokers ...`: until drained, or with --follow until SIGINT/SIGTERM, which commit and stop. */
async function runOnKafka(file: string, options: RunCommandOptions, io: Output): Promise<number> {
  if (options.data !== undefined || options.input.length > 0) throw new UsageError("--data and --input are for the embedded engine, not with --brokers");
  const source = readSource(file);
  const loaded = await loadTopology(file, source);
  printDiagnostics(loaded.diagnostics, source, io);
  if (!loaded.topology) return 1;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  // Loaded only here: kafkajs adds to every start of the CLI otherwise.
  const { runKafka } = await import("../runtime/kafka.ts");
  // The engine's lines say what happened; each is told apart by the application it runs as.
  const application = options.applicationId ?? loaded.topology.application;
  let summary: RunSummary;
  try {
    summary = await runKafka(loaded.topology, {
      brokers: options.brokers!,
      guarantee: options.guarantee,
      follow: options.follow,
      commitIntervalMs: options.commitInterval,
      signal: controller.signal,
      logger: (message) => io.err(`${application}: ${message}\n`),
      ...(options.applicationId !== undefined ? { applicationId: options.applicationId } : {}),
      ...(options.sessionTimeout !== undefined ? { sessionTimeoutMs: options.sessionTimeout } : {}),
      ...(options.heartbeatInterval !== undefined ? { heartbeatIntervalMs: options.heartbeatInterval } : {}),
      ...(options.rebalanceTimeout !== undefined ? { rebalanceTimeoutMs: options.rebalanceTimeout } : {}),
      ...(options.maxTaskIdle !== undefined ? { maxTaskIdleMs: options.maxTaskIdle } : {}),
      ...(options.brokerOutage !== undefined ? { brokerOutageMs: options.brokerOutage } : {}),
    });
  } catch (error) {
    return refuseChangedShape(error, file, { brokers: options.brokers!, applicationId: options.applicationId }, io);
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  io.err(
    `${summary.application}: processed ${summary.recordsProcessed} records in ${summary.commits} commits (${summary.stoppedBy})` +
      (summary.deadLettered > 0 ? `; ${summary.deadLettered} sent to ${summary.application}-dlq` : "") +
      (summary.lateRecords ? ` (${summary.lateRecords} late: past their window's end + grace)` : "") +
      "\n",
  );
  return 0;
}

/** Checked at once, as the service checks WEIR_BROKERS: kafkajs would retry a bad address for half a minute. */
function brokersOption(value: string): string {
  if (!areBrokerAddresses(splitBrokerAddresses(value))) throw new InvalidArgumentError(`expected ${BROKER_ADDRESSES_EXPECTED}`);
  return value;
}

function guaranteeOption(value: string): Guarantee {
  if (value !== "exactly_once" && value !== "at_least_once") throw new InvalidArgumentError("expected exactly_once or at_least_once");
  return value;
}

function collectInput(value: string, previous: InputFile[]): InputFile[] {
  const at = value.indexOf("=");
  if (at <= 0 || at === value.length - 1) throw new InvalidArgumentError("expected TOPIC=PATH, for example --input text-lines=lines.jsonl");
  return [...previous, { topic: value.slice(0, at), path: value.slice(at + 1) }];
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError("expected a whole number of at least 1");
  return number;
}

function nonNegativeInteger(value: string): number {
  const number = Number(value);
  if (value.trim() === "" || !Number.isInteger(number) || number < 0) throw new InvalidArgumentError("expected a whole number of at least 0");
  return number;
}

function readSource(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === "ENOENT" ? `cannot read ${path}: no such file` : `cannot read ${path}: ${(error as Error).message}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function openLog(data: string): EmbeddedLog {
  mkdirSync(resolve(data), { recursive: true });
  return openEmbeddedLog(join(resolve(data), "weir.db"));
}

/** Parses JSONL records; a bad line is reported with its line number and nothing is produced. */
function parseRecordLines(text: string, origin: string): ProduceRecord[] {
  const records: ProduceRecord[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw new UsageError(`${origin}:${index + 1}: not valid JSON (${(error as Error).message})`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed) || !("value" in parsed)) {
      throw new UsageError(`${origin}:${index + 1}: expected an object such as {"key": "k", "value": ..., "timestamp": 1700000000000}`);
    }
    const record = parsed as { key?: unknown; value: unknown; timestamp?: unknown };
    if (record.timestamp !== undefined && (typeof record.timestamp !== "number" || !Number.isFinite(record.timestamp))) {
      throw new UsageError(`${origin}:${index + 1}: "timestamp" must be a number of epoch milliseconds`);
    }
    records.push({ key: record.key, value: record.value, ...(record.timestamp !== undefined ? { timestamp: record.timestamp as number } : {}) });
  });
  return records;
}

/**
 * Appends to the embedded log. A new topic gets `partitions` (default 1); an
 * existing one keeps its own, and asking for another count is an error.
 */
function produceRecords(log: EmbeddedLog, topic: string, records: readonly ProduceRecord[], partitions: number | undefined): number {
  const existing = log.topics().find((t) => t.name === topic);
  if (!existing || partitions !== undefined) log.createTopic(topic, partitions ?? 1);
  log.produce(topic, records);
  return records.length;
}

/** produce and consume work on one log: the embedded one (--data) or Kafka (--brokers). */
function dataOrBrokers(command: string, options: { data?: string; brokers?: string }): "embedded" | "kafka" {
  if (options.data !== undefined && options.brokers !== undefined) throw new UsageError(`${command} takes --data DIR or --brokers HOST:PORT, not both`);
  if (options.brokers !== undefined) return "kafka";
  if (options.data !== undefined) return "embedded";
  throw new UsageError(`${command} needs --data DIR (the embedded log) or --brokers HOST:PORT (Kafka)`);
}

function printFormatOption(value: string): PrintFormat {
  if (value !== "auto" && value !== "json" && value !== "string") throw new InvalidArgumentError("expected auto, json or string");
  return value;
}

function printRecords(log: EmbeddedLog, topic: string, io: Output): void {
  for (const record of log.consume(topic)) io.out(`${JSON.stringify(record)}\n`);
}

function printDiagnostics(found: readonly Diagnostic[], source: string, io: Output): void {
  if (found.length > 0) io.err(`${formatDiagnostics(found, source)}\n`);
}

function readVersion(): string {
  const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return packageJson.version;
}
