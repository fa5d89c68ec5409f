// Queries by position over a checked file (compiler/locate.ts): the nodes at an offset,
// what a name there stands for, and the records an expression there is evaluated on.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../../compiler/compile.ts";
import { nodePathAt, recordShapeAt, symbolAt } from "../../compiler/locate.ts";
import { typeToString } from "../../compiler/types.ts";
import { dedent } from "../helpers/dedent.ts";

const source = dedent`
  application shop
  import { riskScore } from "./udfs.ts"
  schema Customer { name: string, tier: string }
  schema Order { id: string, customerId: string, amount: number, ts: timestamp }
  table customers from topic "customers" key string value json Customer
  stream orders from topic "orders" key string value json Order event time ts
  stream enriched = orders
    | rekey customerId
    | join customers
    | select { id, risk: riskScore(amount, customers.tier), name: upper(customers.name) }
  sink enriched to topic "enriched"
`;
// test/compiler/udfs.ts exports riskScore(amount: number, tier: string): number
const checked = analyze(source, { path: join(import.meta.dirname, "locate.weir") }).checked!;
const at = (needle: string, delta = 0) => {
  const offset = source.indexOf(needle);
  if (offset < 0) throw new Error(`no '${needle}'`);
  return offset + delta;
};

describe("nodePathAt", () => {
  it("goes from the file down to the innermost node", () => {
    const path = nodePathAt(checked.file, at("amount, customers", 2));
    expect(path.map((node) => node.kind)).toEqual(["File", "Pipeline", "Select", "Record", "RecordField", "Call", "Name", "Identifier"]);
  });

  it("takes a name the offset ends, and the node that starts where another ends", () => {
    expect(nodePathAt(checked.file, at("amount, customers", 6)).at(-1)).toMatchObject({ kind: "Identifier", name: "amount" });
    expect(nodePathAt(checked.file, at("customers.tier", 9)).at(-1)).toMatchObject({ kind: "Identifier", name: "customers" });
  });

  it("stops at the file between declarations; just after one, it is still on it", () => {
    const spaced = analyze('application a\n\nstream s from topic "t" key string value string\n', { path: "spaced.weir" }).ast;
    expect(nodePathAt(spaced, 14).map((node) => node.kind)).toEqual(["File"]);
    expect(nodePathAt(checked.file, at("\nschema Order")).map((node) => node.kind)).toEqual(["File", "Schema"]);
  });
});

describe("symbolAt", () => {
  it("finds the declaration of a stream or table where it is read and where it is declared", () => {
    const read = symbolAt(checked, at("join customers", 6));
    expect(read).toMatchObject({ kind: "collection", name: "customers", declaration: { kind: "Source", collection: "table" } });
    if (read?.kind !== "collection") throw new Error("not a collection");
    expect(typeToString(read.shape!.value)).toBe("Customer");
    expect(symbolAt(checked, at("stream enriched", 8))).toMatchObject({ kind: "collection", name: "enriched", declaration: { kind: "Pipeline" } });
  });

  it("finds a schema where a format names it", () => {
    expect(symbolAt(checked, at("json Order", 6))).toMatchObject({ kind: "schema", name: "Order", declaration: { kind: "Schema" } });
  });

  it("gives a field read in an expression its type, its binding and its declaration in the schema", () => {
    const symbol = symbolAt(checked, at("amount, customers"));
    expect(symbol).toMatchObject({ kind: "name", binding: { kind: "field", name: "amount" }, type: { kind: "number" } });
    if (symbol?.kind !== "name") throw new Error("not a name");
    expect(symbol.field?.schema.name.name).toBe("Order");
    expect(symbol.field?.field.range.start).toBe(at("amount: number"));
  });

  it("gives a joined table's field the schema of the table's value", () => {
    const symbol = symbolAt(checked, at("customers.tier", 10));
    expect(symbol).toMatchObject({ kind: "name", type: { kind: "string" } });
    if (symbol?.kind !== "name") throw new Error("not a name");
    expect(symbol.field?.schema.name.name).toBe("Customer");
    expect(symbolAt(checked, at("customers.tier"))).toMatchObject({ kind: "name", binding: { kind: "joined", table: "customers" } });
  });

  it("gives a field a record declares the type of its value", () => {
    expect(symbolAt(checked, at("risk:"))).toMatchObject({ kind: "recordField", type: { kind: "number" }, field: { kind: "RecordField" }, identifier: { name: "risk" } });
  });

  it("finds the event time field in its schema", () => {
    expect(symbolAt(checked, at("time ts", 5))).toMatchObject({ kind: "schemaField", schema: { name: { name: "Order" } }, field: { name: { name: "ts" } }, type: { kind: "timestamp" } });
  });

  it("tells built-in functions from imported ones, which know where they are declared", () => {
    expect(symbolAt(checked, at("upper("))).toMatchObject({ kind: "function", name: "upper", binding: "builtin", callType: { kind: "string" } });
    const imported = symbolAt(checked, at("riskScore(amount"));
    expect(imported).toMatchObject({ kind: "function", binding: "import", imported: { declaredAt: { path: join(import.meta.dirname, "udfs.ts") } } });
  });

  it("finds nothing on a keyword, a literal or white space", () => {
    expect(symbolAt(checked, at("| rekey", 3))).toBeUndefined();
    expect(symbolAt(checked, at('"enriched"', 2))).toBeUndefined();
    expect(symbolAt(checked, 0)).toBeUndefined();
  });
});

describe("recordShapeAt", () => {
  it("gives the records the step at the offset receives", () => {
    const records = recordShapeAt(checked, at("rekey customerId", 8));
    expect(records?.step?.kind).toBe("Rekey");
    expect(typeToString(records!.shape.value)).toBe("Order");
    expect(recordShapeAt(checked, at("select {", 10))?.shape.joined?.has("customers")).toBe(true);
  });

  it("gives the last step's records after it, and a sink's input's", () => {
    expect(recordShapeAt(checked, at("\nsink"))?.step?.kind).toBe("Select");
    expect(typeToString(recordShapeAt(checked, at("topic \"enriched\""))!.shape.value)).toContain("risk: number");
  });
});
