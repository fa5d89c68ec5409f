import { describe, expect, it } from "vitest";
import { parseWeir } from "../../grammar/index.ts";
import { dedent } from "../helpers/dedent.ts";
import { describeProblems } from "./support.ts";

function parse(text: string) {
  const { file, problems } = parseWeir(text);
  return { file, problems: describeProblems(text, problems), at: (range: { start: number; end: number }) => text.slice(range.start, range.end) };
}

const steps = "a step (where, select, flatmap, rekey, join, left join, right join, outer join, dedup, merge, group by, window, count, sum, aggregate)";
const declaration = "a declaration (stream, table, branch, sink, schema, import)";

describe("error messages", () => {
  it("names the steps when a '|' is followed by something else", () => {
    expect(parse("stream s = x | foo y").problems).toEqual([`parse: expected ${steps} after '|' but found 'foo' @ "foo"`]);
  });

  it("names a missing token by its text", () => {
    expect(parse('sink s topic "t"').problems).toEqual([`parse: expected 'to' but found 'topic' @ "topic"`]);
    expect(parse("schema S { id string }").problems).toEqual([`parse: expected ':' but found 'string' @ "string"`]);
    expect(parse("table t = x | group customerId").problems).toEqual([`parse: expected 'by' but found 'customerId' @ "customerId"`]);
    expect(parse("sink s to topic )").problems).toEqual([`parse: expected an expression after 'topic' but found ')' @ ")"`]);
  });

  it("says what kind of thing was expected where several would do", () => {
    expect(parse("stream = x").problems).toEqual([`parse: expected a name after 'stream' but found '=' @ "="`]);
    expect(parse("stream s to topic \"t\"").problems).toEqual([`parse: expected 'from' or '=' after 's' but found 'to' @ "to"`]);
    expect(parse("stream s = x | where | count").problems).toEqual([`parse: expected an expression after 'where' but found '|' @ "|"`]);
    expect(parse("stream s = x | select a * )").problems).toEqual([`parse: expected an expression after '*' but found ')' @ ")"`]);
    expect(parse("schema S { a: 42 }").problems).toEqual([`parse: expected a type after ':' but found '42' @ "42"`]);
    expect(parse('sink s to topic "t" key avro').problems).toEqual([`parse: expected a format (string or json) or 'windowed' after 'key' but found 'avro' @ "avro"`]);
  });

  it("offers ',' as well as the closing bracket after an item of a list", () => {
    expect(parse("schema S { id: string amount: number }").problems).toEqual([`parse: expected ',' or '}' but found 'amount' @ "amount"`]);
    expect(parse("stream s = x | select { a: 1 b: 2 }").problems).toEqual([`parse: expected ',' or '}' but found 'b' @ "b"`]);
    expect(parse("stream s = x | select f(a b)").problems).toEqual([`parse: expected ',' or ')' but found 'b' @ "b"`]);
    expect(parse("stream s = x | select [1 2]").problems).toEqual([`parse: expected ',' or ']' but found '2' @ "2"`]);
    expect(parse('import { a b } from "m"').problems).toEqual([`parse: expected ',' or '}' but found 'b' @ "b"`]);
  });

  it("offers an item as well as the closing bracket right after the opening one or a comma", () => {
    expect(parse("stream s = x | select { 42 }").problems).toEqual([`parse: expected a field or '}' but found '42' @ "42"`]);
    expect(parse("schema S { a: string, 42 }").problems).toEqual([`parse: expected a field or '}' but found '42' @ "42"`]);
  });

  it("calls the end of input 'end of file', at the end of the text", () => {
    const text = "stream s = x | where (a + 1\n";
    const { problems } = parseWeir(text);
    expect(problems).toEqual([{ kind: "parse", message: "expected ')' but found end of file", range: { start: text.length, end: text.length } }]);
    expect(parse("stream s = x | where").problems).toEqual([`parse: expected an expression after 'where' but found end of file @ ""`]);
  });

  it("asks for a declaration where something else starts at the top level", () => {
    expect(parse("foo bar\nsink s to topic \"t\"").problems).toEqual([`parse: expected ${declaration} but found 'foo' @ "foo"`]);
    expect(parse("table t = x | count extra").problems).toEqual([`parse: expected ${declaration} but found 'extra' @ "extra"`]);
  });

  it("says that comparisons do not chain where a second comparison is left over", () => {
    for (const [text, operator] of [
      ["stream s = x | where a < b < c", "<"],
      ["stream s = x | where a > 1 in [1, 2]", "in"],
      ["stream s = x | where a in [1] not in [2]", "not in"],
      ["stream s = x | where a between 1 and 2 between 3 and 4", "between"],
    ]) {
      const { problems } = parseWeir(text!);
      expect(problems.map((p) => p.message)).toEqual([`unexpected '${operator}' after a comparison: comparisons do not chain`]);
      expect(problems[0]!.hint).toBe("join two comparisons with 'and' (a < b and b < c), or put one in parentheses");
    }
  });

  it("says where 'in' and 'between' belong when one stands where a declaration does", () => {
    const { problems } = parseWeir("in orders\nsink s to topic \"t\"");
    expect(problems.map((p) => [p.message, p.hint])).toEqual([[`expected ${declaration} but found 'in'`, `'in' belongs inside an expression: | where tier in ["gold", "silver"]`]]);
    const afterWindow = parseWeir("table t = x | group by key | window tumbling 1 min between 1 and 2 | count");
    expect(afterWindow.problems.map((p) => p.hint)).toEqual(["'between' belongs inside an expression: | where amount between 10 and 100"]);
  });

  it("says that a list is written in brackets, for SQL's 'in (a, b)'", () => {
    const { problems } = parseWeir('stream s = x | where tier in ("gold", "silver")');
    expect(problems.map((p) => [p.message, p.hint])).toEqual([["expected ')' but found ','", 'a list is written in brackets: x in ["a", "b"]']]);
  });

  it("shortens long tokens in messages", () => {
    expect(parse('sink s to topic "t" key "a very long string that goes on"').problems).toEqual([
      `parse: expected a format (string or json) or 'windowed' after 'key' but found '"a very long string tha…' @ "\\"a very long string that goes on\\""`,
    ]);
  });
});

