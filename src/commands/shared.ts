// What every `weir` command shares: where it writes, the exit codes, the one
// error a user can fix (UsageError), and reading a .weir file into a topology
// with its diagnostics printed.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { resetCommand, STORE_SHAPE_EXIT_CODE, StoreShapeError, storeShapeRefusal, type ResetTarget, type Topology } from "../../runtime/index.ts";
import { loadTopology } from "../compiled-module.ts";
import { formatDiagnostics, type Diagnostic } from "../index.ts";

/** The exit codes of `weir`. */
export const ExitCode = {
  ok: 0,
  /** Problems in a .weir file, or a failure while running. */
  failed: 1,
  /** A usage mistake: a bad flag, a missing file, a bad setting. */
  usage: 2,
  /** A run refused because a store's state was written in another shape (docs/state.md). */
  storeShape: STORE_SHAPE_EXIT_CODE,
  /** `weir diff`: the new topology needs some stores reset first (docs/state.md, "Upgrades"). */
  resetNeeded: 4,
  /** `weir diff`: no store reset is enough; the whole application must be reset. */
  incompatible: 5,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the user can fix: printed as one line, without a stack trace, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const processOutput: Output = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** What a command's action works with: where to write, and the exit code the program ends with (0 unless set). */
export interface CommandContext {
  readonly io: Output;
  exitCode: ExitCode;
}

/** Adds one command (`weir check`, ...) to the program. */
export type RegisterCommand = (program: Command, context: CommandContext) => void;

export function readSource(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === "ENOENT" ? `cannot read ${path}: no such file` : `cannot read ${path}: ${(error as Error).message}`);
  }
}

export function printDiagnostics(found: readonly Diagnostic[], source: string, io: Output): void {
  if (found.length > 0) io.err(`${formatDiagnostics(found, source)}\n`);
}

/** The topology of a .weir file, its diagnostics printed; undefined when it has errors. */
export async function topologyOf(file: string, io: Output): Promise<Topology | undefined> {
  const source = readSource(file);
  const loaded = await loadTopology(file, source);
  printDiagnostics(loaded.diagnostics, source, io);
  return loaded.topology;
}

/**
 * A run refused because a store's state was written in another shape: one
 * line that says what changed and the `weir reset` to run, with the user's own
 * file and arguments, and its own exit code (docs/state.md). Anything else is rethrown.
 */
export function refuseChangedShape(error: unknown, file: string, target: ResetTarget, io: Output): ExitCode {
  if (!(error instanceof StoreShapeError)) throw error;
  io.err(`weir: ${storeShapeRefusal(error.message, resetCommand(file, target))}\n`);
  return ExitCode.storeShape;
}

/** produce, consume and reset work on one log: the embedded one (--data) or Kafka (--brokers). */
export function dataOrBrokers(command: string, options: { data?: string; brokers?: readonly string[] | string }): "embedded" | "kafka" {
  if (options.data !== undefined && options.brokers !== undefined) throw new UsageError(`${command} takes --data DIR or --brokers HOST:PORT, not both`);
  if (options.brokers !== undefined) return "kafka";
  if (options.data !== undefined) return "embedded";
  throw new UsageError(`${command} needs --data DIR (the embedded log) or --brokers HOST:PORT (Kafka)`);
}
