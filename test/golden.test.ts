// Golden files: each folder under test/fixtures holds an input.weir and the
// expected output — expected.ts for a valid file, expected.diagnostics.txt for
// one with problems. Regenerate with UPDATE_SNAPSHOTS=1 and review the diff.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, formatDiagnostics } from "../src/index.ts";

const fixtures = join(import.meta.dirname, "fixtures");
const update = process.env.UPDATE_SNAPSHOTS === "1";

describe("golden files", () => {
  const cases = readdirSync(fixtures).filter((name) => existsSync(join(fixtures, name, "input.weir")));
  it("has cases", () => expect(cases.length).toBeGreaterThan(0));

  for (const name of cases) {
    it(name, () => {
      const dir = join(fixtures, name);
      const source = readFileSync(join(dir, "input.weir"), "utf8");
      const result = compile(source, {
        path: join(dir, "input.weir"),
        importSpecifier: (modulePath) => `./${relative(dir, modulePath).split(sep).join("/")}`,
      });
      const diagnostics = result.diagnostics.map((d) => ({ ...d, file: "input.weir" }));
      const outputs: Record<string, string | undefined> = {
        "expected.ts": result.code,
        "expected.diagnostics.txt": diagnostics.length > 0 ? `${formatDiagnostics(diagnostics, source)}\n` : undefined,
      };
      for (const [file, actual] of Object.entries(outputs)) {
        const path = join(dir, file);
        if (update) {
          if (actual === undefined) rmSync(path, { force: true });
          else writeFileSync(path, actual);
          continue;
        }
        const expected = existsSync(path) ? readFileSync(path, "utf8") : undefined;
        expect(actual, `${name}/${file} (UPDATE_SNAPSHOTS=1 regenerates it)`).toBe(expected);
      }
    });
  }
});
