// `weir lsp --stdio`: the language server, for editors (docs/editors.md).
import { UsageError, type RegisterCommand } from "./shared.ts";

export const registerLsp: RegisterCommand = (program) => {
  program
    .command("lsp")
    .description("run the language server for editors, over standard input and output (--stdio)")
    .option("--stdio", "talk the Language Server Protocol over stdin and stdout", false)
    .action(async (options: { stdio: boolean }) => {
      if (!options.stdio) throw new UsageError("weir lsp talks over standard input and output: run 'weir lsp --stdio' (an editor starts it)");
      // Loaded here: the other commands do not pay for the protocol's modules.
      const { serveWeirOverStdio } = await import("../lsp/server.ts");
      serveWeirOverStdio();
    });
};
