// `weir run FILE`: on the embedded engine (--data DIR, or --input alone on a
// temporary data folder) or on Kafka (--brokers), until drained; with
// --follow until SIGINT or SIGTERM, which commit the work done and stop. The
// flags of its settings are built from the settings table (runtime/settings.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError, type Option } from "commander";
import { runEmbedded, type KafkaRunOptions, type RunSummary, type Topology } from "../../runtime/index.ts";
import { summaryLine, untilStopSignal } from "../../runtime/internal/process-run.ts";
import { optionsFor, settingList, type NamedSetting } from "../../runtime/settings.ts";
import { unreadInputProblem } from "../../runtime/testing.ts";
import { settingOption } from "./options.ts";
import { openLog, parseRecordLines, printRecords, produceRecords } from "./records.ts";
import { ExitCode, readSource, refuseChangedShape, topologyOf, UsageError, type Output, type RegisterCommand } from "./shared.ts";

interface InputFile {
  readonly topic: string;
  readonly path: string;
}

/** The flags `weir run` reads by name; the others are read through the settings table. */
interface RunFlags {
  readonly data?: string;
  readonly input: InputFile[];
  readonly brokers?: string[];
  readonly applicationId?: string;
}

/** A setting's value as given on the command line (or its default), undefined when it has no flag. */
type FlagValue = (setting: NamedSetting) => unknown;

/** The settings with a `weir run` flag, in the table's order. */
const flagged = settingList.filter((setting) => setting.flag !== undefined);

/** `weir run` flags that only mean something on Kafka, refused without --brokers. */
const kafkaOnly = flagged.filter((setting) => setting.withoutBrokers === "refused");

export const registerRun: RegisterCommand = (program, context) => {
  const command = program
    .command("run")
    .description("run a topology on the embedded engine, or on Kafka with --brokers, until its inputs are drained (--follow: keep running)")
    .argument("<file>", ".weir file");
  const options = new Map<NamedSetting, Option>(flagged.map((setting) => [setting, settingOption(setting)]));
  for (const [setting, option] of options) {
    command.addOption(option);
    // --input is no setting: it comes right after --data, the folder it fills.
    if (setting.key === "data") command.option("-i, --input <topic=path...>", "produce a JSONL file to a topic a source reads first, then print the output topics", collectInput, []);
  }
  command.action(async (file: string, flags: RunFlags & Record<string, unknown>) => {
    const given: FlagValue = (setting) => {
      const option = options.get(setting);
      return option === undefined ? undefined : flags[option.attributeName()];
    };
    context.exitCode = flags.brokers !== undefined ? await runOnKafka(file, flags, given, context.io) : await runOnEmbedded(file, flags, given, context.io);
  });
};

async function runOnEmbedded(file: string, flags: RunFlags, given: FlagValue, io: Output): Promise<ExitCode> {
  for (const setting of kafkaOnly) {
    if (given(setting) !== undefined) throw new UsageError(`${longFlag(setting)} is for Kafka: add --brokers HOST:PORT`);
  }
  if (!flags.data && flags.input.length === 0) throw new UsageError("run needs --data DIR, or --input TOPIC=PATH to run on a temporary data folder, or --brokers HOST:PORT to run on Kafka");
  const topology = await topologyOf(file, io);
  if (!topology) return ExitCode.failed;
  checkInputs(topology, flags.input, flags.data === undefined);
  const temporary = flags.data ? undefined : mkdtempSync(join(tmpdir(), "weir-run-"));
  const data = flags.data ?? temporary!;
  try {
    if (flags.input.length > 0) {
      const log = openLog(data);
      try {
        for (const input of flags.input) produceRecords(log, input.topic, parseRecordLines(readSource(input.path), input.path), undefined);
      } finally {
        log.close();
      }
    }
    let summary: RunSummary;
    try {
      summary = await untilStopSignal((signal) => runEmbedded(topology, { ...optionsFor("embedded", given), data, signal }));
    } catch (error) {
      return refuseChangedShape(error, file, { data }, io);
    }
    io.err(`${summaryLine(summary, { application: false, stoppedBy: false, deadLetters: true })}\n`);
    if (flags.input.length > 0) {
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
    return ExitCode.ok;
  } finally {
    if (temporary) rmSync(temporary, { recursive: true, force: true });
  }
}

/** On Kafka: until drained, or with --follow until SIGINT/SIGTERM, which commit and stop. */
async function runOnKafka(file: string, flags: RunFlags, given: FlagValue, io: Output): Promise<ExitCode> {
  if (flags.data !== undefined || flags.input.length > 0) throw new UsageError("--data and --input are for the embedded engine, not with --brokers");
  const topology = await topologyOf(file, io);
  if (!topology) return ExitCode.failed;
  // The engine's lines say what happened; each is told apart by the application it runs as.
  const application = flags.applicationId ?? topology.application;
  let summary: RunSummary;
  try {
    summary = await untilStopSignal(async (signal) => {
      // Loaded only here: kafkajs adds to every start of the CLI otherwise.
      const { runKafka } = await import("../../runtime/kafka.ts");
      return runKafka(topology, {
        ...(optionsFor("kafka", given) as KafkaRunOptions),
        signal,
        logger: (message) => io.err(`${application}: ${message}\n`),
      });
    });
  } catch (error) {
    return refuseChangedShape(error, file, { brokers: flags.brokers!.join(","), applicationId: flags.applicationId }, io);
  }
  io.err(`${summaryLine(summary, { application: true, stoppedBy: true, deadLetters: true })}\n`);
  return ExitCode.ok;
}

/** A setting's long flag, as the user typed it: `--session-timeout`. */
function longFlag(setting: NamedSetting): string {
  return /--[a-z-]+/.exec(setting.flag!.spec)![0];
}

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

function collectInput(value: string, previous: InputFile[]): InputFile[] {
  const at = value.indexOf("=");
  if (at <= 0 || at === value.length - 1) throw new InvalidArgumentError("expected TOPIC=PATH, for example --input text-lines=lines.jsonl");
  return [...previous, { topic: value.slice(0, at), path: value.slice(at + 1) }];
}
