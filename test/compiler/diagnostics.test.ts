// One test per diagnostic code: a small file that triggers it, the exact text
// the diagnostic points at, and its message. A new code without a case here
// fails the last test.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../../compiler/compile.ts";
import { diagnostics } from "../../compiler/diagnostics.ts";
import { formatDiagnostics } from "../../compiler/diagnostic-printer.ts";

const path = join(import.meta.dirname, "case.weir");

const header = `application shop
import { riskScore, tags, maybeName } from "./udfs.ts"
schema Order { id: string, customerId: string, amount: number, ts: number, note?: string, items?: list<string> }
stream orders from topic "orders" key string value json Order event time ts
stream lines from topic "lines" key string value string
`;

interface Case {
  readonly code: string;
  /** The file's text; `header` is prepended unless `bare` is set. */
  readonly source: string;
  readonly bare?: boolean;
  /** The exact source text the diagnostic's span covers. */
  readonly at: string;
  readonly message: string | RegExp;
  readonly hint?: string | RegExp;
}

const sinkAll = `
sink orders to topic "o"
sink lines to topic "l"
`;

const cases: Case[] = [
  { code: "WEIR1001", bare: true, source: "application a\nstream s from topic \"t\" key string value string @\n", at: "@", message: /unexpected character '@'/ },
  { code: "WEIR1002", bare: true, source: "application a\nstream s from topic key string value string\n", at: "key", message: /expected a string/ },
  { code: "WEIR2001", bare: true, source: "stream s from topic \"t\" key string value string\nsink s to topic \"u\"\n", at: "", message: "a topology file must start with 'application NAME'" },
  { code: "WEIR2002", source: `stream orders = lines\n${sinkAll}`, at: "orders", message: "'orders' is already declared" },
  { code: "WEIR2003", source: `stream big = ordrs | where amount > 1\nsink big to topic "b"\n${sinkAll}`, at: "ordrs", message: "unknown stream or table 'ordrs'", hint: "did you mean 'orders'?" },
  { code: "WEIR2004", bare: true, source: "application a\nstream s from topic \"t\" key string value json Ordr\nsink s to topic \"u\"\n", at: "Ordr", message: "unknown schema 'Ordr'" },
  { code: "WEIR2005", source: `stream big = orders | where amont > 1\nsink big to topic "b"\n${sinkAll}`, at: "amont", message: "unknown name 'amont' in an Order record", hint: "did you mean 'amount'?" },
  { code: "WEIR2006", source: `stream big = orders | select lowr(id)\nsink big to topic "b"\n${sinkAll}`, at: "lowr", message: "unknown function 'lowr'", hint: "did you mean 'lower'?" },
  { code: "WEIR2007", source: `stream big = orders | select { id, id: customerId }\nsink big to topic "b"\n${sinkAll}`, at: "id", message: "field 'id' appears twice" },
  { code: "WEIR2008", bare: true, source: "application a\nimport { f } from \"./missing.ts\"\n", at: "\"./missing.ts\"", message: "cannot find the module './missing.ts'" },
  { code: "WEIR2009", bare: true, source: "application a\nimport { notThere } from \"./udfs.ts\"\n", at: "notThere", message: "'./udfs.ts' does not export a function named 'notThere'" },
  { code: "WEIR2010", bare: true, source: "application a\nimport { fetchRate } from \"./udfs.ts\"\n", at: "fetchRate", message: /cannot be called from weir: it returns a Promise/ },
  { code: "WEIR2011", source: `stream big = orders | select { id } | where value.ids == "x"\nsink big to topic "b"\n${sinkAll}`, at: "ids", message: "a record { id: string } has no field 'ids'", hint: "did you mean 'id'?" },
  { code: "WEIR2012", bare: true, source: "application a\nimport { lower } from \"./udfs.ts\"\n", at: "lower", message: "the import 'lower' has the name of a built-in function" },
  { code: "WEIR2012", bare: true, source: "application a\nimport { max } from \"./udfs.ts\"\n", at: "max", message: "the import 'max' has the name of a built-in function" },
  { code: "WEIR2013", source: `stream loop = loop | where amount > 1\nsink loop to topic "b"\n${sinkAll}`, at: "loop", message: "'loop' reads from itself" },
  { code: "WEIR2014", source: `stream big = orders | select window.start\nsink big to topic "b"\n${sinkAll}`, at: "window", message: "there is no window here: 'window' is known only in the records of a windowed table", hint: /window tumbling 1 minute/ },
  { code: "WEIR2015", source: `stream big = orders | select { __proto__: amount }\nsink big to topic "b"\n${sinkAll}`, at: "__proto__", message: "'__proto__' cannot be a field name: JavaScript objects reserve it" },
  { code: "WEIR2016", source: `table customers from topic "customers" key string value json\nstream big = orders | select { id, name: customers.name }\nsink big to topic "b"\nsink customers to topic "c"\n${sinkAll}`, at: "customers", message: "the table 'customers' is not joined here", hint: /join customers/ },
  { code: "WEIR2025", bare: true, source: "application a\nimport { addReturnsText } from \"./udfs.ts\"\n", at: "addReturnsText", message: "the aggregate 'addReturnsText' cannot be used from weir: 'add' must return the accumulator (a number), as 'init' does", hint: /init: \(\): A/ },
  { code: "WEIR2026", source: `import { top3 } from "./udfs.ts"\nstream big = orders | select top3(amount)\nsink big to topic "b"\n${sinkAll}`, at: "top3", message: "'top3' is an aggregate: it folds many records into one value, so it is used inside 'aggregate { ... }'", hint: /aggregate \{ top3: top3\(\.\.\.\) \}/ },
  { code: "WEIR4030", source: `import { top3 } from "./udfs.ts"\ntable t = orders | group by customerId | window session 5 minutes | aggregate { best: top3(amount) }\nsink t to topic "b"\n${sinkAll}`, at: "top3", message: "the aggregate 'top3' has no 'merge', which a session window needs: sessions merge when a record bridges them", hint: /merge: \(earlier: A, later: A\) => A/ },
  { code: "WEIR2005", source: `stream big = orders | where amount > 1\nsink big to topic bigOrders\n${sinkAll}`, at: "bigOrders", message: "unknown name 'bigOrders' after 'to topic'", hint: 'a fixed topic is a string: to topic "bigOrders"' },
  { code: "WEIR3025", source: `stream big = orders | where amount > 1\nsink big to topic amount\n${sinkAll}`, at: "amount", message: "the topic a sink writes to must be a string, but this is a number", hint: /toString/ },
  { code: "WEIR3026", source: `stream big = orders | where amount > 1\nsink big to topic "big" headers { id, amount }\n${sinkAll}`, at: "amount", message: "the header 'amount' must be a string (or null, which leaves it out), but this is a number", hint: "headers are text: toString(EXPR)" },
  { code: "WEIR3019", source: `table customers from topic "customers" key string value json\nstream big = orders | rekey amount | join customers\nsink big to topic "b"\n${sinkAll}`, at: "customers", message: "the stream's key is a number, but the table 'customers' is keyed by a string", hint: /rekey customerId \| join customers/ },
  { code: "WEIR4022", source: `stream big = orders | join lines\nsink big to topic "b"\n${sinkAll}`, at: "lines", message: "'lines' is a stream: 'join' needs a table", hint: /table lines from topic/ },
  { code: "WEIR4023", source: `table counts = orders | group by customerId | count\nstream big = orders | rekey customerId | join counts\nsink big to topic "b"\nsink counts to topic "c"\n${sinkAll}`, at: "counts", message: "joining the table 'counts', made by an aggregation, is not supported yet" },
  { code: "WEIR4019", source: `sink orders to topic "shop-orders-changelog"\nsink lines to topic "l"\n`, at: '"shop-orders-changelog"', message: '"shop-orders-changelog" is one of this application\'s own topics (changelog, repartition or dead letters)' },
  { code: "WEIR4020", source: `stream again from topic "orders" key string value string\nsink again to topic "a"\n${sinkAll}`, at: '"orders"', message: 'the topic "orders" is already read by \'orders\'', hint: /stream again = orders/ },
  { code: "WEIR4021", source: `${sinkAll}sink lines to topic "l"\n`, at: 'sink lines to topic "l"', message: '\'lines\' is already written to "l"' },
  { code: "WEIR3001", source: `stream big = orders | select amount - id\nsink big to topic "b"\n${sinkAll}`, at: "id", message: "'-' needs numbers, but this is a string" },
  { code: "WEIR3002", source: `stream big = orders | where amount\nsink big to topic "b"\n${sinkAll}`, at: "amount", message: "the condition of 'where' must be a boolean, but this is a number" },
  { code: "WEIR3003", source: `stream big = orders | select riskScore(amount)\nsink big to topic "b"\n${sinkAll}`, at: "riskScore(amount)", message: "'riskScore' takes 2 arguments, but is given 1" },
  { code: "WEIR3004", source: `stream big = orders | select riskScore(id, customerId)\nsink big to topic "b"\n${sinkAll}`, at: "id", message: "argument 1 of 'riskScore' must be a number, but this is a string" },
  { code: "WEIR3004", source: `table t = orders | group by customerId | aggregate { total: sum(id) }\nsink t to topic "b"\n${sinkAll}`, at: "id", message: "argument 1 of 'sum' must be a number, but this is a string", hint: /toNumber\(EXPR\)/ },
  { code: "WEIR3004", source: `stream big = orders | select coalesce(note, 0)\nsink big to topic "b"\n${sinkAll}`, at: "0", message: "argument 2 of 'coalesce' must be a string, like the value, but this is a number" },
  { code: "WEIR3005", source: `stream big = lines | flatmap lower(value)\nsink big to topic "b"\n${sinkAll}`, at: "lower(value)", message: "flatmap needs a list, but this is a string" },
  { code: "WEIR3006", source: `stream big = orders | select upper(note)\nsink big to topic "b"\n${sinkAll}`, at: "note", message: "this may be null (a string or null)", hint: /coalesce/ },
  { code: "WEIR3007", source: `stream big = orders | where amount == id\nsink big to topic "b"\n${sinkAll}`, at: "==", message: "cannot compare a number with a string using '=='" },
  { code: "WEIR3008", bare: true, source: "application a\nschema E { at: string }\nstream s from topic \"t\" key string value json E event time at\nsink s to topic \"u\"\n", at: "at", message: /the event time field 'at' must be a number or timestamp/ },
  { code: "WEIR3009", bare: true, source: "application a\nstream s from topic \"t\" key string value string event time ts\nsink s to topic \"u\"\n", at: "ts", message: /event time needs a value format of 'json SCHEMA'/ },
  { code: "WEIR3010", source: `stream big = orders | select amount\nsink big to topic "b" value string\n${sinkAll}`, at: "string", message: "the value format 'string' needs a string value, but the value is a number" },
  { code: "WEIR3011", source: `stream big = orders | select id.first\nsink big to topic "b"\n${sinkAll}`, at: "first", message: "cannot read the field 'first' of a string" },
  { code: "WEIR3012", source: `stream big = orders | select id[0]\nsink big to topic "b"\n${sinkAll}`, at: "id", message: "only a list can be indexed, but this is a string" },
  { code: "WEIR3013", source: `stream big = orders | select if amount > 1 then "big" else 0\nsink big to topic "b"\n${sinkAll}`, at: 'if amount > 1 then "big" else 0', message: "the branches of 'if' have different types: string and number" },
  { code: "WEIR3014", source: `stream big = orders | select [id, amount]\nsink big to topic "b"\n${sinkAll}`, at: "amount", message: "list elements must have one type, but they are string and number" },
  { code: "WEIR3015", source: `stream big = lines | flatmap extractAll(value, "[a-z")\nsink big to topic "b"\n${sinkAll}`, at: '"[a-z"', message: /invalid regular expression/ },
  { code: "WEIR3016", source: `stream big = orders | select { id }\nsink big to topic "b" value json Order\n${sinkAll}`, at: "json Order", message: "the value does not match the schema 'Order': the field 'customerId' is missing" },
  { code: "WEIR3017", source: `table t = orders | group by customerId | window tumbling 1 minuts | count\nsink t to topic "b"\n${sinkAll}`, at: "minuts", message: "unknown unit of time 'minuts'", hint: "did you mean 'minute'?" },
  { code: "WEIR3018", source: `table t = orders | group by customerId | window tumbling 0.5 ms | count\nsink t to topic "b"\n${sinkAll}`, at: "0.5 ms", message: "a duration must be a whole number of milliseconds, but 0.5 ms is not" },
  { code: "WEIR4001", source: `table total = orders | count\nsink total to topic "b"\n${sinkAll}`, at: "count", message: "'count' needs a grouped stream", hint: /group by key/ },
  { code: "WEIR4002", source: `stream big = orders | group by customerId | where amount > 1\nsink big to topic "b"\n${sinkAll}`, at: "group by customerId", message: "'group by' must be followed by an aggregation (count, sum or aggregate)" },
  { code: "WEIR4003", source: `table total = orders | group by customerId | count | where value > 1\nsink total to topic "b"\n${sinkAll}`, at: "where value > 1", message: "'where' cannot follow an aggregation in the same pipeline" },
  { code: "WEIR4004", source: `stream total = orders | group by customerId | count\nsink total to topic "b"\n${sinkAll}`, at: "total", message: "declared as a stream, but this pipeline makes a table", hint: /table total = / },
  { code: "WEIR4005", source: `table total = orders | group by customerId | aggregate { n: amount }\nsink total to topic "b"\n${sinkAll}`, at: "amount", message: "the field 'n' of 'aggregate' must be an aggregate function call" },
  { code: "WEIR4006", source: `table total = orders | group by customerId | count\ntable big = total | where value > 1\nsink big to topic "b"\n${sinkAll}`, at: "where value > 1", message: "'where' on a table is not supported yet" },
  { code: "WEIR4007", source: `sink orders to topic "orders"\nsink lines to topic "l"\n`, at: '"orders"', message: 'the topology reads the topic "orders" that this sink writes to' },
  { code: "WEIR4008", source: `stream idle = orders | where amount > 1\n${sinkAll}`, at: "idle", message: "'idle' is never used: nothing reads it and no sink writes it" },
  { code: "WEIR4009", source: `table total = orders | group by customerId | aggregate { }\nsink total to topic "b"\n${sinkAll}`, at: "{ }", message: "'aggregate' needs at least one field" },
  { code: "WEIR4010", source: `table t = orders | window tumbling 1 minute | count\nsink t to topic "b"\n${sinkAll}`, at: "window tumbling 1 minute", message: "'window' needs a grouped stream: windows are per key", hint: /group by customerId/ },
  { code: "WEIR4011", source: `stream t = orders | group by customerId | window tumbling 1 minute | where amount > 1\nsink t to topic "b"\n${sinkAll}`, at: "window tumbling 1 minute", message: "'window' must be followed by an aggregation (count, sum or aggregate)" },
  { code: "WEIR4012", source: `table t = orders | group by customerId | window tumbling 0 s | count\nsink t to topic "b"\n${sinkAll}`, at: "0 s", message: "the window size must be longer than 0, but it is 0 s" },
  { code: "WEIR4013", source: `table t = orders | group by customerId | window tumbling 1 minute grace -5 s | count\nsink t to topic "b"\n${sinkAll}`, at: "-5 s", message: "the grace period cannot be negative, but it is -5 s", hint: /grace 0s/ },
  { code: "WEIR4014", source: `table t = orders | group by customerId | window hopping 1 minute advance 2 minutes | count\nsink t to topic "b"\n${sinkAll}`, at: "2 minutes", message: "the advance (2 minutes) is larger than the window size (1 minute): records between two windows would fall in none" },
  { code: "WEIR4015", source: `table t = orders | group by customerId | window hopping 5 minutes | count\nsink t to topic "b"\n${sinkAll}`, at: "window hopping 5 minutes", message: "a hopping window needs 'advance': how far each window starts after the previous one", hint: "for example: window hopping 5 minutes advance 1 minute" },
  { code: "WEIR4016", source: `table t = orders | group by customerId | window tumbling 1 minute advance 30 s | count\nsink t to topic "b"\n${sinkAll}`, at: "30 s", message: "'advance' belongs to hopping windows, not tumbling windows", hint: /window hopping SIZE advance STEP/ },
  { code: "WEIR4016", source: `table t = orders | group by customerId | window sliding 1 minute advance 30 s | count\nsink t to topic "b"\n${sinkAll}`, at: "30 s", message: "'advance' belongs to hopping windows, not sliding windows", hint: /placed by the records themselves/ },
  { code: "WEIR4012", source: `table t = orders | group by customerId | window sliding 0 s | count\nsink t to topic "b"\n${sinkAll}`, at: "0 s", message: "the time difference must be longer than 0, but it is 0 s" },
  { code: "WEIR4017", source: `table t = orders | group by customerId | window tumbling 1 minute emit final | count\nsink t to topic "b"\n${sinkAll}`, at: "emit final", message: "'emit final' needs an explicit grace period: it decides when the one result of each window is written", hint: /grace 0s/ },
  { code: "WEIR4018", source: `table t = lines | group by value | window tumbling 1 minute | count\nsink t to topic "b"\n${sinkAll}`, at: "window tumbling 1 minute", message: "'lines' declares no event time: these windows use the timestamps its records have on the topic", hint: /event time FIELD/ },
];

