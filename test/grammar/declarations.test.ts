import { describe, expect, it } from "vitest";
import { parseWeir } from "../../grammar/index.ts";
import { dedent } from "../helpers/dedent.ts";
import { parseClean, parseDeclaration, parseSteps } from "./support.ts";

describe("file", () => {
  it("parses an empty file", () => {
    expect(parseWeir("")).toEqual({
      file: { kind: "File", application: undefined, declarations: [], comments: [], range: { start: 0, end: 0 } },
      problems: [],
    });
  });

  it("parses a file of only white space and comments", () => {
    const text = "\n  // nothing here\n/* nor here */\n";
    const file = parseClean(text);
    expect(file).toMatchObject({ application: undefined, declarations: [], range: { start: 0, end: text.length } });
    expect(file.comments.map((comment) => text.slice(comment.range.start, comment.range.end))).toEqual(["// nothing here", "/* nor here */"]);
    expect(file.comments.map((comment) => comment.text)).toEqual(["// nothing here", "/* nor here */"]);
  });

  it("reads the application name", () => {
    const text = "application shop\n";
    expect(parseClean(text).application).toEqual({
      kind: "Application",
      name: { kind: "Identifier", name: "shop", range: { start: 12, end: 16 } },
      range: { start: 0, end: 16 },
    });
  });

  it("leaves a missing application to the compiler", () => {
    const file = parseClean('sink s to topic "t"');
    expect(file.application).toBeUndefined();
    expect(file.declarations).toHaveLength(1);
  });

  it("collects comments between declarations, in order", () => {
    const text = dedent`
      application a // trailing
      /* block */ sink s to topic "t" // last
    `;
    const file = parseClean(text);
    expect(file.comments.map((comment) => comment.text)).toEqual(["// trailing", "/* block */", "// last"]);
    expect(file.declarations).toHaveLength(1);
  });
});

describe("import", () => {
  it("reads the names and the module", () => {
    const text = 'import { riskScore, normalise } from "./udfs.ts"';
    const declaration = parseDeclaration(text);
    expect(declaration).toEqual({
      kind: "Import",
      names: [
        { kind: "Identifier", name: "riskScore", range: { start: 9, end: 18 } },
        { kind: "Identifier", name: "normalise", range: { start: 20, end: 29 } },
      ],
      from: { kind: "StringLiteral", value: "./udfs.ts", range: { start: 37, end: 48 } },
      range: { start: 0, end: text.length },
    });
  });

  it("allows a trailing comma", () => {
    expect(parseDeclaration('import { a, b, } from "m"')).toMatchObject({ names: [{ name: "a" }, { name: "b" }] });
  });
});

