// `weir produce`, run as a user runs it (with `weir run` and `weir consume`: run.test.ts).
import { describe, expect, it } from "vitest";
import { weir, tempDir } from "../weir-cli.ts";

describe("weir produce", () => {
  it("reports a bad input line with its line number and produces nothing", () => {
    const data = tempDir();
    const result = weir(["produce", "t", "--data", data], '{"value": "ok"}\n{"value": oops}\n');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^weir: standard input:2: not valid JSON/);
    const consumed = weir(["consume", "t", "--data", data]);
    expect(consumed.stdout).toBe("");
  });
});
