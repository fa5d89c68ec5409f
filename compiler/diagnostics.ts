// Every diagnostic weir can report, with its stable code and severity.
// Codes never change meaning once released: tools and docs refer to them.
//   WEIR1xxx  lexing and parsing
//   WEIR2xxx  names: declarations, references, imports
//   WEIR3xxx  types of expressions, formats and event time
//   WEIR4xxx  the shape of pipelines: grouping, aggregation, tables, sinks
import type { Node, SourceRange } from "../grammar/ast.ts";

export type Severity = "error" | "warning";

export interface RelatedInformation {
  readonly message: string;
  readonly file: string;
  readonly start: number;
  readonly length: number;
}

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly file: string;
  /** Character offset into the file; turned into line:column only when printed. */
  readonly start: number;
  readonly length: number;
  readonly hint?: string;
  readonly related?: readonly RelatedInformation[];
}

interface DiagnosticDefinition<Args extends unknown[]> {
  readonly code: string;
  readonly severity: Severity;
  readonly message: (...args: Args) => string;
  /** What the diagnostic means and what to do, for docs/diagnostics.md (generated from this catalogue). */
  readonly explanation?: string;
}

function define<Args extends unknown[]>(code: string, severity: Severity, message: (...args: Args) => string, explanation?: string): DiagnosticDefinition<Args> {
  return { code, severity, message, ...(explanation !== undefined ? { explanation } : {}) };
}

const q = (text: string): string => `'${text}'`;