describe("diagnostics", () => {
  for (const testCase of cases) {
    it(`${testCase.code}: ${typeof testCase.message === "string" ? testCase.message : testCase.message.source}`, () => {
      const source = testCase.bare ? testCase.source : header + testCase.source;
      const found = analyze(source, { path }).diagnostics;
      const matching = found.filter((d) => d.code === testCase.code);
      expect(matching, formatDiagnostics(found, source)).toHaveLength(1);
      const diagnostic = matching[0]!;
      expect(source.slice(diagnostic.start, diagnostic.start + diagnostic.length)).toBe(testCase.at);
      if (typeof testCase.message === "string") expect(diagnostic.message).toBe(testCase.message);
      else expect(diagnostic.message).toMatch(testCase.message);
      if (testCase.hint !== undefined) {
        if (typeof testCase.hint === "string") expect(diagnostic.hint).toBe(testCase.hint);
        else expect(diagnostic.hint).toMatch(testCase.hint);
      }
      // Only the diagnostic under test: a case that triggers others hides mistakes.
      expect(found.filter((d) => d !== diagnostic), formatDiagnostics(found, source)).toEqual([]);
    });
  }

  it("has a case for every code in the catalogue", () => {
    const codes = Object.values(diagnostics).map((d) => d.code).sort();
    expect([...new Set(cases.map((c) => c.code))].sort()).toEqual(codes);
  });

  it("prints file:line:col, the line, a caret under the span and the hint", () => {
    const source = `${header}stream big = ordrs | where amount > 1\nsink big to topic "b"\n${sinkAll}`;
    const text = formatDiagnostics(analyze(source, { path: join(import.meta.dirname, "shop.weir") }).diagnostics, source).replaceAll(import.meta.dirname + "/", "");
    expect(text).toBe(
      [
        "shop.weir:6:14: error WEIR2003: unknown stream or table 'ordrs'",
        "  stream big = ordrs | where amount > 1",
        "               ^^^^^",
        "  hint: did you mean 'orders'?",
      ].join("\n"),
    );
  });
});
