// The repository's own .weir files are in `weir fmt`'s layout, checked as a
// user (or CI) checks theirs: `weir fmt --check`, a real child process.
// Files meant to have errors (test/fixtures/<case> with an
// expected.diagnostics.txt) keep the layout their diagnostics point into.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

function weirFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".weir"))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/** The examples, the well-formed golden inputs (they compile to expected.ts) and the other test inputs that compile. */
function wellFormedFiles(): string[] {
  const golden = readdirSync(join(root, "test", "fixtures"))
    .filter((name) => existsSync(join(root, "test", "fixtures", name, "expected.ts")))
    .map((name) => join("test", "fixtures", name, "input.weir"));
  return [...weirFiles("examples"), ...golden, ...weirFiles(join("test", "src", "fixtures"))];
}

describe("the repository's .weir files", () => {
  it("are formatted: weir fmt --check passes on each", () => {
    const files = wellFormedFiles();
    expect(files).toContain("examples/wordcount.weir");
    expect(files).toContain("test/fixtures/shop/input.weir");
    const result = spawnSync(process.execPath, [join(root, "bin", "weir.js"), "fmt", "--check", ...files], { cwd: root, encoding: "utf8", timeout: 60_000 });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});
