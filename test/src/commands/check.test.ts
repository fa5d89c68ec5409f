// `weir check`, run as a user runs it.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { weir, tempDir } from "../weir-cli.ts";

describe("weir check", () => {
  it("exits 0 for a valid file and prints nothing", () => {
    const result = weir(["check", "examples/wordcount.weir"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("reports every problem with file:line:col, code, the line and a caret, and exits 1", () => {
    const dir = tempDir();
    const file = join(dir, "broken.weir");
    writeFileSync(
      file,
      ["application broken", "stream lines from topic \"l\" key string value string", "stream words = lnes | flatmap split(value, \" \")", "sink words to topic \"w\" key strin", "sink wrds to topic \"x\"", ""].join("\n"),
    );
    const result = weir(["check", file]);
    expect(result.status).toBe(1);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.stderr).toContain(`${file}:4:`);
    expect(result.stderr).toMatch(/error WEIR1002:/);
  });

  it("reports name errors with a hint", () => {
    const dir = tempDir();
    const file = join(dir, "names.weir");
    writeFileSync(file, ["application names", "stream lines from topic \"l\" key string value string", "stream words = lnes | flatmap split(value, \" \")", "sink words to topic \"w\"", ""].join("\n"));
    const result = weir(["check", file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      [
        `${file}:3:16: error WEIR2003: unknown stream or table 'lnes'`,
        "  stream words = lnes | flatmap split(value, \" \")",
        "                 ^^^^",
        "  hint: did you mean 'lines'?",
        "",
      ].join("\n"),
    );
  });

  it("says what is wrong when the file is missing", () => {
    const result = weir(["check", "no/such/file.weir"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("weir: cannot read no/such/file.weir: no such file\n");
  });
});
