// `weir graph`, run as a user runs it.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseXml } from "../../helpers/xml.ts";
import { root, tempDir, weir } from "../weir-cli.ts";

const golden = (file: string) => readFileSync(join(root, "test", "fixtures", "wordcount", file), "utf8");

describe("weir graph", () => {
  it("prints the graph as Mermaid by default, and as DOT or JSON when asked", () => {
    const mermaid = weir(["graph", "test/fixtures/wordcount/input.weir"]);
    expect(mermaid.stderr).toBe("");
    expect(mermaid.status).toBe(0);
    expect(mermaid.stdout).toBe(golden("expected.graph.mmd"));
    expect(weir(["graph", "test/fixtures/wordcount/input.weir", "--format", "dot"]).stdout).toBe(golden("expected.graph.dot"));
    expect(weir(["graph", "test/fixtures/wordcount/input.weir", "--format", "json"]).stdout).toBe(golden("expected.graph.json"));
  });

  it("draws SVG with Graphviz", () => {
    const result = weir(["graph", "examples/wordcount.weir", "--format", "svg"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(parseXml(result.stdout).name).toBe("svg");
    expect(result.stdout).toContain("<title>node:counts&#45;2&#45;count</title>");
  });

  it("prints a malformed file's diagnostics and exits 1, as describe does", () => {
    const dir = tempDir();
    const file = join(dir, "broken.weir");
    writeFileSync(file, ["application broken", 'stream lines from topic "l" key string value strin', ""].join("\n"));
    const result = weir(["graph", file, "--format", "svg"]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`${file}:2:46: error WEIR1002:`);
    expect(result.stderr).toContain("hint: did you mean 'string'?");
    expect(result.stderr).toBe(weir(["describe", file]).stderr);
  });

  it("answers an unknown format with the one it resembles, and exits 2", () => {
    const result = weir(["graph", "examples/wordcount.weir", "--format", "svgg"]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.split("\n")[0]).toBe("error: option '--format <format>' argument 'svgg' is invalid. did you mean 'svg'? (expected mermaid, dot, svg or json)");
    expect(weir(["graph", "examples/wordcount.weir", "--format", "png"]).stderr.split("\n")[0]).toBe(
      "error: option '--format <format>' argument 'png' is invalid. (expected mermaid, dot, svg or json)",
    );
  });

  it("says so in one line when the file is missing, and exits 2", () => {
    const result = weir(["graph", "examples/missing.weir"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("weir: cannot read examples/missing.weir: no such file\n");
  });
});