describe("recovery", () => {
  it("reports two broken declarations far apart, and keeps the good ones around them", () => {
    const { file, problems } = parse(dedent`
      application shop
      stream a = x | where > 1
      sink a to topic "a"

      schema S { id: string, amount number }
      table t = a | count
    `);
    expect(problems).toEqual([`parse: expected an expression after 'where' but found '>' @ ">"`, `parse: expected ':' but found 'number' @ "number"`]);
    expect(file.application).toMatchObject({ name: { name: "shop" } });
    expect(file.declarations).toMatchObject([
      { kind: "Pipeline", name: { name: "a" }, steps: [{ kind: "Where", condition: { kind: "Error" } }] },
      { kind: "Sink", input: { name: "a" } },
      { kind: "Schema", fields: [{ name: { name: "id" } }, { name: { name: "amount" }, type: { kind: "PrimitiveType", name: "number" } }] },
      { kind: "Pipeline", collection: "table", name: { name: "t" }, steps: [{ kind: "Count" }] },
    ]);
  });

  it("reports several errors inside one declaration", () => {
    const { problems } = parse("stream s = x | select { a: , b: 1 } | foo | where");
    expect(problems).toEqual([
      `parse: expected an expression after ':' but found ',' @ ","`,
      `parse: expected ${steps} after '|' but found 'foo' @ "foo"`,
      `parse: expected an expression after 'where' but found end of file @ ""`,
    ]);
  });

  it("goes on after a broken step with the next step", () => {
    const { file, problems } = parse("stream s = x | where | select y | count");
    expect(problems).toHaveLength(1);
    expect(file.declarations[0]).toMatchObject({ steps: [{ kind: "Where", condition: { kind: "Error" } }, { kind: "Select" }, { kind: "Count" }] });
  });

  it("does not let a name position swallow the next declaration's keyword", () => {
    const { file, problems, at } = parse(dedent`
      stream
      table t = a | count
    `);
    expect(problems).toEqual([`parse: expected a name after 'stream' but found 'table' @ "table"`]);
    expect(file.declarations).toMatchObject([
      { kind: "Pipeline", collection: "stream", name: { kind: "Identifier", name: "" }, input: { name: "" }, steps: [] },
      { kind: "Pipeline", collection: "table", name: { name: "t" }, steps: [{ kind: "Count" }] },
    ]);
    // the missing name sits, empty, right after `stream`
    expect(file.declarations[0]!.range).toEqual({ start: 0, end: 6 });
    expect(at(file.declarations[0]!.range)).toBe("stream");
    expect((file.declarations[0] as { name: { range: unknown } }).name.range).toEqual({ start: 6, end: 6 });
  });

  it("does not let a missing pipeline input or expression swallow the next declaration", () => {
    const missingInput = parse("stream s =\ntable t = a");
    expect(missingInput.problems).toEqual([`parse: expected a name after '=' but found 'table' @ "table"`]);
    expect(missingInput.file.declarations).toMatchObject([{ name: { name: "s" }, input: { name: "", range: { start: 10, end: 10 } } }, { name: { name: "t" } }]);

    const missingCondition = parse("stream s = x | where\nsink s to topic \"t\"");
    expect(missingCondition.problems).toEqual([`parse: expected an expression after 'where' but found 'sink' @ "sink"`]);
    expect(missingCondition.file.declarations).toMatchObject([{ steps: [{ condition: { kind: "Error", range: { start: 20, end: 20 } } }] }, { kind: "Sink" }]);
  });

  it("closes a schema left open before the next declaration", () => {
    const open = parse("schema S { a: string\nstream x = y");
    expect(open.problems).toEqual([`parse: expected ',' or '}' but found 'stream' @ "stream"`]);
    expect(open.file.declarations).toMatchObject([{ kind: "Schema", fields: [{ name: { name: "a" } }] }, { kind: "Pipeline", name: { name: "x" } }]);

    const trailingComma = parse("schema S { a: string,\nstream x = y");
    expect(trailingComma.problems).toEqual([`parse: expected a field or '}' but found 'stream' @ "stream"`]);
    expect(trailingComma.file.declarations).toMatchObject([{ kind: "Schema", fields: [{ name: { name: "a" } }] }, { kind: "Pipeline", name: { name: "x" } }]);
  });

  it("deletes a single extra token rather than inserting a missing one before it", () => {
    // (Not after `stream t` or `table t`: there either 'from' or '=' may come, and recovery re-syncs instead.)
    const { file, problems } = parse('sink s x to topic "t"');
    expect(problems).toEqual([`parse: expected 'to' but found 'x' @ "x"`]);
    expect(file.declarations).toMatchObject([{ kind: "Sink", input: { name: "s" }, topic: { value: "t" } }]);
  });

  it("inserts a single missing token", () => {
    const { file, problems } = parse('sink s topic "t"');
    expect(problems).toEqual([`parse: expected 'to' but found 'topic' @ "topic"`]);
    expect(file.declarations).toMatchObject([{ kind: "Sink", input: { name: "s" }, topic: { value: "t" } }]);
  });

  it("skips junk between declarations", () => {
    const { file, problems } = parse('sink a to topic "a"\n)))) 12 "x"\nsink b to topic "b"');
    expect(problems).toEqual([`parse: expected ${declaration} but found ')' @ ")"`]);
    expect(file.declarations).toMatchObject([{ input: { name: "a" } }, { input: { name: "b" } }]);
  });

  it("reports one problem where recovery trips twice over the same token", () => {
    const { problems } = parse('stream s = x | select if a then b\nsink s to topic "t"');
    expect(problems).toEqual([`parse: expected 'else' but found 'sink' @ "sink"`]);
  });

  it("puts lexing and parsing problems together in source order", () => {
    const { file, problems } = parse('stream s = x | where a @ b\nsink s to topic "t\\q"\ntable t = | count');
    expect(problems).toEqual([
      `lex: unexpected character '@' @ "@"`,
      `parse: expected ${declaration} but found 'b' @ "b"`,
      `lex: invalid escape '\\q' in string @ "\\\\q"`,
      `parse: expected a name after '=' but found '|' @ "|"`,
    ]);
    expect(file.declarations).toMatchObject([{ kind: "Pipeline" }, { kind: "Sink", topic: { value: "tq" } }, { kind: "Pipeline", collection: "table", input: { name: "" }, steps: [{ kind: "Count" }] }]);
  });
});