describe("schema", () => {
  it("reads fields, optional fields and types", () => {
    const text = "schema Order { id: string, amount: number, paid: boolean, at: timestamp, tags?: list<string>, customer: Customer }";
    const declaration = parseDeclaration(text);
    expect(declaration).toMatchObject({
      kind: "Schema",
      name: { name: "Order" },
      fields: [
        { kind: "Field", name: { name: "id" }, optional: false, type: { kind: "PrimitiveType", name: "string" } },
        { kind: "Field", name: { name: "amount" }, optional: false, type: { kind: "PrimitiveType", name: "number" } },
        { kind: "Field", name: { name: "paid" }, optional: false, type: { kind: "PrimitiveType", name: "boolean" } },
        { kind: "Field", name: { name: "at" }, optional: false, type: { kind: "PrimitiveType", name: "timestamp" } },
        { kind: "Field", name: { name: "tags" }, optional: true, type: { kind: "ListType", element: { kind: "PrimitiveType", name: "string" } } },
        { kind: "Field", name: { name: "customer" }, optional: false, type: { kind: "NamedType", name: { name: "Customer" } } },
      ],
      range: { start: 0, end: text.length },
    });
  });

  it("gives fields and types the ranges of their text", () => {
    const text = "schema S { tags?: list<list<number>> }";
    const declaration = parseDeclaration(text);
    if (declaration.kind !== "Schema") throw new Error("not a schema");
    const field = declaration.fields[0]!;
    const at = (range: { start: number; end: number }) => text.slice(range.start, range.end);
    expect(at(field.range)).toBe("tags?: list<list<number>>");
    expect(at(field.name.range)).toBe("tags");
    expect(at(field.type.range)).toBe("list<list<number>>");
    expect(field.type).toMatchObject({ kind: "ListType", element: { kind: "ListType", element: { kind: "PrimitiveType", name: "number" } } });
    if (field.type.kind !== "ListType" || field.type.element.kind !== "ListType") throw new Error("not a list of lists");
    expect(at(field.type.element.range)).toBe("list<number>");
    expect(at(field.type.element.element.range)).toBe("number");
  });

  it("reads integers and maps, a map's key type as written", () => {
    const text = "schema S { n: integer, attributes: map<string, string>, nested: map<string, list<map<string, integer>>>, odd: map<number, string> }";
    expect(parseDeclaration(text)).toMatchObject({
      fields: [
        { type: { kind: "PrimitiveType", name: "integer" } },
        { type: { kind: "MapType", key: { kind: "PrimitiveType", name: "string" }, value: { kind: "PrimitiveType", name: "string" } } },
        { type: { kind: "MapType", value: { kind: "ListType", element: { kind: "MapType", value: { kind: "PrimitiveType", name: "integer" } } } } },
        { type: { kind: "MapType", key: { kind: "PrimitiveType", name: "number" } } },
      ],
    });
    const declaration = parseDeclaration(text);
    if (declaration.kind !== "Schema") throw new Error("not a schema");
    const type = declaration.fields[1]!.type;
    expect(text.slice(type.range.start, type.range.end)).toBe("map<string, string>");
  });

  it("accepts an empty schema and a trailing comma", () => {
    expect(parseDeclaration("schema Empty {}")).toMatchObject({ kind: "Schema", fields: [] });
    expect(parseDeclaration("schema S { a: string, }")).toMatchObject({ fields: [{ name: { name: "a" } }] });
  });

  it("accepts soft keywords as field names", () => {
    const names = ["key", "value", "count", "type", "from", "timestamp", "time", "stream", "table", "sink", "json", "list", "string", "map", "integer", "in", "between"];
    const text = `schema S { ${names.map((name) => `${name}: string`).join(", ")} }`;
    const declaration = parseDeclaration(text);
    expect(declaration).toMatchObject({ fields: names.map((name) => ({ name: { kind: "Identifier", name }, type: { kind: "PrimitiveType", name: "string" } })) });
  });
});

describe("stream from a topic", () => {
  it("reads topic, formats and event time", () => {
    const text = 'stream orders from topic "orders" key string value json Order event time ts';
    expect(parseDeclaration(text)).toEqual({
      kind: "Source",
      collection: "stream",
      name: { kind: "Identifier", name: "orders", range: { start: 7, end: 13 } },
      topic: { kind: "StringLiteral", value: "orders", range: { start: 25, end: 33 } },
      keyFormat: { kind: "Format", name: "string", schema: undefined, range: { start: 38, end: 44 } },
      valueFormat: {
        kind: "Format",
        name: "json",
        schema: { kind: "Identifier", name: "Order", range: { start: 56, end: 61 } },
        range: { start: 51, end: 61 },
      },
      eventTime: { kind: "Identifier", name: "ts", range: { start: 73, end: 75 } },
      range: { start: 0, end: text.length },
    });
  });

  it("has no event time unless one is given", () => {
    expect(parseDeclaration('stream lines from topic "text-lines" key string value string')).toMatchObject({
      kind: "Source",
      keyFormat: { name: "string" },
      valueFormat: { name: "string", schema: undefined },
      eventTime: undefined,
    });
  });

  it("does not take 'event time' for a schema name after json", () => {
    expect(parseDeclaration('stream s from topic "t" key json value json event time ts')).toMatchObject({
      keyFormat: { name: "json", schema: undefined },
      valueFormat: { name: "json", schema: undefined },
      eventTime: { name: "ts" },
    });
  });

  it("does not take the next declaration's keyword for a schema name after json", () => {
    const file = parseClean(dedent`
      stream s from topic "t" key string value json
      stream u = s
    `);
    expect(file.declarations).toMatchObject([
      { kind: "Source", valueFormat: { name: "json", schema: undefined } },
      { kind: "Pipeline", name: { name: "u" } },
    ]);
  });
});

