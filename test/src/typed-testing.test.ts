// Typed records, as a user gets them: `weir compile` writes the module (with
// its TopologyTypes) into a project of the user's, whose tests tsc checks in
// strict mode and vitest runs, both real child processes. The test of
// docs/testing.md's "Typed records" is the block printed there.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

function run(command: string, args: string[], cwd: string): { status: number | null; stdout: string; output: string } {
  const result = spawnSync(process.execPath, [command, ...args], { cwd, encoding: "utf8", timeout: 180_000 });
  return { status: result.status, stdout: result.stdout, output: `${result.stdout}${result.stderr}` };
}

/** A user's project: the examples compiled into generated/, weir and vitest installed (linked), a strict tsconfig. */
function userProject(tests: Record<string, string>): string {
  const project = mkdtempSync(join(tmpdir(), "weir-typed-"));
  for (const example of ["wordcount", "revenue"]) {
    const compiled = run(join(root, "bin", "weir.js"), ["compile", join(root, "examples", `${example}.weir`), "--out", join(project, "generated")], root);
    expect(compiled.output).toContain(`wrote ${join(project, "generated", `${example}.ts`)}`);
  }
  mkdirSync(join(project, "node_modules"));
  symlinkSync(root, join(project, "node_modules", "weir"), "dir");
  symlinkSync(join(root, "node_modules", "vitest"), join(project, "node_modules", "vitest"), "dir");
  const tsconfig = {
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      allowImportingTsExtensions: true,
      noEmit: true,
      strict: true,
      skipLibCheck: true,
      types: ["node"],
      typeRoots: [join(root, "node_modules", "@types")],
    },
    include: ["*.ts", "generated/*.ts"],
  };
  writeFileSync(join(project, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  writeFileSync(join(project, "package.json"), JSON.stringify({ private: true, type: "module" }));
  for (const [name, text] of Object.entries(tests)) writeFileSync(join(project, name), text);
  return project;
}

const typecheck = (project: string) => run(join(root, "node_modules", "typescript", "bin", "tsc"), ["-p", project], project);
const vitest = (project: string) => run(join(root, "node_modules", "vitest", "vitest.mjs"), ["run", "--root", project, "--reporter=json"], project);

/** docs/testing.md's typed test: the ts block that imports the generated module. */
function documentedTypedTest(): string {
  const markdown = readFileSync(join(root, "docs", "testing.md"), "utf8");
  const block = [...markdown.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]!).find((code) => code.includes("./generated/wordcount.ts"));
  expect(block).toBeDefined();
  return block!;
}

/** Windowed tables, loadWeir with types, and what the types refuse (each @ts-expect-error must be an error). */
const windowedTest = `
import { expect, it } from "vitest";
import { loadWeir, TopologyTestDriver, type WindowedRow } from "weir/testing";
import type { TopologyTypes } from "./generated/revenue.ts";

it("types a windowed table's rows and the sink's records", async () => {
  const driver = new TopologyTestDriver(await loadWeir<TopologyTypes>(${JSON.stringify(join(root, "examples", "revenue.weir"))}));
  try {
    driver.pipeInput("orders", [{ key: "o1", value: { id: "o1", customerId: "alice", amount: 10, ts: 60_000 } }]);
    // @ts-expect-error: an Order's amount is a number
    driver.pipeInput("orders", [{ key: "o2", value: { id: "o2", customerId: "bob", amount: "5", ts: 60_000 } }]);
    await driver.run();
    const rows: WindowedRow<string, { total: number; count: number }>[] = driver.readWindowedTable("revenue");
    expect(rows).toEqual([{ key: "alice", window: { start: 60_000, end: 120_000 }, value: { total: 10, count: 1 } }]);
    // @ts-expect-error: a windowed table is not read as a Map
    expect(() => driver.readTable("revenue")).toThrow("revenue is a windowed table, with a value per key and window: read it with readWindowedTable");
    // @ts-expect-error: there is no table 'revenu'
    expect(() => driver.readWindowedTable("revenu")).toThrow("did you mean 'revenue'?");
    const [written] = driver.readOutput("revenue-per-minute");
    expect(written!.value.windowStart + written!.value.total).toBe(60_010);
    // @ts-expect-error: the records written have no field 'amount'
    expect(written!.value.amount).toBeUndefined();
    // A topic picked per record, or the dead-letter topic: read, untyped.
    const letters = driver.readOutput("revenue-dlq");
    // @ts-expect-error: its values are unknown
    expect(letters[0]!.value.reason).toMatch(/amount/);
  } finally {
    await driver.close();
  }
});
`;

describe("typed records (weir compile's TopologyTypes)", () => {
  it("type-check and run in a user's project: docs/testing.md's test and a windowed table's", () => {
    const project = userProject({ "wordcount.typed.test.ts": documentedTypedTest(), "revenue.typed.test.ts": windowedTest });
    const checked = typecheck(project);
    expect(checked.output).toBe("");
    expect(checked.status).toBe(0);
    const ran = vitest(project);
    const report = JSON.parse(ran.stdout.slice(ran.stdout.indexOf("{"))) as { numPassedTests: number; numTotalTests: number };
    expect({ passed: report.numPassedTests, total: report.numTotalTests }, ran.output).toEqual({ passed: 2, total: 2 });
    expect(ran.status).toBe(0);
  }, 240_000);
});