describe("placeholders", () => {
  it("makes a missing required format a Format named ''", () => {
    const { file, problems } = parse('stream s from topic "t" key string value\nstream u = s');
    expect(problems).toEqual([`parse: expected a format (string or json) after 'value' but found 'stream' @ "stream"`]);
    expect(file.declarations).toMatchObject([
      { kind: "Source", keyFormat: { name: "string" }, valueFormat: { kind: "Format", name: "", schema: undefined, range: { start: 40, end: 40 } } },
      { kind: "Pipeline", name: { name: "u" } },
    ]);
  });

  it("makes a missing topic an ErrorExpr with an empty range", () => {
    const { file } = parse("sink s to topic ) key json");
    expect(file.declarations).toMatchObject([{ kind: "Sink", topic: { kind: "Error", range: { start: 15, end: 15 } } }]);
  });

  it("makes a missing aggregate body an empty record", () => {
    const { file, problems } = parse("table t = x | aggregate 3 | count");
    expect(problems).toEqual([`parse: expected '{' but found '3' @ "3"`]);
    expect(file.declarations).toMatchObject([{ steps: [{ kind: "Aggregate", value: { kind: "Record", fields: [], range: { start: 23, end: 23 } } }, { kind: "Count" }] }]);
  });

  it("makes a missing type a NamedType over an empty name", () => {
    const { file } = parse("schema S { a: }");
    expect(file.declarations).toMatchObject([{ fields: [{ name: { name: "a" }, type: { kind: "NamedType", name: { name: "" } } }] }]);
  });

  it("makes a missing operand an ErrorExpr after the operator", () => {
    const { file } = parse("stream s = x | where a + ");
    expect(file.declarations).toMatchObject([{ steps: [{ condition: { kind: "Binary", operator: "+", left: { kind: "Name" }, right: { kind: "Error", range: { start: 24, end: 24 } } } }] }]);
  });

  it("makes a missing application name an empty Identifier", () => {
    const { file, problems } = parse("application\nsink s to topic \"t\"");
    expect(problems).toEqual([`parse: expected a name after 'application' but found 'sink' @ "sink"`]);
    expect(file.application).toMatchObject({ name: { name: "", range: { start: 11, end: 11 } } });
    expect(file.declarations).toHaveLength(1);
  });

  it("gives an inserted name an empty range after the token before it", () => {
    const { file, problems } = parse('import { } from "m"');
    expect(problems).toEqual([`parse: expected a name after '{' but found '}' @ "}"`]);
    expect(file.declarations).toMatchObject([{ kind: "Import", names: [{ name: "" }], from: { value: "m" } }]);
  });
});
