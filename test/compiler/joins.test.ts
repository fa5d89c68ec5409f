// The checker's part in joins: the form of each join (stream-table, windowed
// stream-stream, table-table, foreign-key) is decided by the checker and read
// by the plan; a right join makes the left side's value "T or null"; a join
// window is turned into its bounds in milliseconds, as Kafka Streams'
// JoinWindows holds them (before, after, grace).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze, compileSource } from "../../compiler/compile.ts";
import { formatDiagnostics } from "../../compiler/diagnostic-printer.ts";
import type { JoinStep } from "../../grammar/ast.ts";

const path = join(import.meta.dirname, "joins.weir");

const header = `application joins
schema Order { id: string, customerId: string, amount: number, ts: timestamp }
schema Payment { orderId: string, amount: number, ts: timestamp }
schema Customer { name: string, tier: string }
schema Address { city: string }
stream orders from topic "orders" key string value json Order event time ts
stream payments from topic "payments" key string value json Payment event time ts
table customers from topic "customers" key string value json Customer
table addresses from topic "addresses" key string value json Address
stream byOrder = payments | rekey orderId
sink orders to topic "o"
sink customers to topic "c"
sink addresses to topic "a"
sink byOrder to topic "b"
`;

function diagnosticsOf(declarations: string): string {
  const source = `${header}${declarations}`;
  return formatDiagnostics(analyze(source, { path }).diagnostics, source);
}

/** The checker's decision for each join step of the file, in order. */
function joinForms(declarations: string): unknown[] {
  const source = `${header}${declarations}`;
  const { ast, checked, diagnostics } = analyze(source, { path });
  expect(formatDiagnostics(diagnostics, source)).toBe("");
  const steps = ast.declarations.flatMap((d) => (d.kind === "Pipeline" ? d.steps.filter((s): s is JoinStep => s.kind === "Join") : []));
  return steps.map((step) => checked!.joinForms.get(step));
}

describe("join forms, decided by the checker", () => {
  it("tells each form apart by what the other side is, and by 'on'", () => {
    expect(
      joinForms(`stream a = orders | rekey customerId | left join customers
stream b = orders | right join byOrder within 1 min | select { id: coalesce(id, byOrder.orderId) }
table t = customers | right join addresses | select { name, city: addresses.city }
table byId = orders | group by id | aggregate { customerId: latest(customerId) }
table f = byId | join customers on customerId
sink a to topic "a1"
sink b to topic "b1"
sink t to topic "t1"
sink f to topic "f1"
`),
    ).toEqual([
      // The rekeyed stream reaches the table through a repartition topic; orders join the rekeyed payments where they are.
      { kind: "streamTable", repartitioned: true },
      { kind: "streamStream", window: { beforeMs: 60_000, afterMs: 60_000, graceMs: 0 }, repartitioned: false },
      { kind: "tableTable" },
      { kind: "foreignKey" },
    ]);
  });

  it("turns 'within' into before and after bounds: both ways, one way (the other 0), or each its own", () => {
    expect(
      joinForms(`stream a = orders | join byOrder within 10 seconds before and 2 seconds after grace 1 s
stream b = orders | left join byOrder within 2 s after and 10 s before
stream c = orders | outer join byOrder within 10 s before | select { id }
stream d = orders | right join byOrder within 3 ms after grace 5 ms | select { id }
sink a to topic "a1"
sink b to topic "b1"
sink c to topic "c1"
sink d to topic "d1"
`).map((form) => (form as { window: unknown }).window),
    ).toEqual([
      { beforeMs: 10_000, afterMs: 2_000, graceMs: 1_000 },
      { beforeMs: 10_000, afterMs: 2_000, graceMs: 0 },
      { beforeMs: 10_000, afterMs: 0, graceMs: 0 },
      { beforeMs: 0, afterMs: 3, graceMs: 5 },
    ]);
  });

  it("plans and emits the window it decided: 'withinMs' when both bounds are one, else 'beforeMs' and 'afterMs'", () => {
    const source = `${header}stream a = orders | right join byOrder within 10 s before and 2 s after grace 1 s | select { paid: byOrder.amount }
stream b = orders | join byOrder within 5 s
sink a to topic "a1"
sink b to topic "b1"
`;
    const { plan, code, diagnostics } = compileSource(source, { path, runtimeModule: "weir/runtime", importSpecifier: (modulePath) => modulePath });
    expect(formatDiagnostics(diagnostics, source)).toBe("");
    const a = plan!.collections.find((c) => c.name === "a")!.operations.find((o) => o.kind === "streamJoin");
    expect(a).toMatchObject({ type: "right", window: { beforeMs: 10_000, afterMs: 2_000, graceMs: 1_000 } });
    expect(code).toMatch(/type: "right",\s+window: windows\.join\(\{ beforeMs: 10000, afterMs: 2000, graceMs: 1000 \}\),/);
    expect(code).toContain("window: windows.join({ withinMs: 5000, graceMs: 0 }),");
  });

  it("decides no form for a join with errors (the plan never sees it)", () => {
    const source = `${header}stream a = orders | right join customers\nsink a to topic "a1"\n`;
    const { ast, checked } = analyze(source, { path });
    const step = ast.declarations.flatMap((d) => (d.kind === "Pipeline" ? d.steps : []))[0]!;
    expect(checked!.joinForms.get(step as JoinStep)).toBeUndefined();
  });
});

