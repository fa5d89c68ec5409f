// `weir fmt FILES...`: the canonical layout, printed, checked or written back.
import { writeFileSync } from "node:fs";
import { format } from "../index.ts";
import { ExitCode, printDiagnostics, readSource, type RegisterCommand } from "./shared.ts";

export const registerFmt: RegisterCommand = (program, context) => {
  const { io } = context;
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
          context.exitCode = ExitCode.failed;
        } else if (options.check) {
          if (result.text !== source) {
            io.err(`${file}: not formatted (weir fmt --write ${file})\n`);
            context.exitCode = ExitCode.failed;
          }
        } else if (options.write) {
          if (result.text !== source) writeFileSync(file, result.text);
        } else {
          io.out(result.text);
        }
      }
    });
};
