// Running a compiled topology as a service: the generated module calls
// `runService(topology)` when it is the program Node started, so that
// `npx tsx wordcount.ts` runs it. Settings come from the environment and are
// validated here; a bad one is one line that says what to fix.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { runEmbedded } from "./embedded.ts";
import type { KafkaSettings } from "./kafka.ts";
import type { RunSummary } from "./engine.ts";
import type { Topology } from "./topology/graph.ts";
import { StoreShapeError, WeirRuntimeError } from "./errors.ts";
import { resetCommand, STORE_SHAPE_EXIT_CODE, storeShapeRefusal } from "./store-shape.ts";
import { areBrokerAddresses, BROKER_ADDRESSES_EXPECTED, splitBrokerAddresses } from "./internal/broker-addresses.ts";

const booleanSetting = z.enum(["true", "false"], { message: "must be true or false" }).transform((value) => value === "true");

const positiveInteger = z.coerce
  .number({ message: "must be a number" })
  .int({ message: "must be a whole number" })
  .positive({ message: "must be at least 1" });

const nonNegativeInteger = z.coerce
  .number({ message: "must be a number" })
  .int({ message: "must be a whole number" })
  .nonnegative({ message: "must be at least 0" });

/** `host:port`, several separated by commas. */
const brokersSetting = z
  .string()
  .transform((value) => splitBrokerAddresses(value))
  .refine((brokers) => areBrokerAddresses(brokers), { message: `must be ${BROKER_ADDRESSES_EXPECTED}` });

/** The settings a service reads from its environment. */
export const ServiceSettings = z.object({
  /** Data folder of the embedded engine (used when WEIR_BROKERS is not set). */
  WEIR_DATA_DIR: z.string().min(1, { message: "must not be empty" }).optional(),
  /** Keep running and process new records as they arrive (default), or stop once drained. */
  WEIR_FOLLOW: booleanSetting.default(true),
  WEIR_COMMIT_INTERVAL_MS: positiveInteger.default(100),
  /** Set: run on Kafka (bootstrap brokers). */
  WEIR_BROKERS: brokersSetting.optional(),
  /** Kafka: run under this application id (consumer group, transactional ids, internal topic names) instead of the topology's. */
  WEIR_APPLICATION_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, { message: "may contain only letters, digits, '.', '_' and '-'" })
    .optional(),
  WEIR_CLIENT_ID: z.string().min(1, { message: "must not be empty" }).optional(),
  WEIR_GUARANTEE: z.enum(["exactly_once", "at_least_once"], { message: "must be exactly_once or at_least_once" }).default("exactly_once"),
  WEIR_TLS: booleanSetting.default(false),
  WEIR_SASL_MECHANISM: z.enum(["plain", "scram-sha-256", "scram-sha-512"], { message: "must be plain, scram-sha-256 or scram-sha-512" }).optional(),
  WEIR_SASL_USERNAME: z.string().min(1, { message: "must not be empty" }).optional(),
  WEIR_SASL_PASSWORD: z.string().min(1, { message: "must not be empty" }).optional(),
  /** Replication factor of the topics weir creates (internal, sinks, dead letters); default: the broker's. */
  WEIR_REPLICATION_FACTOR: positiveInteger.optional(),
  WEIR_TRANSACTION_TIMEOUT_MS: positiveInteger.default(60_000),
  /** Kafka consumer group: an instance not heard from for this long is dropped and its tasks move (docs/kafka.md, "Scaling out"). */
  WEIR_SESSION_TIMEOUT_MS: positiveInteger.default(10_000),
  WEIR_HEARTBEAT_INTERVAL_MS: positiveInteger.default(3_000),
  /** Kafka consumer group: how long a rebalance waits for every instance to commit and rejoin. */
  WEIR_REBALANCE_TIMEOUT_MS: positiveInteger.default(60_000),
  /** Kafka: how long a task with several inputs waits for an empty one at its end before going ahead without it (docs/kafka.md). */
  WEIR_MAX_TASK_IDLE_MS: nonNegativeInteger.default(500),
  /** Kafka: how long Kafka may be unreachable before the service gives up; shorter outages are ridden out (docs/kafka.md, "Broker outages"). */
  WEIR_BROKER_OUTAGE_MS: nonNegativeInteger.default(300_000),
});

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
    for (const name of ["WEIR_APPLICATION_ID", "WEIR_SASL_MECHANISM", "WEIR_REPLICATION_FACTOR", "WEIR_SESSION_TIMEOUT_MS", "WEIR_HEARTBEAT_INTERVAL_MS", "WEIR_REBALANCE_TIMEOUT_MS", "WEIR_MAX_TASK_IDLE_MS", "WEIR_BROKER_OUTAGE_MS"]) {
      if (set(name)) lines.push(`${name} is a Kafka setting: set WEIR_BROKERS too`);
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

function kafkaSettings(settings: ServiceSettings): KafkaSettings {
  return {
    brokers: settings.WEIR_BROKERS!,
    guarantee: settings.WEIR_GUARANTEE,
    transactionTimeoutMs: settings.WEIR_TRANSACTION_TIMEOUT_MS,
    sessionTimeoutMs: settings.WEIR_SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: settings.WEIR_HEARTBEAT_INTERVAL_MS,
    rebalanceTimeoutMs: settings.WEIR_REBALANCE_TIMEOUT_MS,
    maxTaskIdleMs: settings.WEIR_MAX_TASK_IDLE_MS,
    brokerOutageMs: settings.WEIR_BROKER_OUTAGE_MS,
    ...(settings.WEIR_APPLICATION_ID !== undefined ? { applicationId: settings.WEIR_APPLICATION_ID } : {}),
    ...(settings.WEIR_CLIENT_ID !== undefined ? { clientId: settings.WEIR_CLIENT_ID } : {}),
    ...(settings.WEIR_TLS ? { ssl: true } : {}),
    ...(settings.WEIR_SASL_MECHANISM !== undefined
      ? { sasl: { mechanism: settings.WEIR_SASL_MECHANISM, username: settings.WEIR_SASL_USERNAME!, password: settings.WEIR_SASL_PASSWORD! } }
      : {}),
    ...(settings.WEIR_REPLICATION_FACTOR !== undefined ? { replicationFactor: settings.WEIR_REPLICATION_FACTOR } : {}),
  };
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
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    // Each line names the application it runs as (on Kafka, WEIR_APPLICATION_ID when set), as the summary does.
    const application = (settings.WEIR_BROKERS ? settings.WEIR_APPLICATION_ID : undefined) ?? topology.application;
    const common = {
      follow: settings.WEIR_FOLLOW,
      commitIntervalMs: settings.WEIR_COMMIT_INTERVAL_MS,
      signal: controller.signal,
      logger: (message: string) => process.stderr.write(`${application}: ${message}\n`),
    };
    // The Kafka engine (and kafkajs) is loaded only when used.
    const summary = settings.WEIR_BROKERS
      ? await (await import("./kafka.ts")).runKafka(topology, { ...common, ...kafkaSettings(settings) })
      : await runEmbedded(topology, { ...common, data: settings.WEIR_DATA_DIR! });
    process.stderr.write(`${summary.application}: processed ${summary.recordsProcessed} records in ${summary.commits} commits (${summary.stoppedBy})\n`);
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
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}