describe("pipelines", () => {
  it("reads a stream pipeline and a table pipeline", () => {
    const file = parseClean(dedent`
      stream words = lines | flatmap split(value)
      table counts = words | group by value | count
    `);
    expect(file.declarations).toMatchObject([
      { kind: "Pipeline", collection: "stream", name: { name: "words" }, input: { name: "lines" }, steps: [{ kind: "FlatMap" }] },
      { kind: "Pipeline", collection: "table", name: { name: "counts" }, input: { name: "words" }, steps: [{ kind: "GroupBy" }, { kind: "Count" }] },
    ]);
  });

  it("accepts a pipeline without steps", () => {
    expect(parseDeclaration("stream copy = orders")).toMatchObject({ kind: "Pipeline", input: { name: "orders" }, steps: [] });
  });

  it("reads every kind of step", () => {
    const steps = parseSteps(dedent`
      stream s = x
        | where a > 1
        | select { a }
        | flatmap items
        | rekey id
        | group by customerId
        | count
        | sum amount
        | aggregate { total: sum(amount) }
    `);
    expect(steps).toMatchObject([
      { kind: "Where", condition: { kind: "Binary", operator: ">" } },
      { kind: "Select", value: { kind: "Record", fields: [{ name: { name: "a" }, shorthand: true }] } },
      { kind: "FlatMap", values: { kind: "Name", name: { name: "items" } } },
      { kind: "Rekey", key: { kind: "Name", name: { name: "id" } } },
      { kind: "GroupBy", key: { kind: "Name", name: { name: "customerId" } } },
      { kind: "Count" },
      { kind: "Sum", value: { kind: "Name", name: { name: "amount" } } },
      { kind: "Aggregate", value: { kind: "Record", fields: [{ name: { name: "total" }, value: { kind: "Call", callee: { name: "sum" } } }] } },
    ]);
  });

  it("gives each step the range of its text, keyword included", () => {
    const text = "table t = x | group by a.b | count | where c";
    const steps = parseSteps(text);
    expect(steps.map((step) => text.slice(step.range.start, step.range.end))).toEqual(["group by a.b", "count", "where c"]);
  });

  it("accepts soft keywords as names of collections and as pipeline inputs", () => {
    const file = parseClean(dedent`
      stream stream = value
      table table = stream | count
      sink table to topic "t"
    `);
    expect(file.declarations).toMatchObject([
      { kind: "Pipeline", name: { name: "stream" }, input: { name: "value" } },
      { kind: "Pipeline", name: { name: "table" }, input: { name: "stream" } },
      { kind: "Sink", input: { name: "table" } },
    ]);
  });

  it("accepts declaration keywords as names wherever a name may stand", () => {
    const file = parseClean(dedent`
      import { stream, table, } from "m"
      schema import { schema: string, sink?: number }
      stream sink = stream | select { stream, table: sink, import: import.schema } | where table(stream) == sink
    `);
    expect(file.declarations).toMatchObject([
      { kind: "Import", names: [{ name: "stream" }, { name: "table" }] },
      { kind: "Schema", name: { name: "import" }, fields: [{ name: { name: "schema" } }, { name: { name: "sink" }, optional: true }] },
      {
        kind: "Pipeline",
        name: { name: "sink" },
        input: { name: "stream" },
        steps: [
          { kind: "Select", value: { fields: [{ name: { name: "stream" }, shorthand: true }, { name: { name: "table" } }, { name: { name: "import" }, value: { kind: "Member" } }] } },
          { kind: "Where", condition: { kind: "Binary", left: { kind: "Call", callee: { name: "table" } }, right: { kind: "Name", name: { name: "sink" } } } },
        ],
      },
    ]);
  });

  it("accepts a pipeline input named like the next declaration's keyword", () => {
    const file = parseClean(dedent`
      stream a = table
      table t = a
    `);
    expect(file.declarations).toMatchObject([{ input: { name: "table" } }, { name: { name: "t" } }]);
  });
});

