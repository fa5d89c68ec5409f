// `weir check FILES...`: every problem with its line, column and code.
import { check } from "../index.ts";
import { ExitCode, printDiagnostics, readSource, type RegisterCommand } from "./shared.ts";

export const registerCheck: RegisterCommand = (program, context) => {
  program
    .command("check")
    .description("check .weir files; print every problem with its line, column and code")
    .argument("<files...>", ".weir files")
    .action((files: string[]) => {
      let failed = false;
      for (const file of files) {
        const source = readSource(file);
        const found = check(source, { path: file });
        printDiagnostics(found, source, context.io);
        if (found.some((d) => d.severity === "error")) failed = true;
      }
      context.exitCode = failed ? ExitCode.failed : ExitCode.ok;
    });
};
