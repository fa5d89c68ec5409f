// `weir compile FILE --out DIR`: the TypeScript module (with its tsconfig.json) in a folder.
import { writeCompiledProject } from "../compiled-module.ts";
import { ExitCode, printDiagnostics, readSource, type RegisterCommand } from "./shared.ts";

export const registerCompile: RegisterCommand = (program, context) => {
  program
    .command("compile")
    .description("compile a .weir file to a TypeScript module (with a tsconfig.json) in a folder")
    .argument("<file>", ".weir file")
    .requiredOption("-o, --out <dir>", "folder to write the module to")
    .action((file: string, options: { out: string }) => {
      const source = readSource(file);
      const result = writeCompiledProject(file, source, options.out);
      printDiagnostics(result.diagnostics, source, context.io);
      if (!result.written) {
        context.exitCode = ExitCode.failed;
        return;
      }
      context.io.out(`wrote ${result.written.modulePath}\n`);
    });
};
