// The example program of the language: it must parse without problems, to the AST below.

import { describe, expect, it } from "vitest";
import type { SourceRange } from "../../grammar/ast.ts";
import { dedent } from "../helpers/dedent.ts";
import { allNodes, parseClean, sexpr } from "./support.ts";

const shop = dedent`
  application shop

  // functions written in TypeScript
  import { riskScore, normalise } from "./udfs.ts"

  schema Order { id: string, customerId: string, amount: number, ts: number, tags?: list<string> }

  stream orders from topic "orders" key string value json Order event time ts
  stream lines from topic "text-lines" key string value string

  stream words = lines
    | flatmap words(lower(value))
    | where length(value) > 0 and not (value == "the")

  table counts = words | group by value | count

  table revenue = orders
    | where amount > 0
    | group by customerId
    | aggregate { total: sum(amount), orders: count(), biggest: max(amount) }

  stream big = orders
    | select { id, customerId, amount: amount * 1.2, size: if amount > 100 then "big" else "small", risk: riskScore(amount), first: tags[0], c: key }
    | rekey customerId

  sink counts to topic "word-counts" key string value json
  sink big to topic "big-orders"
`;

const at = (range: SourceRange) => shop.slice(range.start, range.end);

describe("the shop example", () => {
  const file = parseClean(shop);

  it("has the application, the comment and every declaration", () => {
    expect(file.application).toMatchObject({ name: { name: "shop" } });
    expect(file.comments).toMatchObject([{ kind: "Comment", text: "// functions written in TypeScript" }]);
    expect(file.declarations.map((declaration) => declaration.kind)).toEqual([
      "Import", "Schema", "Source", "Source", "Pipeline", "Pipeline", "Pipeline", "Pipeline", "Sink", "Sink",
    ]);
  });

  it("reads the import, the schema and the sources", () => {
    const [imports, schema, orders, lines] = file.declarations;
    expect(imports).toMatchObject({ names: [{ name: "riskScore" }, { name: "normalise" }], from: { value: "./udfs.ts" } });
    expect(schema).toMatchObject({
      name: { name: "Order" },
      fields: [
        { name: { name: "id" }, type: { name: "string" } },
        { name: { name: "customerId" }, type: { name: "string" } },
        { name: { name: "amount" }, type: { name: "number" } },
        { name: { name: "ts" }, type: { name: "number" } },
        { name: { name: "tags" }, optional: true, type: { kind: "ListType", element: { name: "string" } } },
      ],
    });
    expect(orders).toMatchObject({
      kind: "Source",
      name: { name: "orders" },
      topic: { value: "orders" },
      keyFormat: { name: "string" },
      valueFormat: { name: "json", schema: { name: "Order" } },
      eventTime: { name: "ts" },
    });
    expect(lines).toMatchObject({ kind: "Source", topic: { value: "text-lines" }, valueFormat: { name: "string" }, eventTime: undefined });
  });

  it("reads the pipelines", () => {
    const pipelines = file.declarations.filter((declaration) => declaration.kind === "Pipeline");
    expect(pipelines.map((pipeline) => [pipeline.collection, pipeline.name.name, pipeline.input.name])).toEqual([
      ["stream", "words", "lines"],
      ["table", "counts", "words"],
      ["table", "revenue", "orders"],
      ["stream", "big", "orders"],
    ]);
    const [words, counts, revenue, big] = pipelines;
    expect(words!.steps.map((step) => step.kind)).toEqual(["FlatMap", "Where"]);
    expect(words!.steps).toMatchObject([
      { values: { kind: "Call", callee: { name: "words" } } },
      { condition: { kind: "Binary", operator: "and" } },
    ]);
    const where = words!.steps[1]!;
    if (where.kind !== "Where") throw new Error("not a where");
    expect(sexpr(where.condition)).toBe('(and (> (call length value) 0) (not (== value "the")))');

    expect(counts!.steps).toMatchObject([{ kind: "GroupBy", key: { kind: "Name", name: { name: "value" } } }, { kind: "Count" }]);

    const aggregate = revenue!.steps[2]!;
    if (aggregate.kind !== "Aggregate") throw new Error("not an aggregate");
    expect(sexpr(aggregate.value)).toBe("{total: (call sum amount), orders: (call count), biggest: (call max amount)}");

    const select = big!.steps[0]!;
    if (select.kind !== "Select") throw new Error("not a select");
    expect(sexpr(select.value)).toBe(
      '{id, customerId, amount: (* amount 1.2), size: (if (> amount 100) "big" "small"), risk: (call riskScore amount), first: ([] tags 0), c: key}',
    );
    expect(big!.steps[1]).toMatchObject({ kind: "Rekey", key: { name: { name: "customerId" } } });
  });

  it("reads the sinks", () => {
    expect(file.declarations.slice(-2)).toMatchObject([
      { kind: "Sink", input: { name: "counts" }, topic: { value: "word-counts" }, keyFormat: { name: "string" }, valueFormat: { name: "json", schema: undefined } },
      { kind: "Sink", input: { name: "big" }, topic: { value: "big-orders" }, keyFormat: undefined, valueFormat: undefined },
    ]);
  });

  it("gives declarations and steps the ranges of their text", () => {
    expect(file.declarations.map((declaration) => at(declaration.range).split("\n")[0])).toEqual([
      'import { riskScore, normalise } from "./udfs.ts"',
      "schema Order { id: string, customerId: string, amount: number, ts: number, tags?: list<string> }",
      'stream orders from topic "orders" key string value json Order event time ts',
      'stream lines from topic "text-lines" key string value string',
      "stream words = lines",
      "table counts = words | group by value | count",
      "table revenue = orders",
      "stream big = orders",
      'sink counts to topic "word-counts" key string value json',
      'sink big to topic "big-orders"',
    ]);
    const revenue = file.declarations[6]!;
    expect(at(revenue.range).endsWith("biggest: max(amount) }")).toBe(true);
    if (revenue.kind !== "Pipeline") throw new Error("not a pipeline");
    expect(revenue.steps.map((step) => at(step.range))).toEqual([
      "where amount > 0",
      "group by customerId",
      "aggregate { total: sum(amount), orders: count(), biggest: max(amount) }",
    ]);
  });

  it("points every identifier at its own name, and nests every node's range in its ancestors'", () => {
    const nodes = allNodes(file);
    expect(nodes.length).toBeGreaterThan(100);
    for (const node of nodes) {
      if (node.kind === "Identifier") expect(at(node.range)).toBe(node.name);
      for (const descendant of allNodes(node)) {
        expect(descendant.range.start).toBeGreaterThanOrEqual(node.range.start);
        expect(descendant.range.end).toBeLessThanOrEqual(node.range.end);
      }
    }
  });
});
