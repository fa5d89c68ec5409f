// Narrowing after a null check: a name or field checked against null is not null where the
// check is known to hold — in the steps after a `where`, on the right of `and` (and of `or`,
// for `== null`), in the branches of `if` — until a step replaces what was checked.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { analyze } from "../../compiler/compile.ts";
import { formatDiagnostics } from "../../compiler/diagnostic-printer.ts";
import { loadTopology } from "../../src/compiled-module.ts";
import { TopologyTestDriver } from "../../runtime/testing.ts";

const path = join(import.meta.dirname, "narrowing.weir");

const header = `application narrowing
schema Address { city: string, zip?: string }
schema Order { id: string, customerId: string, amount: number, note?: string, address?: Address }
schema Customer { name: string, tier: string }
stream orders from topic "orders" key string value json Order
table customers from topic "customers" key string value json Customer
sink customers to topic "customers-out"
`;

/** The diagnostics of a file that declares `out` from `orders`, as printed. */
function check(pipeline: string): string {
  const source = `${header}stream out = ${pipeline}\nsink out to topic "out"\n`;
  return formatDiagnostics(analyze(source, { path }).diagnostics, source);
}

describe("narrowing after a null check", () => {
  it("makes a field non-null in the steps after 'where x != null'", () => {
    expect(check(`orders | where note != null | select upper(note)`)).toBe("");
    expect(check(`orders | where null != note | rekey customerId | select { shout: upper(note) }`)).toBe("");
    expect(check(`orders | where not (note == null) | select upper(note)`)).toBe("");
    expect(check(`orders | where note == "urgent" | select upper(note)`)).toBe("");
  });

  it("makes a field and the records it is in non-null after checking a field of a field", () => {
    expect(check(`orders | where address.zip != null | select upper(address.zip) + lower(address.city)`)).toBe("");
    expect(check(`orders | where address != null | select lower(address.city)`)).toBe("");
  });

  it("narrows within 'and', 'or' and 'if'", () => {
    expect(check(`orders | where note != null and length(note) > 3`)).toBe("");
    expect(check(`orders | where note == null or length(note) > 3`)).toBe("");
    expect(check(`orders | select if note != null then upper(note) else "none"`)).toBe("");
    expect(check(`orders | select if note == null then "none" else upper(note)`)).toBe("");
  });

  it("narrows a left-joined table's value", () => {
    expect(check(`orders | rekey customerId | left join customers | where customers != null | select { tier: upper(customers.tier) }`)).toBe("");
    expect(check(`orders | rekey customerId | left join customers | where customers.tier != null | select upper(customers.name)`)).toBe("");
  });

  it("still refuses a field where the check does not hold", () => {
    expect(check(`orders | where note != null or amount > 1 | select upper(note)`)).toMatch(/WEIR3006: 'note' may be null/);
    expect(check(`orders | where note == null | select upper(note)`)).toMatch(/WEIR3006/);
    expect(check(`orders | select if note != null then "some" else upper(note)`)).toMatch(/WEIR3006/);
    expect(check(`orders | where note != null and amount > 1 or length(note) > 3`)).toMatch(/WEIR3006/);
    expect(check(`orders | where address != null | select upper(address.zip)`)).toMatch(/WEIR3006/);
  });

  it("forgets the check once a step replaces the value", () => {
    expect(check(`orders | where note != null | select value | select upper(note)`)).toMatch(/WEIR3006/);
    expect(check(`orders | where key != null and note != null | flatmap [note, note] | select upper(note)`)).toMatch(/WEIR2005/);
    expect(check(`orders | where note != null | flatmap [note] | select upper(value)`)).toBe("");
    // A record built from the checked field keeps what was known: its field is a string.
    expect(check(`orders | where note != null | select { n: note } | select upper(n)`)).toBe("");
  });

  it("forgets a check that a step bringing null back breaks: merge, outer joins", () => {
    const more = `stream refunds from topic "refunds" key string value json Order\nstream noted = refunds | where note != null\nsink noted to topic "noted"\n`;
    const merged = (pipeline: string) => {
      const source = `${header}${more}stream out = ${pipeline}\nsink out to topic "out"\n`;
      return formatDiagnostics(analyze(source, { path }).diagnostics, source);
    };
    // A merged stream whose records were not checked brings back notes that are null.
    expect(merged(`orders | where note != null | merge refunds | select upper(note)`)).toMatch(/WEIR3006/);
    expect(merged(`noted | merge refunds | select upper(note)`)).toMatch(/WEIR3006/);
    // Checked in every merged stream: still known.
    expect(merged(`orders | where note != null | merge noted | select upper(note)`)).toBe("");
    // A stream outer join: a record may come from the other side only, with no value of its own.
    expect(merged(`orders | where note != null | outer join refunds within 1 minute | select { n: upper(note) }`)).toMatch(/WEIR3006/);
    expect(merged(`orders | where note != null | left join refunds within 1 minute | select { n: upper(note) }`)).toBe("");
    // A table outer join: a row may be the other table's only.
    const tables = `${header}table noted = customers | where tier != null\ntable others from topic "others" key string value json Customer\n`;
    const outer = `${tables}table out = noted | outer join others | select { t: upper(tier), n: others.name }\nsink out to topic "out"\n`;
    expect(formatDiagnostics(analyze(outer, { path }).diagnostics, outer)).toMatch(/WEIR3006/);
  });

  it("carries the check into a stream declared over the checked one", () => {
    const source = `${header}stream noted = orders | where note != null\nstream out = noted | select upper(note)\nsink out to topic "out"\n`;
    expect(formatDiagnostics(analyze(source, { path }).diagnostics, source)).toBe("");
  });

  it("checks a key against null without a warning: a record may have a null key whatever its format", () => {
    expect(check(`orders | where key != null | select { key, id }`)).toBe("");
  });

  it("hints at the null check where a value may be null", () => {
    const text = check(`orders | select upper(note)`);
    expect(text).toContain("hint: check it first ('| where note != null', or 'note != null and ...'), or give a default: coalesce(note, DEFAULT)");
  });
});

describe("narrowed code", () => {
  let driver: TopologyTestDriver | undefined;
  afterEach(async () => {
    await driver?.close();
    driver = undefined;
  });

  it("runs: records without the field are filtered, the rest use it as a string", async () => {
    const source = `application narrowingRun
schema Address { city: string }
schema Order { id: string, note?: string, address?: Address }
stream orders from topic "orders" key string value json Order
stream out = orders
  | where note != null and length(note) > 2
  | select { id, note: upper(note), city: if address != null then lower(address.city) else "none" }
sink out to topic "out"
`;
    const loaded = await loadTopology(path, source);
    expect(formatDiagnostics(loaded.diagnostics, source)).toBe("");
    expect(loaded.code).toContain("fn.upper(record.value.note!)");
    driver = new TopologyTestDriver(loaded.topology!);
    driver.pipeInput("orders", [
      { key: "1", value: { id: "1" } },
      { key: "2", value: { id: "2", note: "rush", address: { city: "Gent" } } },
      { key: "3", value: { id: "3", note: null } },
      { key: "4", value: { id: "4", note: "ok" } },
      { key: "5", value: { id: "5", note: "fragile" } },
    ]);
    const summary = await driver.run();
    expect(summary.deadLettered).toBe(0);
    expect(driver.readOutput("out").map((r) => r.value)).toEqual([
      { id: "2", note: "RUSH", city: "gent" },
      { id: "5", note: "FRAGILE", city: "none" },
    ]);
  });
});
