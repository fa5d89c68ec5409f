// Running a compiled topology as a service: the generated module calls
// `runService(topology)` when it is the program Node started, so that
// `npx tsx wordcount.ts` runs it. Settings come from the environment and are
// validated here; a bad one is one line that says what to fix.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { runEmbedded } from "./embedded.ts";
import type { RunSummary } from "./engine.ts";
import type { Topology } from "./topology.ts";

const booleanSetting = z.enum(["true", "false"], { message: "must be true or false" }).transform((value) => value === "true");

const positiveInteger = z.coerce
  .number({ message: "must be a number" })
  .int({ message: "must be a whole number" })
  .positive({ message: "must be at least 1" });

/** The settings a service reads from its environment. */
export const ServiceSettings = z.object({
  /** Data folder of the embedded engine. */
  WEIR_DATA_DIR: z.string({ message: "is required: the data folder of the embedded engine" }).min(1, { message: "must not be empty" }),
  /** Keep running and process new records as they arrive (default), or stop once drained. */
  WEIR_FOLLOW: booleanSetting.default(true),
  WEIR_COMMIT_INTERVAL_MS: positiveInteger.default(100),
});

export type ServiceSettings = z.output<typeof ServiceSettings>;

export class SettingsError extends Error {
  override readonly name = "SettingsError";
}

/** Reads the settings, or throws a SettingsError whose message is one line per bad setting. */
export function readServiceSettings(env: Readonly<Record<string, string | undefined>>): ServiceSettings {
  const result = ServiceSettings.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
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

/**
 * Runs the topology on the embedded engine with the environment's settings,
 * committing and stopping cleanly on SIGINT or SIGTERM.
 */
export async function runService(topology: Topology, env: Readonly<Record<string, string | undefined>> = process.env): Promise<RunSummary | undefined> {
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
    const summary = await runEmbedded(topology, {
      data: settings.WEIR_DATA_DIR,
      follow: settings.WEIR_FOLLOW,
      commitIntervalMs: settings.WEIR_COMMIT_INTERVAL_MS,
      signal: controller.signal,
      logger: (message) => process.stderr.write(`${topology.application}: ${message}\n`),
    });
    process.stderr.write(`${topology.application}: processed ${summary.recordsProcessed} records in ${summary.commits} commits (${summary.stoppedBy})\n`);
    return summary;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}
