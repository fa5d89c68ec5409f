// `weir diff`, run as a user runs it: exit codes, JSON, and the mistakes it refuses.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root, tempDir, weir } from "../weir-cli.ts";

const wordcount = readFileSync(join(root, "examples", "wordcount.weir"), "utf8");

describe("weir diff", () => {
  it("exits 0 for a file against itself, 4 when stores need a reset, 5 when the application does", () => {
    const dir = tempDir();
    const file = (name: string, source: string) => {
      writeFileSync(join(dir, name), source);
      return join(dir, name);
    };
    const same = weir(["diff", "examples/wordcount.weir", "examples/wordcount.weir"]);
    expect(same.stdout).toContain("wordcount: compatible: examples/wordcount.weir starts on the state as it is\n");
    expect(same.status).toBe(0);

    expect(wordcount).toContain("| count");
    const reset = weir(["diff", "examples/wordcount.weir", file("sum.weir", wordcount.replace("| count", "| sum 1"))]);
    expect(reset.stdout).toMatch(/counts +changed +reset needed +refused \(exit 3\)\n {6}changed value: count → sum 1\n/);
    expect(reset.status).toBe(4);
    const json = JSON.parse(weir(["diff", "examples/wordcount.weir", join(dir, "sum.weir"), "--json"]).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ application: "wordcount", verdict: "reset", resetStores: ["counts"], reprocessed: [{ topic: "wordcount-counts-repartition", internal: true, from: "beginning" }] });
  });

  it("refuses two different applications, and a file with errors", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "other.weir"), wordcount.replace("application wordcount", "application other"));
    expect(weir(["diff", "examples/wordcount.weir", join(dir, "other.weir")])).toMatchObject({
      status: 2,
      stderr: `weir: examples/wordcount.weir is application 'wordcount' and ${join(dir, "other.weir")} is 'other': they share no state to compare\n`,
    });
    writeFileSync(join(dir, "broken.weir"), wordcount.replace("| count", "| cnt"));
    const broken = weir(["diff", "examples/wordcount.weir", join(dir, "broken.weir")]);
    expect(broken.stdout).toBe("");
    expect(broken.stderr).toContain("error WEIR");
    expect(broken.status).toBe(1);
    expect(weir(["diff", "examples/wordcount.weir", join(dir, "missing.weir")])).toMatchObject({ status: 2, stderr: `weir: cannot read ${join(dir, "missing.weir")}: no such file\n` });
  });
});
