// Running a compiled topology as a service: the generated module calls
// `runService(topology)` when it is the program Node started, so that
// `npx tsx wordcount.ts` runs it. Settings come from the environment, each
// parsed with its type from the settings table (settings.ts); the settings
// that depend on each other are checked here. A bad one is one line that says
// what to fix.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { z } from "zod";
import { runEmbedded, type EmbeddedRunOptions } from "./embedded.ts";
import type { KafkaRunOptions } from "./kafka.ts";
import type { RunSummary } from "./engine.ts";
import type { Topology } from "./topology/graph.ts";
import { StoreShapeError, WeirRuntimeError } from "./errors.ts";
import { resetCommand, STORE_SHAPE_EXIT_CODE, storeShapeRefusal } from "./store-shape.ts";
import { environmentSchema, optionsFromEnvironment, settingList } from "./settings.ts";
import { summaryLine, untilStopSignal } from "./internal/process-run.ts";

/** The settings a service reads from its environment: the variables of the settings table (runtime/settings.ts). */
export const ServiceSettings = environmentSchema();

export type ServiceSettings = z.output<typeof ServiceSettings>;

export class SettingsError extends Error {
  override readonly name = "SettingsError";
}

/** Reads the settings, or throws a SettingsError whose message is one line per bad setting. */
export function readServiceSettings(env: Readonly<Record<string, string | undefined>>): ServiceSettings {
  const result = ServiceSettings.safeParse(env);
  const lines = result.success ? [] : result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
  // Settings that depend on each other, checked on the raw environment so that
  // they are reported together with the others.
  const set = (name: string) => env[name] !== undefined && env[name] !== "";
  if (!set("WEIR_BROKERS") && !set("WEIR_DATA_DIR")) lines.push("WEIR_DATA_DIR is required: the data folder of the embedded engine (or set WEIR_BROKERS to run on Kafka)");
  if (set("WEIR_SASL_MECHANISM")) {
    for (const name of ["WEIR_SASL_USERNAME", "WEIR_SASL_PASSWORD"]) if (!set(name)) lines.push(`${name} is required with WEIR_SASL_MECHANISM`);
  } else if (set("WEIR_SASL_USERNAME") || set("WEIR_SASL_PASSWORD")) {
    lines.push("WEIR_SASL_MECHANISM is required with WEIR_SASL_USERNAME and WEIR_SASL_PASSWORD: plain, scram-sha-256 or scram-sha-512");
  }
  if (result.success && result.data.WEIR_HEARTBEAT_INTERVAL_MS >= result.data.WEIR_SESSION_TIMEOUT_MS) {
    lines.push(
      `WEIR_HEARTBEAT_INTERVAL_MS (${result.data.WEIR_HEARTBEAT_INTERVAL_MS}) must be shorter than WEIR_SESSION_TIMEOUT_MS (${result.data.WEIR_SESSION_TIMEOUT_MS}); a third of it is usual`,
    );
  }
  if (!set("WEIR_BROKERS")) {
    for (const { env } of settingList.filter((setting) => setting.withoutBrokers === "refused")) {
      if (env !== undefined && set(env)) lines.push(`${env} is a Kafka setting: set WEIR_BROKERS too`);
    }
  }
  if (result.success && lines.length === 0) return result.data;
  throw new SettingsError(lines.join("\n"));
}

/** Whether the module at `moduleUrl` is the program Node was started with. */
export function isMainModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(fileURLToPath(moduleUrl)) === realpathSync(entry);
  } catch {
    return false;
  }
}

export interface ServiceOptions {
  /** The .weir file the topology was compiled from, as the generated module names it: for the `weir reset` a refused start suggests. */
  readonly source?: string;
}

/**
 * Runs the topology on Kafka when WEIR_BROKERS is set, else on the embedded
 * engine in WEIR_DATA_DIR, with the environment's settings,
 * committing and stopping cleanly on SIGINT or SIGTERM. A start refused
 * because a store's state was written in another shape (docs/state.md) is
 * one line and exit code 3.
 */
export async function runService(
  topology: Topology,
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: ServiceOptions = {},
): Promise<RunSummary | undefined> {
  let settings: ServiceSettings;
  try {
    settings = readServiceSettings(env);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    process.stderr.write(`${topology.application}: bad setting: ${error.message.split("\n").join(`\n${topology.application}: bad setting: `)}\n`);
    process.exitCode = 2;
    return undefined;
  }
  try {
    // Each line names the application it runs as (on Kafka, WEIR_APPLICATION_ID when set), as the summary does.
    const application = (settings.WEIR_BROKERS ? settings.WEIR_APPLICATION_ID : undefined) ?? topology.application;
    const logger = (message: string) => process.stderr.write(`${application}: ${message}\n`);
    const summary = await untilStopSignal(async (signal) =>
      settings.WEIR_BROKERS
        ? // The Kafka engine (and kafkajs) is loaded only when used.
          (await import("./kafka.ts")).runKafka(topology, { ...(optionsFromEnvironment(settings, "kafka") as KafkaRunOptions), signal, logger })
        : runEmbedded(topology, { ...(optionsFromEnvironment(settings, "embedded") as EmbeddedRunOptions), signal, logger }),
    );
    process.stderr.write(`${summaryLine(summary, { application: true, stoppedBy: true, deadLetters: false })}\n`);
    return summary;
  } catch (error) {
    const name = settings.WEIR_APPLICATION_ID ?? topology.application;
    if (error instanceof StoreShapeError) {
      const file = options.source ?? `${topology.application}.weir`;
      const target = settings.WEIR_BROKERS
        ? { brokers: settings.WEIR_BROKERS.join(","), applicationId: settings.WEIR_APPLICATION_ID }
        : { data: settings.WEIR_DATA_DIR! };
      process.stderr.write(`${name}: ${storeShapeRefusal(error.message, resetCommand(file, target))}\n`);
      process.exitCode = STORE_SHAPE_EXIT_CODE;
      return undefined;
    }
    // As the CLI does: one line (a missing source topic, Kafka gone for longer
    // than WEIR_BROKER_OUTAGE_MS, ...), the stack only when asked for.
    process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    if (!(error instanceof WeirRuntimeError)) {
      process.stderr.write(process.env.WEIR_DEBUG ? `${error instanceof Error ? error.stack : ""}\n` : `${name}: (set WEIR_DEBUG=1 to see where it happened)\n`);
    }
    process.exitCode = 1;
    return undefined;
  }
}
