// One small file per diagnostic code (at least): the file, the exact text the diagnostic
// points at, its message and hint. test/compiler/diagnostics.test.ts checks them;
// docs/diagnostics.md shows the first case of each code as printed.
import { join } from "node:path";

export const casePath = join(import.meta.dirname, "case.weir");

export const header = `application shop
import { riskScore, tags, maybeName } from "./udfs.ts"
schema Order { id: string, customerId: string, amount: number, ts: number, note?: string, items?: list<string> }
stream orders from topic "orders" key string value json Order event time ts
stream lines from topic "lines" key string value string
`;

export interface Case {
  readonly code: string;
  /** The file's text; `header` is prepended unless `bare` is set. */
  readonly source: string;
  readonly bare?: boolean;
  /** The exact source text the diagnostic's span covers. */
  readonly at: string;
  readonly message: string | RegExp;
  /** null: the diagnostic has no hint. */
  readonly hint?: string | RegExp | null;
}

export const sinkAll = `
sink orders to topic "o"
sink lines to topic "l"
`;

export const cases: Case[] = [
  { code: "WEIR1001", bare: true, source: "application a\nstream s from topic \"t\" key string value string @\n", at: "@", message: /unexpected character '@'/ },
  { code: "WEIR1002", bare: true, source: "application a\nstream s from topic key string value string\n", at: "key", message: /expected a string/ },
  // A misspelt keyword, where the grammar expects a step, a kind of window, a declaration or a format.
  { code: "WEIR1002", source: `table t = orders | grup by customerId | count\nsink t to topic "b"\n${sinkAll}`, at: "grup", message: /expected a step .* but found 'grup'/, hint: "did you mean 'group by'?" },
  { code: "WEIR1002", source: `table t = orders | group by customerId | window tumblin 1 minute | count\nsink t to topic "b"\n${sinkAll}`, at: "tumblin", message: /expected a kind of window/, hint: "did you mean 'tumbling'?" },
  { code: "WEIR1002", source: `table t = orders | group by customerId | window tumbling 1 minute grac 0s | count\nsink t to topic "b"\n${sinkAll}`, at: "grac", message: /but found 'grac'/, hint: "did you mean 'grace'?" },
  { code: "WEIR1002", bare: true, source: "application a\nstrem s from topic \"t\" key string value string\n", at: "strem", message: /expected a declaration/, hint: "did you mean 'stream'?" },
  { code: "WEIR1002", bare: true, source: "application a\nstream s from topic \"t\" key string value jsn\n", at: "jsn", message: /expected a format/, hint: "did you mean 'json'?" },
  { code: "WEIR1002", bare: true, source: "application a\nschema E { at: number }\nstream s from topic \"t\" key string value json E evnt time at\n", at: "evnt", message: /but found 'evnt'/, hint: "did you mean 'event time'?" },
  { code: "WEIR1002", source: `stream big = orders | where amount > 1 | select { id } | qwerty\nsink big to topic "b"\n${sinkAll}`, at: "qwerty", message: /expected a step/, hint: null },
  { code: "WEIR2001", bare: true, source: "stream s from topic \"t\" key string value string\nsink s to topic \"u\"\n", at: "", message: "a topology file must start with 'application NAME'" },
  { code: "WEIR2002", source: `stream orders = lines\n${sinkAll}`, at: "orders", message: "'orders' is already declared" },
  { code: "WEIR2003", source: `stream big = ordrs | where amount > 1\nsink big to topic "b"\n${sinkAll}`, at: "ordrs", message: "unknown stream or table 'ordrs'", hint: "did you mean 'orders'?" },
  { code: "WEIR2004", bare: true, source: "application a\nschema Order { n: number }\nstream s from topic \"t\" key string value json Ordr\nsink s to topic \"u\"\n", at: "Ordr", message: "unknown schema 'Ordr'", hint: "did you mean 'Order'?" },
  { code: "WEIR2003", source: `stream big = zzz | where amount > 1\nsink big to topic "b"\n${sinkAll}`, at: "zzz", message: "unknown stream or table 'zzz'", hint: "the streams and tables of this file are orders, lines and big" },
  { code: "WEIR2004", bare: true, source: "application a\nschema E { n: numbr }\nstream s from topic \"t\" key string value json E\nsink s to topic \"u\"\n", at: "numbr", message: "unknown type 'numbr'", hint: "did you mean 'number'?" },
  { code: "WEIR2004", bare: true, source: "application a\nschema Order { n: number }\nstream s from topic \"t\" key string value json Zzz\nsink s to topic \"u\"\n", at: "Zzz", message: "unknown schema 'Zzz'", hint: "the schemas of this file are Order" },
  { code: "WEIR2005", source: `stream big = orders | where amont > 1\nsink big to topic "b"\n${sinkAll}`, at: "amont", message: "unknown name 'amont' in an Order record", hint: "did you mean 'amount'?" },
  { code: "WEIR2005", source: `stream big = lines | where length(valeu) > 1\nsink big to topic "b"\n${sinkAll}`, at: "valeu", message: "unknown name 'valeu' here: the value is a string, not a record", hint: "did you mean 'value'?" },
  { code: "WEIR2005", source: `stream big = orders | where zzz > 1\nsink big to topic "b"\n${sinkAll}`, at: "zzz", message: "unknown name 'zzz' in an Order record", hint: "its fields are id, customerId, amount, ts, note, items; every record also has key, value and timestamp" },
  { code: "WEIR2009", bare: true, source: "application a\nimport { riskScor } from \"./udfs.ts\"\n", at: "riskScor", message: "'./udfs.ts' does not export a function named 'riskScor'", hint: "did you mean 'riskScore'?" },
  { code: "WEIR2009", bare: true, source: "application a\nimport { notAFunction } from \"./udfs.ts\"\n", at: "notAFunction", message: "'./udfs.ts' does not export a function named 'notAFunction'", hint: /^it is not a function; export it as a function/ },
  { code: "WEIR2011", bare: true, source: "application a\nschema E { at: number, id: string }\nstream s from topic \"t\" key string value json E event time tz\nsink s to topic \"u\"\n", at: "tz", message: "an E record has no field 'tz'", hint: "its fields are at, id" },
  { code: "WEIR4005", source: `table total = orders | group by customerId | aggregate { n: summ(amount) }\nsink total to topic "b"\n${sinkAll}`, at: "summ(amount)", message: "the field 'n' of 'aggregate' must be an aggregate function call", hint: "did you mean 'sum'?" },
  { code: "WEIR2006", source: `stream big = orders | select lowr(id)\nsink big to topic "b"\n${sinkAll}`, at: "lowr", message: "unknown function 'lowr'", hint: "did you mean 'lower'?" },
  { code: "WEIR2006", source: `stream big = orders | select summ(amount)\nsink big to topic "b"\n${sinkAll}`, at: "summ", message: "unknown function 'summ'", hint: "did you mean 'sum'? it is an aggregate function: use it inside 'aggregate { ... }' after 'group by'" },
  { code: "WEIR2006", source: `stream big = orders | select avg(amount)\nsink big to topic "b"\n${sinkAll}`, at: "avg", message: "unknown function 'avg'", hint: "'avg' is an aggregate function: use it inside 'aggregate { ... }' after 'group by'" },
  { code: "WEIR2006", source: `stream big = orders | select zzzzz(amount)\nsink big to topic "b"\n${sinkAll}`, at: "zzzzz", message: "unknown function 'zzzzz'", hint: 'the imported functions are riskScore, tags and maybeName; or import it from a TypeScript module: import { NAME } from "./functions.ts"' },
  { code: "WEIR2007", source: `stream big = orders | select { id, id: customerId }\nsink big to topic "b"\n${sinkAll}`, at: "id", message: "field 'id' appears twice" },
  { code: "WEIR2008", bare: true, source: "application a\nimport { f } from \"./missing.ts\"\n", at: "\"./missing.ts\"", message: "cannot find the module './missing.ts'" },
  { code: "WEIR2009", bare: true, source: "application a\nimport { notThere } from \"./udfs.ts\"\n", at: "notThere", message: "'./udfs.ts' does not export a function named 'notThere'" },
  { code: "WEIR2010", bare: true, source: "application a\nimport { fetchRate } from \"./udfs.ts\"\n", at: "fetchRate", message: /cannot be called from weir: it returns a Promise/ },
  { code: "WEIR2011", source: `stream big = orders | select { id } | where value.ids == "x"\nsink big to topic "b"\n${sinkAll}`, at: "ids", message: "a record { id: string } has no field 'ids'", hint: "did you mean 'id'?" },
  { code: "WEIR2012", bare: true, source: "application a\nimport { lower } from \"./udfs.ts\"\n", at: "lower", message: "the import 'lower' has the name of a built-in function" },
  { code: "WEIR2013", source: `stream loop = loop | where amount > 1\nsink loop to topic "b"\n${sinkAll}`, at: "loop", message: "'loop' reads from itself" },
  { code: "WEIR2014", source: `stream big = orders | select window.start\nsink big to topic "b"\n${sinkAll}`, at: "window", message: "there is no window here: 'window' is known only in the records of a windowed table", hint: /window tumbling 1 minute/ },
  { code: "WEIR2015", source: `stream big = orders | select { __proto__: amount }\nsink big to topic "b"\n${sinkAll}`, at: "__proto__", message: "'__proto__' cannot be a field name: JavaScript objects reserve it" },
  { code: "WEIR2016", source: `table customers from topic "customers" key string value json\nstream big = orders | select { id, name: customers.name }\nsink big to topic "b"\nsink customers to topic "c"\n${sinkAll}`, at: "customers", message: "the table 'customers' is not joined here", hint: /join customers/ },
  { code: "WEIR3019", source: `table customers from topic "customers" key string value json\nstream big = orders | rekey amount | join customers\nsink big to topic "b"\n${sinkAll}`, at: "customers", message: "the stream's key is a number, but the table 'customers' is keyed by a string", hint: /rekey customerId \| join customers/ },
  { code: "WEIR3030", source: `stream big = orders | where amount != null\nsink big to topic "b"\n${sinkAll}`, at: "!=", message: "this is never null (a number): the comparison is always true", hint: /^only a field declared with '\?'/ },
  { code: "WEIR3030", source: `stream big = orders | where note != null and note == null\nsink big to topic "b"\n${sinkAll}`, at: "==", message: "this is never null (a string): the comparison is always false", hint: "an earlier null check already tells that it is not null" },
  { code: "WEIR3040", source: `table customers from topic "customers" key string value json\ntable spend = orders | group by amount | count\ntable both = customers | join spend\nsink both to topic "b"\n${sinkAll}`, at: "spend", message: "a table-table join of tables keyed differently: 'customers' is keyed by a string, 'spend' by a number", hint: /key both tables alike/ },
  { code: "WEIR4050", source: `table perMinute = orders | group by customerId | window tumbling 1 minute | count\nstream big = orders | rekey customerId | join perMinute\nsink big to topic "b"\n${sinkAll}`, at: "perMinute", message: "'perMinute' is a windowed table: it cannot be joined or transformed as a table (its rows are per key and window)", hint: /stream perMinuteChanges = perMinute/ },
  { code: "WEIR4051", source: `table customers from topic "customers" key string value json\ntable byCity = customers | rekey value.city\nsink byCity to topic "b"\n${sinkAll}`, at: "rekey value.city", message: "'rekey' cannot be applied to a table: a table has one row per key, and this would change its keys", hint: /group by EXPR \| aggregate/ },
  { code: "WEIR4052", source: `table customers from topic "customers" key string value json\ntable addresses from topic "addresses" key string value json\ntable both = customers | where value.tier == "gold" | join addresses\nsink both to topic "b"\n${sinkAll}`, at: "join addresses", message: "a table-table join must be the first step of a table's pipeline", hint: /table customersFiltered = customers/ },
  { code: "WEIR4053", source: `table customers from topic "customers" key string value json\ntable addresses from topic "addresses" key string value json\ntable both = customers | outer join addresses | where addresses.city != "Oslo"\nsink both to topic "b"\n${sinkAll}`, at: "outer join addresses", message: "a table made by an outer join needs a 'select' after the join: a row may have no value of its own", hint: /select \{/ },
  { code: "WEIR4054", source: `table customers from topic "customers" key string value json\ntable spend = orders | group by customerId | count\ntable both = customers | join spend\nsink both to topic "b"\n${sinkAll}`, at: "spend", message: "the tables 'customers' (string keys) and 'spend' (json keys) are partitioned by keys encoded differently", hint: /same key format/ },
  { code: "WEIR4060", source: `table customers from topic "customers" key string value json\nstream big = orders | join customers on customerId\nsink big to topic "b"\n${sinkAll}`, at: "join customers on customerId", message: "a join 'on' an expression is not supported yet", hint: /join TABLE/ },
  { code: "WEIR3041", source: `table customers from topic "customers" key string value json\ntable byOrder = orders | group by id | aggregate { amount: latest(amount) }\ntable big = byOrder | join customers on amount\nsink big to topic "b"\n${sinkAll}`, at: "amount", message: "the foreign key is a number, but the table 'customers' is keyed by a string", hint: /on customerId/ },
  { code: "WEIR4055", source: `table customers from topic "customers" key string value json\ntable byOrder = orders | group by id | aggregate { customerId: latest(customerId) }\ntable big = byOrder | outer join customers on customerId\nsink big to topic "b"\n${sinkAll}`, at: "outer join customers on customerId", message: "a foreign-key join cannot be an outer join: its rows are the left table's", hint: /left join customers on/ },
  { code: "WEIR2021", source: `stream a = b | where amount > 1\nstream b = a | where amount > 2\nsink a to topic "a"\nsink b to topic "b"\n${sinkAll}`, at: "a", message: "'a' reads from itself through other streams: a → b → a", hint: /without coming back/ },
  { code: "WEIR2021", source: `stream a = orders | merge big\nbranch a { big: amount > 1, rest: else }\nsink rest to topic "r"\n${sinkAll}`, at: "a", message: "'a' reads from itself through other streams: a → big → a" },
  { code: "WEIR2020", source: `stream all = orders | merge orders\nsink all to topic "b"\n${sinkAll}`, at: "orders", message: "'orders' is merged twice into this stream", hint: /declare a second stream/ },
  { code: "WEIR3020", source: `stream byAmount = orders | rekey amount\nstream all = orders | merge byAmount\nsink all to topic "b"\n${sinkAll}`, at: "byAmount", message: "the key of 'byAmount' is a number, but this stream's key is a string: merged streams must have one key type", hint: /rekey one of them/ },
  { code: "WEIR3021", source: `stream all = lines | merge orders\nsink all to topic "b"\n${sinkAll}`, at: "orders", message: /^the value of 'orders' is an Order record, but this stream's value is a string/, hint: /select the same fields/ },
  { code: "WEIR4024", source: `table counts = orders | group by customerId | count\nstream all = orders | rekey customerId | merge counts\nsink all to topic "b"\nsink counts to topic "c"\n${sinkAll}`, at: "counts", message: "'counts' is a table: 'merge' needs a stream", hint: /stream countsChanges = counts/ },
  { code: "WEIR4024", source: `table counts = orders | group by customerId | count\nbranch counts { big: value > 1, rest: else }\nsink big to topic "b"\nsink rest to topic "r"\nsink counts to topic "c"\n${sinkAll}`, at: "counts", message: "'counts' is a table: 'branch' needs a stream" },
  { code: "WEIR4025", source: `branch orders {}\n${sinkAll}`, at: "branch orders {}", message: "'branch' needs at least one arm: 'NAME: CONDITION' or 'NAME: else'", hint: /branch orders \{ big: amount > 100, small: else \}/ },
  { code: "WEIR4026", source: `branch orders { rest: else, big: amount > 1 }\nsink rest to topic "r"\nsink big to topic "b"\n${sinkAll}`, at: "rest: else", message: "the 'else' arm 'rest' must be the last: the arms after it would never receive a record" },
  { code: "WEIR4027", source: `table perMinute = orders | group by customerId | window tumbling 1 minute | aggregate { n: count() }\nstream windows = perMinute | where n > 0\nstream all = orders | select { n: amount } | merge windows\nsink all to topic "b"\n${sinkAll}`, at: "windows", message: "'windows' carries windows and this stream does not (or the other way round): they cannot be merged", hint: /window.start/ },
  { code: "WEIR3002", source: `branch orders { big: amount, rest: else }\nsink big to topic "b"\nsink rest to topic "r"\n${sinkAll}`, at: "amount", message: "the condition of the arm 'big' must be a boolean, but this is a number" },
  { code: "WEIR4012", source: `stream once = orders | dedup by id within 0s\nsink once to topic "b"\n${sinkAll}`, at: "0s", message: "the dedup window must be longer than 0, but it is 0 s" },
  { code: "WEIR2002", source: `branch orders { big: amount > 1, big: else }\nsink big to topic "b"\n${sinkAll}`, at: "big", message: "'big' is already declared" },
  { code: "WEIR4006", source: `table total = orders | group by customerId | count\ntable once = total | dedup within 1 min\nsink once to topic "b"\n${sinkAll}`, at: "dedup within 1 min", message: "'dedup' on a table is not supported yet", hint: /declare 'once' as a stream/ },
  { code: "WEIR2021", source: `stream a = orders | join b within 1 min\nstream b = a | where amount > 1\nsink b to topic "b"\n${sinkAll}`, at: "a", message: "'a' reads from itself through other streams: a → b → a" },
  { code: "WEIR4022", source: `stream big = orders | join lines\nsink big to topic "b"\n${sinkAll}`, at: "lines", message: "'lines' is a stream: joining a stream needs a time window ('within')", hint: /^'within' is required for stream-stream joins: '\| join lines within 5 minutes'.*table lines from topic/ },
  { code: "WEIR3035", source: `stream big = orders | rekey amount | join lines within 5 min\nsink big to topic "b"\n${sinkAll}`, at: "lines", message: "the stream's key is a number, but the stream 'lines' is keyed by a string", hint: /rekey .* \| join lines within/ },
  { code: "WEIR4040", source: `table customers from topic "customers" key string value json\nstream big = orders | left join customers within 5 min\nsink big to topic "b"\n${sinkAll}`, at: "5 min", message: "'within' belongs to joins of two streams, but 'customers' is a table", hint: "a stream joins a table on the key, with the table's value as of each record: '| left join customers' without 'within'" },
  { code: "WEIR4041", source: `stream big = orders | join orders within 5 min\nsink big to topic "b"\n${sinkAll}`, at: "orders", message: "'orders' cannot be joined with itself", hint: /join two streams derived from it/ },
  { code: "WEIR4012", source: `stream big = orders | join lines within 0 ms\nsink big to topic "b"\n${sinkAll}`, at: "0 ms", message: "the join window ('within') must be longer than 0, but it is 0 ms", hint: /at most this far apart/ },
  { code: "WEIR4013", source: `stream big = orders | outer join lines within 1 min grace -1 s\nsink big to topic "b"\n${sinkAll}`, at: "-1 s", message: "the grace period cannot be negative, but it is -1 s", hint: /closes a join window/ },
  { code: "WEIR4060", source: `table customers from topic "customers" key string value json\nstream both = orders | outer join customers\nsink both to topic "b"\nsink customers to topic "c"\n${sinkAll}`, at: "outer join customers", message: "an outer join is not supported yet", hint: /join TABLE/ },
  { code: "WEIR2012", bare: true, source: "application a\nimport { max } from \"./udfs.ts\"\n", at: "max", message: "the import 'max' has the name of a built-in function" },
  { code: "WEIR2025", bare: true, source: "application a\nimport { addReturnsText } from \"./udfs.ts\"\n", at: "addReturnsText", message: "the aggregate 'addReturnsText' cannot be used from weir: 'add' must return the accumulator (a number), as 'init' does", hint: /init: \(\): A/ },
  { code: "WEIR2026", source: `import { top3 } from "./udfs.ts"\nstream big = orders | select top3(amount)\nsink big to topic "b"\n${sinkAll}`, at: "top3", message: "'top3' is an aggregate: it folds many records into one value, so it is used inside 'aggregate { ... }'", hint: /aggregate \{ top3: top3\(\.\.\.\) \}/ },
  { code: "WEIR4030", source: `import { top3 } from "./udfs.ts"\ntable t = orders | group by customerId | window session 5 minutes | aggregate { best: top3(amount) }\nsink t to topic "b"\n${sinkAll}`, at: "top3", message: "the aggregate 'top3' has no 'merge', which a session window needs: sessions merge when a record bridges them", hint: /merge: \(earlier: A, later: A\) => A/ },
  { code: "WEIR2005", source: `stream big = orders | where amount > 1\nsink big to topic bigOrders\n${sinkAll}`, at: "bigOrders", message: "unknown name 'bigOrders' after 'to topic'", hint: 'a fixed topic is a string: to topic "bigOrders"' },
  { code: "WEIR3025", source: `stream big = orders | where amount > 1\nsink big to topic amount\n${sinkAll}`, at: "amount", message: "the topic a sink writes to must be a string, but this is a number", hint: /toString/ },
  { code: "WEIR3026", source: `stream big = orders | where amount > 1\nsink big to topic "big" headers { id, amount }\n${sinkAll}`, at: "amount", message: "the header 'amount' must be a string (or null, which leaves it out), but this is a number", hint: "headers are text: toString(EXPR)" },
  { code: "WEIR4016", source: `table t = orders | group by customerId | window sliding 1 minute advance 30 s | count\nsink t to topic "b"\n${sinkAll}`, at: "30 s", message: "'advance' belongs to hopping windows, not sliding windows", hint: /placed by the records themselves/ },
  { code: "WEIR4012", source: `table t = orders | group by customerId | window sliding 0 s | count\nsink t to topic "b"\n${sinkAll}`, at: "0 s", message: "the time difference must be longer than 0, but it is 0 s" },
  { code: "WEIR4019", source: `sink orders to topic "shop-orders-changelog"\nsink lines to topic "l"\n`, at: '"shop-orders-changelog"', message: '"shop-orders-changelog" is one of this application\'s own topics (changelog, repartition or dead letters)' },
  { code: "WEIR4020", source: `stream again from topic "orders" key string value string\nsink again to topic "a"\n${sinkAll}`, at: '"orders"', message: 'the topic "orders" is already read by \'orders\'', hint: /stream again = orders/ },
  { code: "WEIR4021", source: `${sinkAll}sink lines to topic "l"\n`, at: 'sink lines to topic "l"', message: '\'lines\' is already written to "l"' },
  { code: "WEIR3001", source: `stream big = orders | select amount - id\nsink big to topic "b"\n${sinkAll}`, at: "id", message: "'-' needs numbers, but this is a string" },
  { code: "WEIR3001", source: `stream big = orders | select { total: amount + note }\nsink big to topic "b"\n${sinkAll}`, at: "note", message: "'+' needs numbers, but this is a string or null", hint: /^'\+' adds two numbers or joins two strings: toString\(EXPR\)/ },
  { code: "WEIR3001", source: `table t = orders | group by customerId | sum id\nsink t to topic "b"\n${sinkAll}`, at: "id", message: "'sum' needs a number, but this is a string", hint: "if the text holds a number, read it with toNumber(id); to count records, use count()" },
  { code: "WEIR3002", source: `stream big = orders | where amount\nsink big to topic "b"\n${sinkAll}`, at: "amount", message: "the condition of 'where' must be a boolean, but this is a number" },
  { code: "WEIR3002", source: `stream big = orders | where note\nsink big to topic "b"\n${sinkAll}`, at: "note", message: "the condition of 'where' must be a boolean, but this is a string or null", hint: "to keep the records that have it: note != null" },
  { code: "WEIR3003", source: `stream big = orders | select riskScore(amount)\nsink big to topic "b"\n${sinkAll}`, at: "riskScore(amount)", message: "'riskScore' takes 2 arguments, but is given 1" },
  { code: "WEIR3004", source: `stream big = orders | select riskScore(id, customerId)\nsink big to topic "b"\n${sinkAll}`, at: "id", message: "argument 1 of 'riskScore' must be a number, but this is a string" },
  { code: "WEIR3004", source: `table t = orders | group by customerId | aggregate { total: sum(id) }\nsink t to topic "b"\n${sinkAll}`, at: "id", message: "argument 1 of 'sum' must be a number, but this is a string", hint: /toNumber\(id\)/ },
  { code: "WEIR3004", source: `stream big = orders | select coalesce(note, 0)\nsink big to topic "b"\n${sinkAll}`, at: "0", message: "argument 2 of 'coalesce' must be a string, like the value, but this is a number" },
  { code: "WEIR3004", source: `stream big = orders | select upper(amount)\nsink big to topic "b"\n${sinkAll}`, at: "amount", message: "argument 1 of 'upper' must be a string, but this is a number", hint: "toString(amount) makes text of it" },
  { code: "WEIR3004", source: `stream big = orders | select toNumber(amount)\nsink big to topic "b"\n${sinkAll}`, at: "amount", message: "argument 1 of 'toNumber' must be a string, but this is a number", hint: "it is a number already: use it as it is" },
  { code: "WEIR3005", source: `stream big = lines | flatmap lower(value)\nsink big to topic "b"\n${sinkAll}`, at: "lower(value)", message: "flatmap needs a list, but this is a string" },
  { code: "WEIR3006", source: `stream big = orders | select upper(note)\nsink big to topic "b"\n${sinkAll}`, at: "note", message: "'note' may be null (a string or null)", hint: /coalesce/ },
  { code: "WEIR3006", source: `stream big = orders | select upper(lower(maybeName(id)))\nsink big to topic "b"\n${sinkAll}`, at: "maybeName(id)", message: "this may be null (a string or null)", hint: "give a default: coalesce(EXPR, DEFAULT)" },
  { code: "WEIR3007", source: `stream big = orders | where amount == id\nsink big to topic "b"\n${sinkAll}`, at: "==", message: "cannot compare a number with a string using '=='" },
  { code: "WEIR3007", source: `stream big = orders | where amount > "10"\nsink big to topic "b"\n${sinkAll}`, at: ">", message: "cannot compare a number with a string using '>'", hint: /^compare like with like: toNumber\(EXPR\)/ },
  { code: "WEIR3008", bare: true, source: "application a\nschema E { at: string }\nstream s from topic \"t\" key string value json E event time at\nsink s to topic \"u\"\n", at: "at", message: /the event time field 'at' must be a number or timestamp/ },
  { code: "WEIR3009", bare: true, source: "application a\nstream s from topic \"t\" key string value string event time ts\nsink s to topic \"u\"\n", at: "ts", message: /event time needs a value format of 'json SCHEMA'/ },
  { code: "WEIR3010", source: `stream big = orders | select amount\nsink big to topic "b" value string\n${sinkAll}`, at: "string", message: "the value format 'string' needs a string value, but the value is a number" },
  { code: "WEIR3011", source: `stream big = orders | select id.first\nsink big to topic "b"\n${sinkAll}`, at: "first", message: "cannot read the field 'first' of a string" },
  { code: "WEIR3012", source: `stream big = orders | select id[0]\nsink big to topic "b"\n${sinkAll}`, at: "id", message: "only a list can be indexed, but this is a string" },
  { code: "WEIR3013", source: `stream big = orders | select if amount > 1 then "big" else 0\nsink big to topic "b"\n${sinkAll}`, at: 'if amount > 1 then "big" else 0', message: "the branches of 'if' have different types: string and number" },
  { code: "WEIR3014", source: `stream big = orders | select [id, amount]\nsink big to topic "b"\n${sinkAll}`, at: "amount", message: "list elements must have one type, but they are string and number" },
  { code: "WEIR3015", source: `stream big = lines | flatmap extractAll(value, "[a-z")\nsink big to topic "b"\n${sinkAll}`, at: '"[a-z"', message: /invalid regular expression/ },
  { code: "WEIR3016", source: `stream big = orders | select { id }\nsink big to topic "b" value json Order\n${sinkAll}`, at: "json Order", message: "the value does not match the schema 'Order': the field 'customerId' is missing", hint: /build one that matches with '\| select \{ \.\.\. \}', or write plain JSON: 'value json'/ },
  { code: "WEIR3017", source: `table t = orders | group by customerId | window tumbling 1 minuts | count\nsink t to topic "b"\n${sinkAll}`, at: "minuts", message: "unknown unit of time 'minuts'", hint: "did you mean 'minute'?" },
  { code: "WEIR3018", source: `table t = orders | group by customerId | window tumbling 0.5 ms | count\nsink t to topic "b"\n${sinkAll}`, at: "0.5 ms", message: "a duration must be a whole number of milliseconds, but 0.5 ms is not" },
  { code: "WEIR4001", source: `table total = orders | count\nsink total to topic "b"\n${sinkAll}`, at: "count", message: "'count' needs a grouped stream", hint: /group by key/ },
  { code: "WEIR4002", source: `stream big = orders | group by customerId | where amount > 1\nsink big to topic "b"\n${sinkAll}`, at: "group by customerId", message: "'group by' must be followed by an aggregation (count, sum or aggregate)" },
  { code: "WEIR4003", source: `table total = orders | group by customerId | count | where value > 1\nsink total to topic "b"\n${sinkAll}`, at: "where value > 1", message: "'where' cannot follow an aggregation in the same pipeline" },
  { code: "WEIR4004", source: `stream total = orders | group by customerId | count\nsink total to topic "b"\n${sinkAll}`, at: "total", message: "declared as a stream, but this pipeline makes a table", hint: /table total = / },
  { code: "WEIR4005", source: `table total = orders | group by customerId | aggregate { n: amount }\nsink total to topic "b"\n${sinkAll}`, at: "amount", message: "the field 'n' of 'aggregate' must be an aggregate function call" },
  { code: "WEIR4006", source: `table total = orders | group by customerId | count\ntable big = total | group by value | count\nsink big to topic "b"\n${sinkAll}`, at: "group by value", message: "'group by' on a table is not supported yet" },
  { code: "WEIR4007", source: `sink orders to topic "orders"\nsink lines to topic "l"\n`, at: '"orders"', message: 'the topology reads the topic "orders" that this sink writes to' },
  { code: "WEIR4008", source: `stream idle = orders | where amount > 1\n${sinkAll}`, at: "idle", message: "'idle' is never used: nothing reads it and no sink writes it" },
  { code: "WEIR4009", source: `table total = orders | group by customerId | aggregate { }\nsink total to topic "b"\n${sinkAll}`, at: "{ }", message: "'aggregate' needs at least one field" },
  { code: "WEIR4010", source: `table t = orders | window tumbling 1 minute | count\nsink t to topic "b"\n${sinkAll}`, at: "window tumbling 1 minute", message: "'window' needs a grouped stream: windows are per key", hint: /group by customerId/ },
  { code: "WEIR4011", source: `stream t = orders | group by customerId | window tumbling 1 minute | where amount > 1\nsink t to topic "b"\n${sinkAll}`, at: "window tumbling 1 minute", message: "'window' must be followed by an aggregation (count, sum or aggregate)" },
  { code: "WEIR4012", source: `table t = orders | group by customerId | window tumbling 0 s | count\nsink t to topic "b"\n${sinkAll}`, at: "0 s", message: "the window size must be longer than 0, but it is 0 s" },
  { code: "WEIR4013", source: `table t = orders | group by customerId | window tumbling 1 minute grace -5 s | count\nsink t to topic "b"\n${sinkAll}`, at: "-5 s", message: "the grace period cannot be negative, but it is -5 s", hint: /grace 0s/ },
  { code: "WEIR4014", source: `table t = orders | group by customerId | window hopping 1 minute advance 2 minutes | count\nsink t to topic "b"\n${sinkAll}`, at: "2 minutes", message: "the advance (2 minutes) is larger than the window size (1 minute): records between two windows would fall in none" },
  { code: "WEIR4015", source: `table t = orders | group by customerId | window hopping 5 minutes | count\nsink t to topic "b"\n${sinkAll}`, at: "window hopping 5 minutes", message: "a hopping window needs 'advance': how far each window starts after the previous one", hint: "for example: window hopping 5 minutes advance 1 minute" },
  { code: "WEIR4015", source: `table t = orders | group by customerId | window hopping 1 h | count\nsink t to topic "b"\n${sinkAll}`, at: "window hopping 1 h", message: "a hopping window needs 'advance': how far each window starts after the previous one", hint: "for example: window hopping 1 h advance 12 minutes" },
  { code: "WEIR4016", source: `table t = orders | group by customerId | window tumbling 1 minute advance 30 s | count\nsink t to topic "b"\n${sinkAll}`, at: "30 s", message: "'advance' belongs to hopping windows, not tumbling windows", hint: /window hopping SIZE advance STEP/ },
  { code: "WEIR4017", source: `table t = orders | group by customerId | window tumbling 1 minute emit final | count\nsink t to topic "b"\n${sinkAll}`, at: "emit final", message: "'emit final' needs an explicit grace period: it decides when the one result of each window is written", hint: /grace 0s/ },
  { code: "WEIR4018", source: `table t = lines | group by value | window tumbling 1 minute | count\nsink t to topic "b"\n${sinkAll}`, at: "window tumbling 1 minute", message: "'lines' declares no event time: these windows use the timestamps its records have on the topic", hint: /event time FIELD/ },
];

/** The text of a case's file. */
export function caseSource(testCase: Case): string {
  return testCase.bare ? testCase.source : header + testCase.source;
}
