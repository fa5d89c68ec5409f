// `weir fmt`, run as a user runs it.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { weir, tempDir } from "../weir-cli.ts";

describe("weir fmt", () => {
  it("prints the canonical layout, checks, and rewrites", () => {
    const dir = tempDir();
    const file = join(dir, "messy.weir");
    writeFileSync(file, 'application  a\nstream s from topic "t" key string value string\nstream w = s|where length(value)>1 // long ones\nsink w to topic "u"\n');
    const canonical = 'application a\nstream s from topic "t" key string value string\nstream w = s | where length(value) > 1 // long ones\nsink w to topic "u"\n';
    const printed = weir(["fmt", file]);
    expect(printed.status).toBe(0);
    expect(printed.stdout).toBe(canonical);
    const checked = weir(["fmt", "--check", file]);
    expect(checked.status).toBe(1);
    expect(checked.stderr).toBe(`${file}: not formatted (weir fmt --write ${file})\n`);
    expect(weir(["fmt", "--write", file]).status).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(canonical);
    expect(weir(["fmt", "--check", file]).status).toBe(0);
  });

  it("formats nothing in a file that does not parse, and says why", () => {
    const dir = tempDir();
    const file = join(dir, "broken.weir");
    writeFileSync(file, "application a\nstream s from topic key string value string\n");
    const result = weir(["fmt", file]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`${file}:2:21: error WEIR1002: expected a string`);
  });
});
