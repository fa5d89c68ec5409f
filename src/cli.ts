// The `weir` command line: a thin layer over the compiler API (src/index.ts)
// and the runtime's public API. Each command is a file of src/commands/; here
// is the program that holds them, and what every failure becomes: a message
// and an exit code, never a stack trace.
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { WeirRuntimeError } from "../runtime/index.ts";
import { registerBuild } from "./commands/build.ts";
import { registerCheck } from "./commands/check.ts";
import { registerCompile } from "./commands/compile.ts";
import { registerConsume } from "./commands/consume.ts";
import { registerDescribe } from "./commands/describe.ts";
import { registerDiff } from "./commands/diff.ts";
import { registerFmt } from "./commands/fmt.ts";
import { registerGraph } from "./commands/graph.ts";
import { registerLsp } from "./commands/lsp.ts";
import { registerProduce } from "./commands/produce.ts";
import { registerReset } from "./commands/reset.ts";
import { registerRun } from "./commands/run.ts";
import { ExitCode, processOutput, UsageError, type CommandContext, type Output, type RegisterCommand } from "./commands/shared.ts";

export { UsageError } from "./commands/shared.ts";

/** The commands, in the order `weir --help` lists them. */
const commands: readonly RegisterCommand[] = [registerCheck, registerFmt, registerCompile, registerBuild, registerDescribe, registerGraph, registerProduce, registerConsume, registerRun, registerDiff, registerReset, registerLsp];

export async function main(argv: readonly string[], io: Output = processOutput): Promise<number> {
  const context: CommandContext = { io, exitCode: ExitCode.ok };
  const program = new Command()
    .name("weir")
    .description("Declarative stream topologies: check, compile and run .weir files with exactly-once state.")
    .version(readVersion(), "-V, --version")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError("(run 'weir --help' for the commands)");
  for (const register of commands) register(program, context);

  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    return exitCodeFor(error, io);
  }
  return context.exitCode;
}

/** A command that threw: said in one line (commander has said its own), and the exit code that goes with it. */
function exitCodeFor(error: unknown, io: Output): ExitCode {
  if (error instanceof CommanderError) {
    // Help and version exit 0; usage mistakes were already printed by commander.
    return error.exitCode === 0 || error.code === "commander.helpDisplayed" || error.code === "commander.version" ? ExitCode.ok : ExitCode.usage;
  }
  if (error instanceof UsageError || error instanceof WeirRuntimeError) {
    io.err(`weir: ${error.message}\n`);
    return error instanceof UsageError ? ExitCode.usage : ExitCode.failed;
  }
  // Anything else is a failure weir did not foresee (a file system or database
  // error, or a bug): one line, and the stack trace only when asked for.
  const message = error instanceof Error ? error.message : String(error);
  io.err(`weir: ${message}\n`);
  if (process.env.WEIR_DEBUG) io.err(`${error instanceof Error ? error.stack : ""}\n`);
  else io.err("weir: (set WEIR_DEBUG=1 to see where it happened)\n");
  return ExitCode.failed;
}

function readVersion(): string {
  const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return packageJson.version;
}
