// Integers, maps, `in` and `between`, end to end: a compiled .weir file run on the embedded
// engine, with exact outputs and dead letters.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadWeir, TopologyTestDriver } from "../../src/testing.ts";
import { loadTopology } from "../../src/compiled-module.ts";
import { formatDiagnostics } from "../../src/index.ts";

const fixture = join(import.meta.dirname, "..", "fixtures", "types", "input.weir");
const path = join(import.meta.dirname, "types-case.weir");

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

async function drive(source: string): Promise<TopologyTestDriver> {
  const loaded = await loadTopology(path, source);
  expect(formatDiagnostics(loaded.diagnostics, source)).toBe("");
  driver = new TopologyTestDriver(loaded.topology!);
  return driver;
}

const item = (sku: string, fields: Record<string, unknown> = {}) => ({
  key: sku,
  value: { sku, quantity: 12, price: 2.5, tier: "gold", attributes: {}, stock: {}, ts: 1000, ...fields },
});

const values = (d: TopologyTestDriver, topic: string) => d.readOutput(topic).map((r) => r.value);
const reasons = (d: TopologyTestDriver, topic: string) => d.readOutput(topic).map((r) => (r.value as { reason: string }).reason);

describe("integers", () => {
  it("divide two integers truncating toward zero, and mix with numbers as numbers", async () => {
    // A stream named like the runtime's operators (op) keeps them apart.
    const d = await drive(`application ints
schema R { a: integer, b: integer, x: number }
stream op from topic "in" key string value json R
stream out = op | select { quotient: a / b, remainder: a % b, mixed: a / x, sum: a + b, product: a * b, negated: -a }
sink out to topic "out"
`);
    d.pipeInput("in", [
      { key: "1", value: { a: 7, b: 2, x: 2 } },
      { key: "2", value: { a: -7, b: 2, x: 4 } },
      { key: "3", value: { a: 7, b: -2, x: 0.5 } },
      { key: "4", value: { a: 1, b: 3, x: 3 } },
    ]);
    const summary = await d.run();
    expect(summary.deadLettered).toBe(0);
    expect(values(d, "out")).toEqual([
      { quotient: 3, remainder: 1, mixed: 3.5, sum: 9, product: 14, negated: -7 },
      { quotient: -3, remainder: -1, mixed: -1.75, sum: -5, product: -14, negated: 7 },
      { quotient: -3, remainder: 1, mixed: 14, sum: 5, product: -14, negated: -7 },
      { quotient: 0, remainder: 1, mixed: 1 / 3, sum: 4, product: 3, negated: -1 },
    ]);
  });

  it("send a record that divides an integer by zero to the dead-letter topic, as Java's division fails", async () => {
    const d = await drive(`application zero
schema R { a: integer, b: integer }
stream rs from topic "in" key string value json R
stream out = rs | select { quotient: a / b }
stream rest = rs | select { remainder: a % b }
sink out to topic "out"
sink rest to topic "rest"
`);
    d.pipeInput("in", [
      { key: "1", value: { a: 7, b: 0 } },
      { key: "2", value: { a: 8, b: 4 } },
    ]);
    const summary = await d.run();
    expect(values(d, "out")).toEqual([{ quotient: 2 }]);
    expect(values(d, "rest")).toEqual([{ remainder: 0 }]);
    expect(summary.deadLettered).toBe(1);
    expect(reasons(d, "zero-dlq")).toEqual(["processing failed: RangeError: integer division by zero: 7 / 0 (at types-case.weir:4:38)"]);
  });

  it("read with toInteger: truncated toward zero, text read as a number first; what is no integer goes to the dead-letter topic", async () => {
    const d = await drive(`application convert
schema R { n: number, s: string }
stream rs from topic "in" key string value json R
stream out = rs | select { fromNumber: toInteger(n), fromText: toInteger(s) }
sink out to topic "out"
`);
    d.pipeInput("in", [
      { key: "1", value: { n: 2.7, s: "12.9" } },
      { key: "2", value: { n: -2.7, s: " -3 " } },
      { key: "3", value: { n: -0.5, s: "1e3" } },
      { key: "4", value: { n: 1, s: "twelve" } },
      { key: "5", value: { n: 1e20, s: "1" } },
    ]);
    const summary = await d.run();
    expect(values(d, "out")).toEqual([
      { fromNumber: 2, fromText: 12 },
      { fromNumber: -2, fromText: -3 },
      { fromNumber: 0, fromText: 1000 },
    ]);
    expect(summary.deadLettered).toBe(2);
    expect(reasons(d, "convert-dlq")).toEqual([
      'processing failed: RangeError: toNumber: "twelve" is not a number (at types-case.weir:4:64)',
      "processing failed: RangeError: toInteger: 100000000000000000000 is beyond the integers that are exact (2^53 - 1) (at types-case.weir:4:40)",
    ]);
  });

  it("are counted by count(), whose halves are integers", async () => {
    driver = new TopologyTestDriver(await loadWeir(fixture));
    driver.pipeInput("items", [item("a"), item("b"), item("c", { tier: null }), item("d")]);
    const summary = await driver.run();
    expect(summary.deadLettered).toBe(0);
    expect(values(driver, "halves")).toEqual([
      { half: 0, units: 12 },
      { half: 1, units: 24 },
      { half: 0, units: 12 },
      { half: 1, units: 36 },
    ]);
  });

  it("dead-letter a record whose integer field holds a fraction, or a number too large to be exact", async () => {
    driver = new TopologyTestDriver(await loadWeir(fixture));
    driver.pipeInput("items", [item("a", { quantity: 1.5 }), item("b", { quantity: 2 ** 53 }), item("c")]);
    const summary = await driver.run();
    expect(summary.deadLettered).toBe(2);
    expect(reasons(driver, "inventory-dlq")).toEqual([
      "value does not match its schema: quantity: Invalid input: expected int, received number",
      "value does not match its schema: quantity: Too big: expected int to be <=9007199254740991",
    ]);
    expect(values(driver, "summaries")).toEqual([{ sku: "c", packs: 2, cents: 250 }]);
  });
});

