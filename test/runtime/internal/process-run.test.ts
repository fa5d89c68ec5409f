// A run as the main work of a program, started the way users start it:
// `npx weir run --follow`, whose process npm starts through a shell. SIGTERM to
// npx's pid must reach the run: npm passes it to the shell, which dies of it
// without passing it on; the run sees its launcher gone and stops as on SIGTERM.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jsonLines, root, tempDir, weir } from "../../src/weir-cli.ts";

const fixture = join("test", "src", "fixtures", "build");

describe("untilStopSignal", () => {
  it("under npx, SIGTERM to npx's pid commits the work done and ends the process that does it", async () => {
    const data = tempDir();
    expect(weir(["produce", "orders", "--data", data], '{"key":"o1","value":{"id":"o1","amount":250,"tier":"gold"}}\n').status).toBe(0);
    const npx = spawn("npx", ["--yes", "weir", "run", join(fixture, "orders.weir"), "--data", data, "--follow"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    npx.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    // Every output closed: npx, the shell and the node it started (which holds the same pipes) are gone.
    const closed = new Promise<void>((resolve) => npx.on("close", () => resolve()));
    try {
      let written = 0;
      for (let i = 0; i < 120 && written === 0; i++) {
        await new Promise((r) => setTimeout(r, 500));
        written = jsonLines(weir(["consume", "scored", "--data", data]).stdout).length;
      }
      expect(written).toBe(1);
      npx.kill("SIGTERM");
      await closed;
    } finally {
      if (npx.exitCode === null) npx.kill("SIGKILL");
    }
    // The summary is written only when the run stopped as asked, after its last commit.
    expect(stderr).toMatch(/^processed 1 records in \d+ commits$/m);
  }, 120_000);
});