describe("right joins", () => {
  it("of streams: the left stream's fields and the tables joined into it are 'T or null', the right stream's value is not", () => {
    expect(diagnosticsOf(`stream out = orders | right join byOrder within 1 h | select { id: upper(id) }\nsink out to topic "o2"\n`)).toMatch(/error WEIR3006: 'id' may be null \(a string or null\)/);
    expect(diagnosticsOf(`stream out = orders | left join customers | right join byOrder within 1 h | select { tier: upper(customers.tier) }\nsink out to topic "o2"\n`)).toMatch(/WEIR3006/);
    expect(diagnosticsOf(`stream out = orders | right join byOrder within 1 h | select { id: coalesce(id, byOrder.orderId), paid: byOrder.amount + 1 }\nsink out to topic "o2"\n`)).toBe("");
  });

  it("of tables: the left row may be missing, the right one is there; a select must say what such a row holds", () => {
    expect(diagnosticsOf(`table out = customers | right join addresses | select { name: upper(name), city: upper(addresses.city) }\nsink out to topic "o2"\n`)).toMatch(/WEIR3006: .*\n  table out = customers \| right join addresses \| select \{ name: upper\(name\)/);
    expect(diagnosticsOf(`table out = customers | right join addresses | select { name: coalesce(name, "?"), city: upper(addresses.city) }\nsink out to topic "o2"\n`)).toBe("");
    expect(diagnosticsOf(`table out = customers | right join addresses\nsink out to topic "o2"\n`)).toMatch(/WEIR4053: a table made by a right join needs a 'select'/);
  });

  it("of streams: a record without a left value is taken as it is by 'where', joins in place and 'group by key'; any other step needs a 'select' first", () => {
    // Each of these reads the records where they are, or makes new values from both sides.
    const accepted = [
      `stream a = orders | right join byOrder within 1 h | where byOrder.amount > 1 | left join customers | join payments within 1 h | select { id: coalesce(id, byOrder.orderId), tier: customers.tier }`,
      `table b = orders | outer join byOrder within 1 h | group by key | count`,
      `table c = orders | right join byOrder within 1 h | where byOrder.amount > 1 | group by key | window tumbling 1 hour | aggregate { paid: sum(amount) }`,
      `stream d = orders | right join byOrder within 1 h | flatmap [byOrder.amount]`,
      `table e = orders | right join byOrder within 1 h | select { orderId: byOrder.orderId } | group by orderId | count`,
    ];
    const sinks = ["a", "b", "c", "d", "e"].map((name) => `sink ${name} to topic "${name}1"`).join("\n");
    expect(diagnosticsOf(`${accepted.join("\n")}\n${sinks}\n`)).toBe("");
    // Refused: each would write a record without a left value to a topic, or hand it on without the right side's name.
    const refused = (pipeline: string) => diagnosticsOf(`${pipeline}\nsink x to topic "x1"\n`);
    expect(refused(`table x = orders | right join byOrder within 1 h | group by byOrder.orderId | count`)).toMatch(/WEIR4053: 'group by' after a right join needs a 'select' before it/);
    expect(refused(`table x = orders | right join byOrder within 1 h | group by upper(key) | count`)).toMatch(/WEIR4053: 'group by' after a right join/);
    expect(refused(`stream x = orders | outer join byOrder within 1 h | merge byOrder | select { id }`)).toMatch(/WEIR4053: 'merge' after an outer join needs a 'select' before it/);
    expect(refused(`stream x = orders | right join byOrder within 1 h | left join customers`)).toMatch(/WEIR4053: a stream made by a right join needs a 'select' after the join/);
    // A left join's results always have a left value.
    expect(refused(`stream x = orders | left join byOrder within 1 h | rekey byOrder.orderId`)).toBe("");
  });

  it("the left stream's fields need a null check after a right join, and a 'where' gives them one", () => {
    expect(diagnosticsOf(`stream out = orders | right join byOrder within 1 h | where amount > 1\nsink out to topic "o2"\n`)).toMatch(/WEIR3006: 'amount' may be null/);
    expect(diagnosticsOf(`stream out = orders | right join byOrder within 1 h | where amount != null | select { a: amount + byOrder.amount }\nsink out to topic "o2"\n`)).toBe("");
  });
});