describe("maps", () => {
  it("give the value of a key, and null for a key the map does not have (its own keys only)", async () => {
    driver = new TopologyTestDriver(await loadWeir(fixture));
    driver.pipeInput("items", [
      item("a", { attributes: { color: "red", "key 1": "x" }, stock: { a: 4 } }),
      item("b", { attributes: { size: "L" }, stock: { a: 4 } }),
      item("constructor", { attributes: {}, stock: {} }),
    ]);
    const summary = await driver.run();
    expect(summary.deadLettered).toBe(0);
    expect(driver.readOutput("picked").map((r) => r.value as { sku: string; color: unknown; inStore: unknown })).toEqual([
      expect.objectContaining({ sku: "a", color: "red", inStore: 4 }),
      expect.objectContaining({ sku: "b", color: null, inStore: 0 }),
      expect.objectContaining({ sku: "constructor", color: null, inStore: 0 }),
    ]);
    const d = await drive(`application maps
schema R { m: map<string, string>, k: string }
stream rs from topic "in" key string value json R
stream out = rs | select { spaced: m["key 1"], byField: m[k], absent: m["toString"], size: coalesce(m["size"], "M") }
sink out to topic "out"
`);
    d.pipeInput("in", [
      { key: "1", value: { m: { "key 1": "one", size: "L", color: "red" }, k: "color" } },
      { key: "2", value: { m: {}, k: "constructor" } },
    ]);
    await d.run();
    expect(values(d, "out")).toEqual([
      { spaced: "one", byField: "red", absent: null, size: "L" },
      { spaced: null, byField: null, absent: null, size: "M" },
    ]);
  });

  it("dead-letter a record whose map is not a JSON object, or holds a value of another type", async () => {
    driver = new TopologyTestDriver(await loadWeir(fixture));
    driver.pipeInput("items", [
      item("a", { attributes: ["red"] }),
      item("b", { stock: { a: "four" } }),
      item("c", { stock: { a: 1.5 } }),
      item("d", { attributes: { color: "red" }, stock: { d: 3 } }),
    ]);
    const summary = await driver.run();
    expect(summary.deadLettered).toBe(3);
    expect(reasons(driver, "inventory-dlq")).toEqual([
      "value does not match its schema: attributes: Invalid input: expected record, received array",
      "value does not match its schema: stock.a: Invalid input: expected number, received string",
      "value does not match its schema: stock.a: Invalid input: expected int, received number",
    ]);
    expect(values(driver, "summaries")).toEqual([{ sku: "d", packs: 2, cents: 250 }]);
  });
});

describe("in and between", () => {
  it("compare as == and <= do: null is in a list only with null, and between includes both ends", async () => {
    const d = await drive(`application membership
schema R { tier?: string, n: integer }
stream rs from topic "in" key string value json R
stream out = rs | select {
  inList: tier in ["gold", "silver"],
  notInList: tier not in ["gold", "silver"],
  withNull: tier in ["gold", null],
  between: n between 1 and 10,
  notBetween: n not between 1 and 10
}
sink out to topic "out"
`);
    d.pipeInput("in", [
      { key: "1", value: { tier: "gold", n: 1 } },
      { key: "2", value: { tier: "bronze", n: 10 } },
      { key: "3", value: { tier: null, n: 11 } },
      { key: "4", value: { n: 0 } },
    ]);
    const summary = await d.run();
    expect(summary.deadLettered).toBe(0);
    expect(values(d, "out")).toEqual([
      { inList: true, notInList: false, withNull: true, between: true, notBetween: false },
      { inList: false, notInList: true, withNull: false, between: true, notBetween: false },
      { inList: false, notInList: true, withNull: true, between: false, notBetween: true },
      { inList: false, notInList: true, withNull: true, between: false, notBetween: true },
    ]);
  });

  it("filter in a where, over a list field too, with strings compared as text", async () => {
    driver = new TopologyTestDriver(await loadWeir(fixture));
    driver.pipeInput("items", [
      item("a"),
      item("test"),
      item("b", { tier: "bronze" }),
      item("c", { tier: null }),
      item("d", { quantity: 100, price: 0.5 }),
      item("e", { quantity: 100, price: 0.75 }),
      item("f", { quantity: 101 }),
    ]);
    await driver.run();
    expect(values(driver, "summaries")).toEqual([
      { sku: "a", packs: 2, cents: 250 },
      { sku: "e", packs: 16, cents: 75 },
    ]);
    const d = await drive(`application lists
schema R { tags: list<string>, name: string }
stream rs from topic "in" key string value json R
stream out = rs | where "sale" in tags and name between "a" and "m" | select name
sink out to topic "out"
`);
    d.pipeInput("in", [
      { key: "1", value: { tags: ["new", "sale"], name: "hat" } },
      { key: "2", value: { tags: ["new"], name: "cap" } },
      { key: "3", value: { tags: ["sale"], name: "m" } },
      { key: "4", value: { tags: ["sale"], name: "mug" } },
    ]);
    await d.run();
    expect(values(d, "out")).toEqual(["hat", "m"]);
  });
});