describe("join steps", () => {
  const duration = (amount: number, unit: string) => ({ kind: "Duration", amount, unit: { name: unit } });

  it("reads the kind of join: inner, left, right, outer", () => {
    const steps = parseSteps("stream s = x | join a | left join b | right join c within 1 s | outer join d within 2 s");
    expect(steps.map((step) => (step.kind === "Join" ? [step.type, step.other.name] : step.kind))).toEqual([
      ["inner", "a"],
      ["left", "b"],
      ["right", "c"],
      ["outer", "d"],
    ]);
  });

  it("reads 'within D' as a window as long before as after", () => {
    const [step] = parseSteps("stream s = x | left join y within 5 min grace 1 min");
    expect(step).toMatchObject({ kind: "Join", within: { kind: "JoinWindow", both: duration(5, "min"), before: undefined, after: undefined }, grace: duration(1, "min") });
  });

  it("reads the bounds of an asymmetric window, in either order, and a single bound", () => {
    const windows = parseSteps(dedent`
      stream s = x
        | join y within 10 seconds before and 2 seconds after grace 1 s
        | join y within 2 s after and 10 s before
        | join y within 10 s before
        | join y within 3 ms after
    `).map((step) => (step.kind === "Join" ? step.within : undefined));
    expect(windows).toMatchObject([
      { both: undefined, before: duration(10, "seconds"), after: duration(2, "seconds") },
      { both: undefined, before: duration(10, "s"), after: duration(2, "s") },
      { both: undefined, before: duration(10, "s"), after: undefined },
      { both: undefined, before: undefined, after: duration(3, "ms") },
    ]);
  });

  it("gives the window the range of its text after 'within', so diagnostics point at it", () => {
    const text = "stream s = x | join y within 10 s before and -2 s after grace 1 s";
    const [step] = parseSteps(text);
    const within = step?.kind === "Join" ? step.within! : undefined;
    expect(text.slice(within!.range.start, within!.range.end)).toBe("10 s before and -2 s after");
    expect(text.slice(within!.after!.range.start, within!.after!.range.end)).toBe("-2 s");
  });

  it("accepts 'right', 'before' and 'after' as names", () => {
    const file = parseClean(dedent`
      schema right { before: string, after?: number }
      stream after = before | select { right: after, left: before.right }
    `);
    expect(file.declarations).toMatchObject([
      { kind: "Schema", name: { name: "right" }, fields: [{ name: { name: "before" } }, { name: { name: "after" } }] },
      { kind: "Pipeline", name: { name: "after" }, input: { name: "before" } },
    ]);
  });

  it("refuses a bound written twice, and 'and' without a second bound, and suggests a misspelt bound", () => {
    expect(parseWeir("application a\nstream s = x | join y within 1 s before and 2 s before\n").problems.map((p) => p.message)).toEqual(["expected 'after' but found 'before'"]);
    expect(parseWeir("application a\nstream s = x | join y within 1 s after and\n").problems.map((p) => p.message)).toEqual(["expected a number but found end of file"]);
    const misspelt = parseWeir("application a\nstream s = x | join y within 1 s befor\n").problems[0]?.misspelt;
    expect(misspelt?.expected.map((k) => k.word)).toEqual(expect.arrayContaining(["before", "after", "grace"]));
  });
});