export const diagnostics = {
  // lexing and parsing
  unexpectedCharacter: define("WEIR1001", "error", (message: string) => message,
    "The text has a character that is no part of weir's syntax (outside a string or a comment), a string that is not well formed (a bad escape, no closing quote on its line) or a comment that never closes.",
  ),
  syntaxError: define("WEIR1002", "error", (message: string) => message,
    "The tokens do not follow the grammar: the message says what was expected where. When a word was found where a keyword belongs (a step, a kind of window, a declaration, a format), the hint names the keyword it is closest to, or the one it is another name for (Kafka Streams' `filter` is `where`, `map` is `select`). Comparisons do not chain (`a < b < c`, `a > 1 in [...]`): the message says so at the second one. Parsing recovers, so every broken declaration is reported; nothing is checked further until the file parses.",
  ),

  // names
  missingApplication: define("WEIR2001", "error", () => "a topology file must start with 'application NAME'",
    "Every file starts with `application NAME`: the name is the application id, the consumer group and the prefix of every internal topic, so weir will not guess it.",
  ),
  duplicateDeclaration: define("WEIR2002", "error", (name: string) => `${q(name)} is already declared`,
    "Schemas, streams, tables and imports share one namespace: each name is declared once.",
  ),
  unknownCollection: define("WEIR2003", "error", (name: string) => `unknown stream or table ${q(name)}`,
    "A pipeline, a join or a sink names a stream or table that is not declared in the file. The hint suggests the closest name, or lists the streams and tables there are.",
  ),
  /** `type`: the name stands for a field's type, where it could also have been a primitive type. */
  unknownSchema: define("WEIR2004", "error", (name: string, what: "schema" | "type") => `unknown ${what} ${q(name)}`,
    "A format (`json NAME`) or a field's type names a schema that is not declared. In a field's type, the built-in types are suggested too (`numbr` is `number`).",
  ),
  unknownName: define("WEIR2005", "error", (name: string, where: string) => `unknown name ${q(name)} ${where}`,
    "A name in an expression is none of `key`, `value`, `timestamp` (nor `window` in a windowed table, nor a table joined just before) and not a field of the value. The hint suggests the closest field or lists the fields.",
  ),
  unknownFunction: define("WEIR2006", "error", (name: string) => `unknown function ${q(name)}`,
    "A call names neither a built-in function nor an imported one. An aggregate function (`sum`, `avg`, ...) outside `aggregate { ... }` is one too; the hint says where it belongs.",
  ),
  duplicateField: define("WEIR2007", "error", (name: string) => `field ${q(name)} appears twice`,
    "A schema or a record (`select { ... }`, `aggregate { ... }`) has two fields with one name.",
  ),
  moduleNotFound: define("WEIR2008", "error", (module: string) => `cannot find the module ${q(module)}`,
    "The module of an `import` does not exist; its path is relative to the `.weir` file.",
  ),
  importNotFound: define("WEIR2009", "error", (name: string, module: string) => `${q(module)} does not export a function named ${q(name)}`,
    "The module exists but does not export a function by that name. The hint suggests the closest exported function, or lists them.",
  ),
  unsupportedImportType: define("WEIR2010", "error", (name: string, detail: string) => `the function ${q(name)} cannot be called from weir: ${detail}`,
    "The imported function's signature has a type weir cannot pass or receive: weir passes strings, numbers, booleans, lists, maps (`Record<string, T>`) and plain records (and null), and calls functions synchronously, so a function returning a Promise is refused. A `Date` is refused too: a weir `timestamp` is a number of epoch milliseconds (as in JSON), so a function returns `date.getTime()` and takes the number; objects with methods (a `Map`, a class instance) are not plain records.",
  ),
  unknownField: define("WEIR2011", "error", (name: string, type: string) => `${type} has no field ${q(name)}`,
    "A field is read (`value.field`, `address.city`, `event time FIELD`) that the record does not have. The hint suggests the closest field or lists them.",
  ),
  importShadowsBuiltin: define("WEIR2012", "error", (name: string) => `the import ${q(name)} has the name of a built-in function`,
    "An import has the name of a built-in function: a call could then mean either.",
  ),
  selfReference: define("WEIR2013", "error", (name: string) => `${q(name)} reads from itself`,
    "A pipeline reads from the collection it declares.",
  ),
  cyclicReference: define("WEIR2021", "error", (name: string, cycle: string) => `${q(name)} reads from itself through other streams: ${cycle}`,
    "Streams and tables read from each other in a circle (through pipelines' inputs, merges, branches or joins): no record could ever enter the circle first.",
  ),
  mergedTwice: define("WEIR2020", "error", (name: string) => `${q(name)} is merged twice into this stream`,
    "A stream is named twice in one `merge` (or is the pipeline's input and merged too), maybe under another name (`stream copy = NAME` is the same stream): each of its records would be there twice.",
  ),
  unsupportedAggregate: define("WEIR2025", "error", (name: string, detail: string) => `the aggregate ${q(name)} cannot be used from weir: ${detail}`,
    "An imported object with `init` and `add` is read as a user aggregate, and its TypeScript types must fit: `init(): A`, `add(acc: A, ...args): A` (optionally `merge(a: A, b: A): A`, `subtract(acc: A, ...args): A` and `result(acc: A): R`), with A, the arguments and R weir types.",
  ),
  aggregateCalledAsFunction: define("WEIR2026", "error", (name: string) => `${q(name)} is an aggregate: it folds many records into one value, so it is used inside 'aggregate { ... }'`,
    "A user aggregate is called like a function outside `aggregate { ... }`, where there are no records to fold.",
  ),
  reservedFieldName: define("WEIR2015", "error", (name: string) => `${q(name)} cannot be a field name: JavaScript objects reserve it`,
    "`__proto__` cannot be a field name: JavaScript objects give it a meaning of their own.",
  ),
  tableNotJoined: define("WEIR2016", "error", (name: string) => `the table ${q(name)} is not joined here`,
    "A table's name is read in a step where it is not joined. A join brings the table's value into the steps after it, up to and including the first step that is not `where`.",
  ),
  noWindow: define("WEIR2014", "error", () => "there is no window here: 'window' is known only in the records of a windowed table",
    "`window` is known only in the records of a windowed table (a sink's `value` projection, a stream declared over that table): elsewhere there is no window.",
  ),

  // types
  operandType: define("WEIR3001", "error", (operator: string, expected: string, found: string) => `${q(operator)} needs ${expected}, but this is ${found}`,
    "An operator is given an operand of a type it does not take: arithmetic takes numbers, `+` also two strings, `and`/`or`/`not` booleans. The hint names the conversion when there is one (`toNumber`, `toString`).",
  ),
  notBoolean: define("WEIR3002", "error", (what: string, found: string) => `${what} must be a boolean, but this is ${found}`,
    "The condition of `where` or `if` is not a boolean. weir does not treat numbers, strings or null as true or false: compare the value.",
  ),
  argumentCount: define("WEIR3003", "error", (name: string, expected: string, found: number) => `${q(name)} takes ${expected}, but is given ${found}`,
    "A function is called with too few or too many arguments; the hint shows its parameters.",
  ),
  argumentType: define("WEIR3004", "error", (position: number, name: string, expected: string, found: string) => `argument ${position} of ${q(name)} must be ${expected}, but this is ${found}`,
    "An argument does not have the type the function takes: `sum(x)` over a string, `upper(x)` of a number, a fallback of `coalesce` of another type than the value.",
  ),
  notAList: define("WEIR3005", "error", (found: string) => `flatmap needs a list, but this is ${found}`,
    "`flatmap` makes one record per element of a list, so its expression must be a list (`split`, `extractAll` make lists of strings).",
  ),
  mayBeNull: define("WEIR3006", "error", (what: string, found: string) => `${what} may be null (${found})`,
    "A value that may be null (a field declared with `?`, the table of a `left join`, an index past a list's end) is used where a value is needed. Check it first \u2014 after `where x != null`, or on the right of `x != null and ...`, `x` is not null \u2014 or give a default with `coalesce(x, DEFAULT)`. (The aggregate functions take such a value as it is: they skip nulls.)",
  ),
  incomparable: define("WEIR3007", "error", (operator: string, left: string, right: string) => `cannot compare ${left} with ${right} using ${q(operator)}`,
    "Two values of different types are compared, or values that cannot be compared (`<` on booleans, `==` on records or lists). `==` and `!=` with `null` are always allowed.",
  ),
  eventTimeType: define("WEIR3008", "error", (field: string, found: string) => `the event time field ${q(field)} must be a number or timestamp (epoch milliseconds), but it is ${found}`,
    "The event time field must hold epoch milliseconds: a number or a timestamp.",
  ),
  eventTimeNeedsSchema: define("WEIR3009", "error", () => "event time needs a value format of 'json SCHEMA', so that the field's type is known",
    "`event time FIELD` needs to know the field's type, so the value must be read as `json SCHEMA`.",
  ),
  formatMismatch: define("WEIR3010", "error", (part: string, format: string, found: string) => `the ${part} format '${format}' needs a string ${part}, but the ${part} is ${found}`,
    "A `string` format writes text: the key or value written must be a string. Write it as JSON instead, or make text of it.",
  ),
  notARecord: define("WEIR3011", "error", (field: string, found: string) => `cannot read the field ${q(field)} of ${found}`,
    "A field is read (`.field`) of something that is not a record.",
  ),
  notIndexable: define("WEIR3012", "error", (found: string) => `only a list or a map can be indexed, but this is ${found}`,
    "Only a list (`tags[0]`, by position) or a map (`attributes[\"color\"]`, by key) can be indexed. A record's fields are read with a dot: `address.city`.",
  ),
  branchTypes: define("WEIR3013", "error", (thenType: string, elseType: string) => `the branches of 'if' have different types: ${thenType} and ${elseType}`,
    "The `then` and `else` of an `if` must have one type (either may be null: the result then may be null).",
  ),
  listElementTypes: define("WEIR3014", "error", (first: string, other: string) => `list elements must have one type, but they are ${first} and ${other}`,
    "The elements of a list literal must have one type.",
  ),
  invalidPattern: define("WEIR3015", "error", (detail: string) => `invalid regular expression: ${detail}`,
    "A regular expression given as a literal (to `matches`, `extractAll`) does not compile, with JavaScript's syntax.",
  ),
  mapKeyType: define("WEIR3070", "error", (found: string) => `the keys of a map are strings (a JSON object's keys are text), not ${found}`,
    "A `map<K, V>` field reads a JSON object with any fields, each a V. JSON object keys are always text, so K must be `string`: `map<string, number>`.",
  ),
  integerDivisionByZero: define("WEIR3071", "error", (operator: string) => `integer division by zero ('${operator} 0') has no result: every record would go to the dead-letter topic`,
    "Two integers divide as in Java and ksqlDB (truncating toward zero), and dividing by zero is an error for each record, which goes to the dead-letter topic. A literal `0` as the divisor is refused when the file is compiled.",
  ),
  sinkSchemaMismatch: define("WEIR3016", "error", (schema: string, detail: string) => `the value does not match the schema ${q(schema)}: ${detail}`,
    "A sink with `value json SCHEMA` validates what it writes: the records' value must have the schema's fields with their types.",
  ),
  unknownTimeUnit: define("WEIR3017", "error", (unit: string) => `unknown unit of time ${q(unit)}`,
    "A duration's unit is none of `ms`, `s`, `min`, `h`, `d` (each also spelt out, singular or plural). The hint suggests the closest unit, in the number that agrees with the amount.",
  ),
  durationNotWhole: define("WEIR3018", "error", (duration: string) => `a duration must be a whole number of milliseconds, but ${duration} is not`,
    "Durations are whole milliseconds: `0.5 ms` has no meaning for Kafka's timestamps.",
  ),
  neverNull: define("WEIR3030", "warning", (found: string, always: "true" | "false") => `this is never null (${found}): the comparison is always ${always}`,
    "A value that cannot be null is compared with `null` (a warning: the check does nothing, and probably means something else was meant). Only a field declared with `?`, the table of a `left join`, a list element past the end and a function that may return null can be null; after a null check, the value checked is not null any more. A key is not included: Kafka records may have a null key whatever its format.",
  ),
  tableJoinKeyType: define("WEIR3040", "error", (left: string, leftKey: string, right: string, rightKey: string) => `a table-table join of tables keyed differently: ${q(left)} is keyed by ${leftKey}, ${q(right)} by ${rightKey}`,
    "A table-table join matches keys, so both tables must be keyed by the same type.",
  ),
  foreignKeyType: define("WEIR3041", "error", (found: string, table: string, key: string) => `the foreign key is ${found}, but the table ${q(table)} is keyed by ${key}`,
    "The `on` expression of a foreign-key join computes the key of a row of the other table, so it must have that table's key type.",
  ),
  mergeKeyType: define("WEIR3020", "error", (name: string, key: string, expected: string) => `the key of ${q(name)} is ${key}, but this stream's key is ${expected}: merged streams must have one key type`,
    "The streams of a `merge` become one stream, so their keys must have one type.",
  ),
  mergeValueType: define("WEIR3021", "error", (name: string, value: string, expected: string) => `the value of ${q(name)} is ${value}, but this stream's value is ${expected}: merged streams must have one value type`,
    "The streams of a `merge` become one stream, so their values must have one type (a `select` on either side can make them alike).",
  ),
  topicNotString: define("WEIR3025", "error", (found: string) => `the topic a sink writes to must be a string, but this is ${found}`,
    "`to topic EXPR` picks the topic per record, so EXPR must be a string.",
  ),
  headerNotString: define("WEIR3026", "error", (name: string, found: string) => `the header ${q(name)} must be a string (or null, which leaves it out), but this is ${found}`,
    "Header values are written as UTF-8 text: each must be a string, or null to leave the header out.",
  ),
  streamJoinKeyType: define("WEIR3035", "error", (streamKey: string, other: string, otherKey: string) => `the stream's key is ${streamKey}, but the stream ${q(other)} is keyed by ${otherKey}`,
    "A stream-stream join matches records with equal keys, so both streams must be keyed by one type. Rekey one of them by the field that holds the other's key.",
  ),
  joinKeyType: define("WEIR3019", "error", (streamKey: string, table: string, tableKey: string) => `the stream's key is ${streamKey}, but the table ${q(table)} is keyed by ${tableKey}`,
    "A stream-table join matches the stream's key with the table's key, so they must have one type. Rekey the stream by the field that holds the table's key first.",
  ),

  // pipelines
  aggregateWithoutGroup: define("WEIR4001", "error", (step: string) => `${q(step)} needs a grouped stream`,
    "An aggregation (`count`, `sum`, `aggregate`) computes one value per key: it follows `group by` (`group by key` keeps the key).",
  ),
  groupWithoutAggregate: define("WEIR4002", "error", () => "'group by' must be followed by an aggregation (count, sum or aggregate)",
    "`group by` only chooses the key to aggregate by: an aggregation must follow it.",
  ),
  stepAfterAggregate: define("WEIR4003", "error", (step: string) => `${q(step)} cannot follow an aggregation in the same pipeline`,
    "An aggregation makes a table. In a table's pipeline, `where` and `select` may follow it (they filter and map the table it made, as SQL's HAVING); no other step may: declare a stream over the table to work on its changes.",
  ),
  collectionMismatch: define("WEIR4004", "error", (declared: string, actual: string) => `declared as a ${declared}, but this pipeline makes a ${actual}`,
    "A declaration says `stream` but its pipeline makes a table (it aggregates), or the other way round.",
  ),
  notAnAggregateCall: define("WEIR4005", "error", (field: string) => `the field ${q(field)} of 'aggregate' must be an aggregate function call`,
    "Each field of `aggregate { ... }` is one aggregate function call (`count()`, `sum(x)`, `avg(x)`, ...). The hint suggests the closest aggregate function.",
  ),
  tableTransform: define("WEIR4006", "error", (step: string) => `${q(step)} on a table is not supported yet`,
    "A table declared from a table would transform the table itself, which weir does not support yet; a stream declared over a table transforms its changes.",
  ),
  sinkLoop: define("WEIR4007", "error", (topic: string) => `the topology reads the topic "${topic}" that this sink writes to`,
    "A sink writes to a topic that the application reads: its own output would flow back into it, forever.",
  ),
  unusedCollection: define("WEIR4008", "warning", (name: string) => `${q(name)} is never used: nothing reads it and no sink writes it`,
    "A stream or table is declared but nothing reads it and no sink writes it (a warning: it costs nothing, but is probably a mistake).",
  ),
  emptyAggregate: define("WEIR4009", "error", () => "'aggregate' needs at least one field",
    "`aggregate { }` without a field computes nothing.",
  ),
  windowWithoutGroup: define("WEIR4010", "error", () => "'window' needs a grouped stream: windows are per key",
    "Windows are per key: a `window` step comes after `group by`.",
  ),
  windowWithoutAggregate: define("WEIR4011", "error", () => "'window' must be followed by an aggregation (count, sum or aggregate)",
    "A `window` step only says how to cut time: an aggregation must follow it.",
  ),
  durationNotPositive: define("WEIR4012", "error", (what: string, duration: string) => `${what} must be longer than 0, but it is ${duration}`,
    "A window's size, a session's gap, a hopping window's advance and a join window (its `before` and `after` together) must be longer than 0.",
  ),
  negativeGrace: define("WEIR4013", "error", (duration: string) => `the grace period cannot be negative, but it is ${duration}`,
    "A grace period is how long a window stays open after its end for late records: it cannot be negative (`grace 0s` closes windows at their end).",
  ),
  advanceLargerThanSize: define("WEIR4014", "error", (advance: string, size: string) => `the advance (${advance}) is larger than the window size (${size}): records between two windows would fall in none`,
    "A hopping window advancing by more than its size would leave gaps that no window covers.",
  ),
  hoppingWithoutAdvance: define("WEIR4015", "error", () => "a hopping window needs 'advance': how far each window starts after the previous one",
    "A hopping window needs `advance`: how far each window starts after the previous one.",
  ),
  advanceNotAllowed: define("WEIR4016", "error", (type: string) => `'advance' belongs to hopping windows, not ${type} windows`,
    "Only hopping windows have an advance: a tumbling window advances by its size, a session grows with its records.",
  ),
  emitFinalWithoutGrace: define("WEIR4017", "error", () => "'emit final' needs an explicit grace period: it decides when the one result of each window is written",
    "With `emit final`, the grace period decides when the one result of each window is written \u2014 a trade-off between latency and completeness that weir will not choose for you (Kafka Streams' `suppress` needs it too).",
  ),
  sinkToInternalTopic: define("WEIR4019", "error", (topic: string) => `"${topic}" is one of this application's own topics (changelog, repartition or dead letters)`,
    "A sink writes to one of the application's own topics (changelogs, repartition topics, the dead-letter topic), which weir writes and restores state from.",
  ),
  duplicateSource: define("WEIR4020", "error", (topic: string, other: string) => `the topic "${topic}" is already read by ${q(other)}`,
    "Two sources read one topic. Read it once, and derive the second stream from the first.",
  ),
  duplicateSink: define("WEIR4021", "error", (name: string, topic: string) => `${q(name)} is already written to "${topic}"`,
    "The same collection is written to the same topic twice.",
  ),
  needsStream: define("WEIR4024", "error", (name: string, what: string) => `${q(name)} is a table: ${what} needs a stream`,
    "`branch` and `merge` route records, which only a stream has; declare a stream over the table to route its changes.",
  ),
  emptyBranch: define("WEIR4025", "error", () => "'branch' needs at least one arm: 'NAME: CONDITION' or 'NAME: else'",
    "A `branch` declares one stream per arm, so it needs at least one.",
  ),
  elseNotLast: define("WEIR4026", "error", (name: string) => `the 'else' arm ${q(name)} must be the last: the arms after it would never receive a record`,
    "Arms are tried in order and the first that matches takes the record; `else` matches everything, so it must come last.",
  ),
  windowedMerge: define("WEIR4027", "error", (name: string) => `${q(name)} carries windows and this stream does not (or the other way round): they cannot be merged`,
    "The records of a windowed table's changes carry their window, and other records do not: one stream cannot hold both.",
  ),
  joinNotATable: define("WEIR4022", "error", (name: string, detail: string) => `${q(name)} is a stream: ${detail}`,
    "Two streams join only within a time window (`join OTHER within 5 minutes`): a stream has no latest value per key to look up. To look up the latest value per key, join a table. A table joins tables only: a stream joins a table, not the other way round.",
  ),
  sessionAggregateWithoutMerge: define("WEIR4030", "error", (name: string) => `the aggregate ${q(name)} has no 'merge', which a session window needs: sessions merge when a record bridges them`,
    "Session windows merge when a record fills the gap between two sessions, and the merged session's aggregate is made from theirs: a user aggregate used in a session window must export `merge`.",
  ),
  withinOnTableJoin: define("WEIR4040", "error", (name: string) => `'within' belongs to joins of two streams, but ${q(name)} is a table`,
    "A stream-table join looks the table up as of each record's time, and a table-table join joins current rows; a time window (`within`) belongs to joins of two streams.",
  ),
  selfJoin: define("WEIR4041", "error", (name: string) => `${q(name)} cannot be joined with itself`,
    "A stream joined with itself, also under another name (`stream copy = NAME` is the same stream), would pair every record with itself; to pair different records of one stream, join two streams derived from it with steps (`stream big = NAME | where amount > 100`).",
  ),
  windowedTableAsTable: define("WEIR4050", "error", (name: string) => `${q(name)} is a windowed table: it cannot be joined or grouped (its rows are per key and window)`,
    "A windowed table has one row per key and window, so it cannot be looked up by key: it cannot be joined, nor grouped as a table. It can be filtered and mapped as a table (`table busy = perMinute | where count > 3`), keeping its windows. Declare a stream over it to read its changes.",
  ),
  tableKeyChange: define("WEIR4051", "error", (step: string) => `${q(step)} cannot be applied to a table: a table has one row per key, and this would change its keys`,
    "`rekey` and `flatmap` change or multiply keys, which a table (one row per key) cannot do; re-key a table with `group by EXPR | aggregate ...` over a stream of its changes.",
  ),
  tableJoinNotFirst: define("WEIR4052", "error", () => "a table-table join must be the first step of a table's pipeline",
    "A table-table join reads both tables' stores, so it must come first; to join a filtered or mapped table, declare that table first and join it by name.",
  ),
  outerJoinWithoutSelect: define("WEIR4053", "error", (join: string, made: "table" | "stream", step?: string) =>
      step === undefined
        ? `a ${made} made by ${join === "outer join" ? "an" : "a"} ${join} needs a 'select' after the join: a ${made === "table" ? "row" : "record"} may have no value of its own`
        : `${q(step)} after ${join === "outer join" ? "an" : "a"} ${join} needs a 'select' before it: a record may have no value of its own`,
    "After a right or outer join, a table's row or a stream's record may exist because of the other side only: it has no value of its own (null), only the other side's, under its name. A `select` says what it holds. A table made by such a join needs one after the join. On a stream, such a record is no tombstone while `where`, further joins and `group by key` with its aggregation take it as it is (it is filtered, joined and counted); but written to a topic, by a sink or by the repartition of a `group by EXPR`, a `rekey` or a join, it would be a tombstone and its other side would be lost. Any other step (`rekey`, `group by EXPR`, `dedup`, `merge`, a join that repartitions) would write it to a topic or hand it on without the other side's name, and so would the end of the stream's pipeline: a `select` (or a `flatmap`, which also makes new values) must come before them.",
  ),
  tableJoinEncoding: define("WEIR4054", "error", (left: string, leftEncoding: string, right: string, rightEncoding: string) => `the tables ${q(left)} (${leftEncoding} keys) and ${q(right)} (${rightEncoding} keys) are partitioned by keys encoded differently`,
    "Two tables joined on the key must be partitioned alike: the same key bytes in the same partition. weir writes string keys as text and other keys as JSON (see \"Keys\" in docs/language.md), so tables keyed alike are encoded alike, unless a topic is read with `key json` (a key of unknown type) and the other table's keys are text. If the JSON-keyed topic holds plain text, read it with `key string`: text reads any key, so no record is lost.",
  ),
  foreignKeyOuterJoin: define("WEIR4055", "error", (join: string) => `a foreign-key join cannot be ${join === "outer join" ? "an" : "a"} ${join}: its rows are the left table's`,
    "A foreign-key join's result is keyed like the left table, so a right row with no left row has no key to appear under (an outer or right join would need one): use `join` or `left join`.",
  ),
  tableGroupNotFirst: define("WEIR4056", "error", () => "a table's 'group by' must be the first step of its pipeline",
    "Grouping a table subtracts each changed row's old value from its old group, and that old value is read from the grouped table's own store: group a table declared on its own line (a `where` or `select` before the `group by` makes a table of its own first).",
  ),
  windowOnGroupedTable: define("WEIR4057", "error", () => "a grouped table cannot be windowed",
    "A table's rows are current values, not events in time: a grouped table is aggregated over all its rows, as Kafka Streams' KGroupedTable, which has no windows. To window, aggregate the stream of the table's changes.",
  ),
  notSubtractable: define("WEIR4058", "error", (fn: string) => `${q(fn)} cannot aggregate a table: a changed row cannot be taken back out of it`,
    "When a row of a grouped table changes, its old value is subtracted from its group: `count`, `sum` and `avg` can do that, but `min`, `max`, `countDistinct`, `collectList`, `collectSet`, `latest` and `earliest` keep no more than their result, and could not undo a row.",
  ),
  userAggregateWithoutSubtract: define("WEIR4059", "error", (name: string) => `the user aggregate ${q(name)} has no 'subtract': it cannot aggregate a table`,
    "A user aggregate of a grouped table must take a changed row's old value back out of its group: give the imported object a `subtract(acc, ...args)` that undoes `add` with the same arguments.",
  ),
  joinFormNotSupported: define("WEIR4060", "error", (form: string, status: string) => `${form} is ${status}`,
    "A form of join weir parses but does not run: a stream joined 'on' an expression (not yet: rekey the stream instead), or a stream-table outer or right join (which Kafka Streams and ksqlDB have not either: each result of a stream-table join is a stream record's).",
  ),
  negativeJoinBound: define("WEIR4080", "error", (bound: string, duration: string) => `the join window's '${bound}' cannot be negative, but it is ${duration}`,
    "`within B before and A after` joins a record at t with the other stream's records from t − B to t + A. Each bound is 0 or more (`within 10 seconds before` is 10 seconds before and 0 after); Kafka Streams' JoinWindows also takes a negative bound (a window that does not reach t), which weir does not.",
  ),
  windowedKeyNotWindowed: define("WEIR4070", "error", (name: string) => `'key windowed' writes a key with its window, but ${q(name)} is not windowed`,
    "`key windowed` writes each record's key with the window of its row, as Kafka Streams' windowed key formats do; only a windowed table (an aggregation with a window, or a table transformed from one) and a stream declared over its changes without changing the key have a window.",
  ),
  windowWithoutEventTime: define("WEIR4018", "warning", (source: string) => `${q(source)} declares no event time: these windows use the timestamps its records have on the topic`,
    "Windows over a source without `event time` use the timestamps the records have on the topic (a warning: that is often the producer's clock, not the time of the event).",
  ),
} as const;

