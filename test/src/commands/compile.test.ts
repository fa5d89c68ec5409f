// `weir compile`, run as a user runs it: the module it writes passes tsc in strict mode.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root, weir, tempDir } from "../weir-cli.ts";

describe("weir compile", () => {
  for (const fixture of ["shop", "windows", "tables", "dedup-branch-merge", "stream-joins", "types"]) {
    it(`writes a module that passes tsc --noEmit in strict mode, outside the weir folder too (${fixture})`, () => {
      const out = tempDir();
      const result = weir(["compile", `test/fixtures/${fixture}/input.weir`, "--out", out]);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      expect(existsSync(join(out, "input.ts"))).toBe(true);
      expect(JSON.parse(readFileSync(join(out, "tsconfig.json"), "utf8")).compilerOptions.strict).toBe(true);
      const tsc = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", out], { encoding: "utf8", timeout: 120_000 });
      expect(tsc.stdout + tsc.stderr).toBe("");
      expect(tsc.status).toBe(0);
    }, 120_000); // a weir compile and a tsc each, as child processes: slow on a loaded machine
  }
});