describe("sink", () => {
  it("reads formats when given", () => {
    const text = 'sink counts to topic "word-counts" key string value json';
    expect(parseDeclaration(text)).toEqual({
      kind: "Sink",
      input: { kind: "Identifier", name: "counts", range: { start: 5, end: 11 } },
      topic: { kind: "StringLiteral", value: "word-counts", range: { start: 21, end: 34 } },
      keyFormat: { kind: "Format", name: "string", schema: undefined, range: { start: 39, end: 45 } },
      valueFormat: { kind: "Format", name: "json", schema: undefined, range: { start: 52, end: 56 } },
      range: { start: 0, end: text.length },
    });
  });

  it("leaves formats undefined when not given", () => {
    expect(parseDeclaration('sink big to topic "big-orders"')).toMatchObject({ keyFormat: undefined, valueFormat: undefined });
    expect(parseDeclaration('sink big to topic "b" value json Big')).toMatchObject({ keyFormat: undefined, valueFormat: { name: "json", schema: { name: "Big" } } });
  });

  it("does not take 'value' for a schema name after 'key json'", () => {
    expect(parseDeclaration('sink s to topic "t" key json value json Order')).toMatchObject({
      keyFormat: { name: "json", schema: undefined },
      valueFormat: { name: "json", schema: { name: "Order" } },
    });
  });

  it("reads 'key windowed', with or without the key's own format", () => {
    const text = 'sink s to topic "t" key windowed value json';
    expect(parseDeclaration(text)).toMatchObject({ keyFormat: undefined, windowedKey: { kind: "WindowedKey", range: { start: 24, end: 32 } }, valueFormat: { name: "json" } });
    expect(parseDeclaration('sink s to topic "t" key windowed json value { n: value }')).toMatchObject({
      keyFormat: { name: "json", schema: undefined },
      windowedKey: { kind: "WindowedKey" },
      value: { kind: "Record" },
    });
    expect(parseDeclaration('sink s to topic "t" key windowed string')).toMatchObject({ keyFormat: { name: "string" }, windowedKey: { kind: "WindowedKey" } });
    expect(parseDeclaration('sink s to topic "t" key string')).toMatchObject({ keyFormat: { name: "string" }, windowedKey: undefined });
    // `windowed` stays a name elsewhere, and `window` a keyword.
    expect(parseSteps("stream windowed = window | where windowed.start > 0")).toHaveLength(1);
  });

  it("does not take 'value EXPR' or 'headers { }' after 'key json' for a schema name", () => {
    expect(parseDeclaration('sink s to topic "t" key json value { n: id }')).toMatchObject({ keyFormat: { name: "json", schema: undefined }, value: { kind: "Record" } });
    expect(parseDeclaration('sink s to topic "t" key json headers { a: "x" }')).toMatchObject({ keyFormat: { name: "json", schema: undefined }, headers: { kind: "Record" } });
    expect(parseDeclaration('sink s to topic "t" key json value amount * 2')).toMatchObject({ keyFormat: { name: "json", schema: undefined }, value: { kind: "Binary" } });
    // A schema may still be called `value` or `headers`.
    expect(parseDeclaration('sink s to topic "t" key json value value json')).toMatchObject({ keyFormat: { schema: { name: "value" } }, valueFormat: { name: "json" } });
    expect(parseDeclaration('sink s to topic "t" value json headers')).toMatchObject({ valueFormat: { schema: { name: "headers" } }, headers: undefined });
  });

  it("does not take the next sink's keyword for a schema name", () => {
    const file = parseClean(dedent`
      sink a to topic "a" value json
      sink b to topic "b"
    `);
    expect(file.declarations).toMatchObject([{ input: { name: "a" }, valueFormat: { schema: undefined } }, { input: { name: "b" } }]);
  });
});

describe("window", () => {
  it("reads the kind, the durations (with a minus sign kept for the compiler) and emit", () => {
    const text = "table t = o | group by k | window hopping 5 minutes advance 1min grace -30 s emit final | count";
    const [, window] = parseSteps(text);
    const at = (range: { start: number; end: number }) => text.slice(range.start, range.end);
    expect(window).toMatchObject({
      kind: "Window",
      type: "hopping",
      size: { kind: "Duration", amount: 5, unit: { name: "minutes" } },
      advance: { amount: 1, unit: { name: "min" } },
      grace: { amount: -30, unit: { name: "s" } },
      emit: { kind: "Emit", mode: "final" },
    });
    if (window?.kind !== "Window") throw new Error("expected a window");
    expect(at(window.range)).toBe("window hopping 5 minutes advance 1min grace -30 s emit final");
    expect(at(window.grace!.range)).toBe("-30 s");
    expect(at(window.emit!.range)).toBe("emit final");
  });

  it("reads a sliding window's time difference as its size", () => {
    const [, window] = parseSteps("table t = o | group by k | window sliding 10 minutes grace 1 min emit final | count");
    expect(window).toMatchObject({ type: "sliding", size: { amount: 10, unit: { name: "minutes" } }, grace: { amount: 1 }, emit: { mode: "final" } });
  });

  it("leaves optional clauses undefined, and reads a unit glued to its number", () => {
    const [, window] = parseSteps("table t = o | group by k | window tumbling 500ms | count");
    expect(window).toMatchObject({ type: "tumbling", size: { amount: 500, unit: { name: "ms" } }, advance: undefined, grace: undefined, emit: undefined });
  });

  it("says what is missing", () => {
    expect(parseWeir("table t = o | group by k | window tumbling 5 | count").problems.map((p) => p.message)).toEqual([
      "expected a unit of time (ms, s, min, h, d) after '5' but found '|'",
    ]);
    expect(parseWeir("table t = o | group by k | window rolling 5 s | count").problems.map((p) => p.message)).toEqual([
      "expected a kind of window (tumbling, hopping, sliding, session) after 'window' but found 'rolling'",
    ]);
  });
});

