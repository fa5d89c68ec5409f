// The `weir` program: its commands, and what a failure it did not foresee becomes.
// Real child processes over real files (the commands' own tests are in commands/).
import { describe, expect, it } from "vitest";
import { weir } from "./weir-cli.ts";

describe("weir --help", () => {
  it("lists the commands", () => {
    const result = weir(["--help"]);
    expect(result.status).toBe(0);
    for (const command of ["check", "compile", "describe", "graph", "produce", "consume", "run", "lsp"]) {
      expect(result.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
    }
  });
});

describe("weir", () => {
  it("answers an unexpected failure with one line, not a stack trace", () => {
    const result = weir(["consume", "t", "--data", "/etc/passwd"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^weir: .*\nweir: \(set WEIR_DEBUG=1 to see where it happened\)\n$/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
