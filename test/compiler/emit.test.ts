// What generated code does, run on the embedded engine: names that are
// JavaScript keywords or the generated code's own, operators whose TypeScript
// spelling could change their meaning, and null.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { compile, formatDiagnostics } from "../../src/index.ts";
import { loadTopology } from "../../src/compiled-module.ts";
import { TopologyTestDriver } from "../../runtime/testing.ts";

const path = join(import.meta.dirname, "emit-case.weir");
let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

async function run(source: string, topic: string, records: { key?: unknown; value: unknown }[]) {
  const loaded = await loadTopology(path, source);
  expect(formatDiagnostics(loaded.diagnostics, source)).toBe("");
  driver = new TopologyTestDriver(loaded.topology!);
  driver.pipeInput(topic, records);
  const summary = await driver.run();
  expect(summary.deadLettered).toBe(0);
  return driver;
}

describe("generated code", () => {
  it("gives weir names that JavaScript or the generated code reserve a name of their own", async () => {
    const source = [
      "application names",
      'import { builder } from "./udfs.ts"',
      "schema Math { amount: number }",
      "schema string { text: string }",
      'stream default from topic "in" key string value json Math',
      "stream record = default | select { doubled: amount * 2, label: builder(toString(amount)) }",
      "table formats = default | group by key | aggregate { low: min(amount), high: max(amount) }",
      'sink record to topic "out"',
      'sink formats to topic "stats"',
      "",
    ].join("\n");
    expect(compile(source, { path }).code).toContain("const default$ = builder.stream(");
    const result = await run(source, "in", [
      { key: "a", value: { amount: 3 } },
      { key: "a", value: { amount: 1 } },
    ]);
    expect(result.readOutput("out").map((r) => r.value)).toEqual([
      { doubled: 6, label: "built 3" },
      { doubled: 2, label: "built 1" },
    ]);
    expect(result.readOutput("stats").map((r) => r.value)).toEqual([
      { low: 3, high: 3 },
      { low: 1, high: 3 },
    ]);
  });

  it("keeps a double minus a negation, never a decrement", async () => {
    const source = [
      "application minus",
      "schema R { amount: number }",
      'stream src from topic "in" key string value json R',
      "stream out = src | select { a: - -amount, b: -(-amount), c: amount - -1, d: - -1 }",
      'sink out to topic "out"',
      "",
    ].join("\n");
    const result = await run(source, "in", [{ key: "k", value: { amount: 5 } }]);
    expect(result.readOutput("out").map((r) => r.value)).toEqual([{ a: 5, b: 5, c: 6, d: 1 }]);
  });

  it("treats an absent field and an undefined result as null", async () => {
    const source = [
      "application nulls",
      'import { half } from "./udfs.ts"',
      "schema R { amount: number }",
      'stream untyped from topic "in" key string value json',
      'stream typed from topic "typed" key string value json R',
      "stream missing = untyped | where missing == null | select { seen: true }",
      "stream halves = typed | select { half: half(amount), none: half(amount) == null }",
      'sink missing to topic "missing"',
      'sink halves to topic "halves"',
      "",
    ].join("\n");
    const loaded = await loadTopology(path, source);
    expect(formatDiagnostics(loaded.diagnostics, source)).toBe("");
    driver = new TopologyTestDriver(loaded.topology!);
    driver.pipeInput("in", [{ key: "k", value: { other: 1 } }]);
    driver.pipeInput("typed", [
      { key: "k", value: { amount: 4 } },
      { key: "k", value: { amount: -4 } },
    ]);
    await driver.run();
    expect(driver.readOutput("missing").map((r) => r.value)).toEqual([{ seen: true }]);
    expect(driver.readOutput("halves").map((r) => r.value)).toEqual([
      { half: 2, none: false },
      { half: null, none: true },
    ]);
  });

  it("routes a tombstone of a stream over a session-windowed table's changes as any stream's: not by a topic computed from its value", async () => {
    // The sessions' retractions stay in the table: the stream carries its sessions, and a null its own select made.
    const source = [
      "application sessionsink",
      "schema Click { user: string, ts: timestamp }",
      'stream clicks from topic "clicks" key string value json Click event time ts',
      "table visits = clicks | group by key | window session 5 minutes | count",
      "stream busy = visits | select if value > 1 then { n: value } else null",
      'sink busy to topic "busy-" + toString(coalesce(value.n, 0))',
      "",
    ].join("\n");
    const loaded = await loadTopology(path, source);
    expect(formatDiagnostics(loaded.diagnostics, source)).toBe("");
    driver = new TopologyTestDriver(loaded.topology!);
    for (const topic of ["busy-0", "busy-2"]) driver.log.createTopic(topic, 1);
    driver.pipeInput("clicks", [
      { key: "a", value: { user: "a", ts: 1000 } },
      { key: "a", value: { user: "a", ts: 2000 } },
    ]);
    const summary = await driver.run();
    expect(driver.readOutput("busy-2").map((r) => r.value)).toEqual(['{"n":2}']);
    // The first session's count of 1 selected null: a tombstone whose topic reads the value has none.
    expect(driver.readOutput("busy-0")).toEqual([]);
    expect(summary.deadLettered).toBe(1);
    expect(driver.readOutput("sessionsink-dlq").map((r) => (r.value as { reason: string }).reason)).toEqual(["tombstone-topic"]);
  });
});