export type DiagnosticName = keyof typeof diagnostics;
export type DiagnosticCode = (typeof diagnostics)[DiagnosticName]["code"];
type ArgsOf<Name extends DiagnosticName> = Parameters<(typeof diagnostics)[Name]["message"]>;

export interface ReportOptions {
  readonly hint?: string;
  readonly related?: readonly { readonly message: string; readonly node: { readonly range: SourceRange } }[];
}

/**
 * Collects the diagnostics of one file. Checks report a node (or a range the
 * parser gave); the node's range becomes the diagnostic's span here, in one place.
 */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  constructor(readonly file: string) {}

  report<Name extends DiagnosticName>(name: Name, at: Node | { readonly range: SourceRange }, args: ArgsOf<Name>, options: ReportOptions = {}): void {
    const definition = diagnostics[name] as DiagnosticDefinition<ArgsOf<Name>>;
    const { start, end } = at.range;
    this.items.push({
      code: definition.code as DiagnosticCode,
      severity: definition.severity,
      message: definition.message(...args),
      file: this.file,
      start,
      length: Math.max(0, end - start),
      ...(options.hint !== undefined ? { hint: options.hint } : {}),
      ...(options.related
        ? { related: options.related.map((r) => ({ message: r.message, file: this.file, start: r.node.range.start, length: r.node.range.end - r.node.range.start })) }
        : {}),
    });
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }
}

export function hasErrors(list: readonly Diagnostic[]): boolean {
  return list.some((d) => d.severity === "error");
}
