// `weir build FILE --out DIR`: a self-contained Node package (src/build.ts).
import { buildPackage } from "../build.ts";
import { ExitCode, printDiagnostics, readSource, type RegisterCommand } from "./shared.ts";

export const registerBuild: RegisterCommand = (program, context) => {
  program
    .command("build")
    .description("build a .weir file into a Node package in plain JavaScript (npm install && npm start; a Dockerfile)")
    .argument("<file>", ".weir file")
    .requiredOption("-o, --out <dir>", "folder to write the package to")
    .action(async (file: string, options: { out: string }) => {
      const source = readSource(file);
      const result = await buildPackage(file, source, options.out);
      printDiagnostics(result.diagnostics, source, context.io);
      if (!result.built) {
        context.exitCode = ExitCode.failed;
        return;
      }
      context.io.out(`wrote ${result.built.dir}: ${result.built.files.join(", ")}\n`);
    });
};
