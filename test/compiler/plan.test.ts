// The plan decides where records are repartitioned and what state stores are
// named: decisions that change partitioning or state must be exactly these.
import { describe, expect, it } from "vitest";
import { analyze } from "../../compiler/compile.ts";
import { planTopology } from "../../compiler/plan.ts";
import { formatDiagnostics } from "../../compiler/diagnostic-printer.ts";

function plan(source: string) {
  const analysis = analyze(source, { path: "plan.weir" });
  expect(formatDiagnostics(analysis.diagnostics, source)).toBe("");
  return planTopology(analysis.checked!, source);
}

const header = `application app
schema Order { id: string, customerId: string, amount: number }
stream orders from topic "orders" key string value json Order
`;

describe("planTopology", () => {
  it("repartitions on group by an expression, and names the store after the table", () => {
    const result = plan(`${header}table totals = orders | group by customerId | sum amount\nsink totals to topic "t"\n`);
    const totals = result.collections.find((c) => c.name === "totals")!;
    expect(totals.operations.map((o) => o.kind)).toEqual(["selectKey", "repartition", "aggregate"]);
    expect(totals.operations[1]).toMatchObject({ kind: "repartition", name: "totals" });
    expect(totals.operations[2]).toMatchObject({ kind: "aggregate", store: "totals", node: "totals-2-sum" });
  });

  it("does not repartition on group by key when the key is unchanged", () => {
    const result = plan(`${header}table totals = orders | group by key | count\nsink totals to topic "t"\n`);
    expect(result.collections.find((c) => c.name === "totals")!.operations.map((o) => o.kind)).toEqual(["aggregate"]);
  });

  it("repartitions on group by key after a rekey, also one declared in another stream", () => {
    const result = plan(
      `${header}stream byCustomer = orders | rekey customerId\ntable totals = byCustomer | group by key | count\nsink totals to topic "t"\n`,
    );
    expect(result.collections.find((c) => c.name === "totals")!.operations.map((o) => o.kind)).toEqual(["repartition", "aggregate"]);
  });

  it("writes a string as text and anything else as JSON when a sink names no format", () => {
    const result = plan(`${header}table totals = orders | group by customerId | count\nsink totals to topic "t"\n`);
    expect(result.sinks[0]).toMatchObject({ keyFormat: { kind: "string" }, valueFormat: { kind: "json" } });
  });

  it("puts the window, in milliseconds, on the aggregation, whose store is named after the table", () => {
    const result = plan(
      `${header.replace("amount: number }", "amount: number, ts: number }").replace("json Order", "json Order event time ts")}` +
        `table rolling = orders | group by customerId | window hopping 5 minutes advance 30s grace 1500 ms emit final | count\n` +
        `table perDay = orders | group by key | window tumbling 1 day | count\n` +
        `table recent = orders | group by key | window sliding 10 minutes grace 1 min | count\n` +
        `sink rolling to topic "r"\nsink perDay to topic "d"\nsink recent to topic "e"\n`,
    );
    const rolling = result.collections.find((c) => c.name === "rolling")!;
    expect(rolling.operations.map((o) => o.kind)).toEqual(["selectKey", "repartition", "aggregate"]);
    expect(rolling.operations[2]).toMatchObject({
      store: "rolling",
      node: "rolling-3-count",
      window: { kind: "hopping", sizeMs: 300_000, advanceMs: 30_000, graceMs: 1500, emit: "final" },
    });
    const perDay = result.collections.find((c) => c.name === "perDay")!;
    expect(perDay.operations).toMatchObject([{ kind: "aggregate", window: { kind: "tumbling", sizeMs: 86_400_000, graceMs: 0, emit: "changes" } }]);
    expect(perDay.shape.window).toBe("time");
    const recent = result.collections.find((c) => c.name === "recent")!;
    expect(recent.operations).toMatchObject([{ kind: "aggregate", window: { kind: "sliding", differenceMs: 600_000, graceMs: 60_000, emit: "changes" } }]);
    expect(recent.shape.window).toBe("time");
  });
});