describe("sink topic and headers", () => {
  it("reads a string as a fixed topic and any other expression as a topic per record", () => {
    expect(parseDeclaration('sink s to topic "t"')).toMatchObject({ topic: { kind: "StringLiteral", value: "t" }, headers: undefined });
    expect(parseDeclaration('sink s to topic "orders-" + region key string')).toMatchObject({
      topic: { kind: "Binary", operator: "+", right: { kind: "Name", name: { name: "region" } } },
      keyFormat: { name: "string" },
    });
  });

  it("reads headers as a record after the value", () => {
    const sink = parseDeclaration('sink s to topic "t" value { id } headers { region, source: "weir" }');
    expect(sink).toMatchObject({ value: { kind: "Record" }, headers: { kind: "Record", fields: [{ name: { name: "region" }, shorthand: true }, { name: { name: "source" } }] } });
  });
});

describe("sink value", () => {
  it("reads an expression after 'value' as the value to write, and a format as a format", () => {
    const projected = parseDeclaration('sink r to topic "r" value { customerId: key, start: window.start, total }');
    expect(projected).toMatchObject({ valueFormat: undefined, value: { kind: "Record", fields: [{ name: { name: "customerId" } }, { name: { name: "start" } }, { name: { name: "total" } }] } });
    expect(parseDeclaration('sink r to topic "r" value total')).toMatchObject({ valueFormat: undefined, value: { kind: "Name", name: { name: "total" } } });
    expect(parseDeclaration('sink r to topic "r" key string value json')).toMatchObject({ valueFormat: { name: "json" }, value: undefined });
  });
});

describe("branch", () => {
  it("reads the input and the arms in order, else as an arm without a condition", () => {
    const text = "branch orders { big: amount > 100, rest: else }";
    const declaration = parseDeclaration(text);
    const at = (range: { start: number; end: number }) => text.slice(range.start, range.end);
    if (declaration.kind !== "Branch") throw new Error(`expected a branch, got ${declaration.kind}`);
    expect(declaration.input.name).toBe("orders");
    expect(declaration.arms.map((arm) => [arm.name.name, arm.condition?.kind, at(arm.range)])).toEqual([
      ["big", "Binary", "big: amount > 100"],
      ["rest", undefined, "rest: else"],
    ]);
    expect(at(declaration.range)).toBe(text);
  });

  it("allows no arms (the compiler says why that is wrong), a trailing comma, and soft keywords as names", () => {
    expect(parseDeclaration("branch s {}")).toMatchObject({ kind: "Branch", arms: [] });
    const declaration = parseDeclaration("branch branch { merge: dedup == 1, within: else, }");
    expect(declaration).toMatchObject({ kind: "Branch", input: { name: "branch" }, arms: [{ name: { name: "merge" } }, { name: { name: "within" }, condition: undefined }] });
  });

  it("is a declaration of its own: a broken one does not take the next one down", () => {
    const { file, problems } = parseWeir('application a\nbranch s { big: }\nsink big to topic "t"\n');
    expect(problems.map((p) => p.message)).toEqual(["expected a condition or 'else' after ':' but found '}'"]);
    expect(file.declarations.map((d) => d.kind)).toEqual(["Branch", "Sink"]);
  });
});

describe("dedup and merge", () => {
  it("reads dedup with and without by, and merge with one or more streams", () => {
    const text = "stream s = x | dedup within 10 min | dedup by id within 1h | merge y | merge y2, z";
    const steps = parseSteps(text);
    const at = (range: { start: number; end: number }) => text.slice(range.start, range.end);
    expect(steps.map((step) => at(step.range))).toEqual(["dedup within 10 min", "dedup by id within 1h", "merge y", "merge y2, z"]);
    expect(steps[0]).toMatchObject({ kind: "Dedup", by: undefined, within: { amount: 10, unit: { name: "min" } } });
    expect(steps[1]).toMatchObject({ kind: "Dedup", by: { kind: "Name", name: { name: "id" } }, within: { amount: 1, unit: { name: "h" } } });
    expect(steps[2]).toMatchObject({ kind: "Merge", streams: [{ name: "y" }] });
    expect(steps[3]).toMatchObject({ kind: "Merge", streams: [{ name: "y2" }, { name: "z" }] });
  });

  it("names the missing piece", () => {
    expect(parseWeir("application a\nstream s = x | dedup by id\n").problems.map((p) => p.message)).toEqual(["expected 'within' but found end of file"]);
    expect(parseWeir("application a\nstream s = x | merge\n").problems.map((p) => p.message)).toEqual(["expected a name after 'merge' but found end of file"]);
  });
});
