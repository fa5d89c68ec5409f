// Phase 4: TypeScript. A pure function from the topology plan to the text of a
// readable TypeScript module (built with ts-morph) that calls weir's public
// runtime API only. Writing the text to disk belongs to src/.
import type { CodeBlockWriter } from "ts-morph";
import { tsMorph } from "./ts-morph.ts";
import type { BinaryOperator, Expr } from "../grammar/ast.ts";
import type { AggregateFieldPlan, AggregationPlan, BranchPlan, CollectionPlan, FormatPlan, OperationPlan, SinkPlan, TopologyPlan, WindowPlan } from "./plan.ts";
import type { JoinWindowMs } from "./check.ts";
import { isNullable, nonNull, type RecordType, type Type } from "./types.ts";
import type { op } from "../runtime/operators.ts";
import type { StoreShapePlan } from "./store-shapes.ts";

/**
 * The JavaScript name of a weir name (a stream, table, schema or imported
 * function). weir names may be JavaScript keywords (`default`), globals the
 * generated code uses (`Math`), or names it declares (`builder`, `record`,
 * `formats`); those get a `$`, which no weir name can contain, so the result
 * never meets another weir name.
 */
export function jsIdentifier(name: string): string {
  return reservedNames.has(name) ? `${name}$` : name;
}

const reservedNames = new Set([
  // JavaScript's reserved words, strict mode's and TypeScript's type names
  ..."break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await arguments eval undefined NaN Infinity".split(" "),
  ..."string number boolean any unknown never object symbol bigint type".split(" "),
  // globals the generated code uses
  ..."Math Number Object JSON Array String Boolean globalThis process".split(" "),
  // what the generated module declares and imports, and its functions' parameters
  ..."topology builder record value fns defineTopology formats fn op z windows isMainModule runService TypedTopology TopologyTypes".split(" "),
]);

export interface EmitOptions {
  /** Named in the header and in the comments that point back to the .weir lines. */
  readonly sourceName: string;
  /** How the module imports weir's runtime: "weir/runtime" in a compiled project. */
  readonly runtimeModule: string;
  /** How the module imports a user's TypeScript module, given its absolute path. */
  readonly importSpecifier: (modulePath: string) => string;
}

/** Where an expression's text starts in the module (0-based line and column) and in the .weir file (an offset). */
export interface EmittedPosition {
  readonly line: number;
  readonly column: number;
  readonly sourceOffset: number;
}

export interface EmittedModule {
  readonly code: string;
  /** For the source map back to the .weir file: each expression's start, in the order of the text. */
  readonly positions: readonly EmittedPosition[];
}

export function emitTypeScript(plan: TopologyPlan, options: EmitOptions): EmittedModule {
  const { IndentationText, Project, QuoteKind, VariableDeclarationKind } = tsMorph();
  const project = new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: { indentationText: IndentationText.TwoSpaces, quoteKind: QuoteKind.Double },
  });
  const file = project.createSourceFile("topology.ts", "");
  const expressions = new ExpressionWriter(plan);

  const runtimeNames = ["defineTopology", "formats", "isMainModule", "runService"];
  if (usesBuiltins(plan)) runtimeNames.push("fn");
  if (usesOperators(plan)) runtimeNames.push("op");
  if (plan.collections.some((c) => c.operations.some((o) => (o.kind === "aggregate" && o.window) || o.kind === "streamJoin"))) runtimeNames.push("windows");
  if (plan.schemas.length > 0) runtimeNames.push("z");
  file.addImportDeclaration({ moduleSpecifier: options.runtimeModule, namedImports: [...runtimeNames.sort(), { name: "TypedTopology", isTypeOnly: true }] });
  for (const [modulePath, names] of plan.imports) {
    file.addImportDeclaration({
      moduleSpecifier: options.importSpecifier(modulePath),
      namedImports: [...names].sort().map((name) => (jsIdentifier(name) === name ? name : { name, alias: jsIdentifier(name) })),
    });
  }

  for (const schema of schemasInDependencyOrder(plan.schemas)) {
    const name = jsIdentifier(schema.schema!);
    file.addVariableStatement({
      declarationKind: VariableDeclarationKind.Const,
      declarations: [{ name, initializer: zodSchema(schema, true) }],
    });
    file.addTypeAlias({ name, type: `z.output<typeof ${name}>` });
  }

  file.addTypeAlias({
    isExported: true,
    name: "TopologyTypes",
    type: topologyTypes(plan),
    docs: ["The records this topology reads and writes, and its tables: weir/testing's TopologyTestDriver is typed by them."],
  });

  file.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    declarations: [
      {
        name: "topology",
        type: "TypedTopology<TopologyTypes>",
        initializer: (writer) => {
          writer.write(`defineTopology(${JSON.stringify(plan.application)}, (builder) => `).inlineBlock(() => {
            // The arms of a branch are declared together, by one statement, where the first arm comes.
            const branches = new Set<BranchPlan>();
            const statements = plan.collections.filter((collection) => {
              if (collection.start.kind !== "branch") return true;
              if (branches.has(collection.start)) return false;
              branches.add(collection.start);
              return true;
            });
            statements.forEach((collection, index) => {
              if (index > 0) writer.blankLine();
              if (collection.start.kind === "branch") writeBranch(writer, collection.start, expressions, options.sourceName);
              else writeCollection(writer, collection, expressions, options.sourceName);
            });
            for (const sink of plan.sinks) {
              writer.blankLine();
              writeSink(writer, sink, expressions, options.sourceName);
            }
          });
          writer.write(")");
        },
      },
    ],
  });
  file.addExportAssignment({ isExportEquals: false, expression: "topology" });
  file.addStatements((writer) => writer.blankLine());
  file.addStatements([
    "// Started as a program (`npx tsx <module>.ts`), the module runs the topology as a service:",
    "// WEIR_DATA_DIR names its data folder (see docs/services.md).",
    `if (isMainModule(import.meta.url)) await runService(topology, process.env, { source: ${JSON.stringify(options.sourceName)} });`,
  ]);
  file.insertText(0, `// Generated by weir from ${options.sourceName}. Do not edit: change the .weir file and compile again.\n\n`);
  file.formatText({ indentSize: 2, convertTabsToSpaces: true });
  return withoutMarkers(`${file.getFullText().trimEnd()}\n`, expressions.starts);
}

/**
 * An expression's text is written after a marker, a comment that holds its
 * number: the formatter moves the text, and the comment with it. Once the
 * text is formatted, each marker says where its expression ended up; it is
 * then removed. A marker holds a BEL character, which no name has and
 * JSON.stringify escapes in a string, so none is ever part of the code.
 */
const markerPattern = /\/\*\x07(\d+)\*\//g;

function marker(id: number): string {
  return `/*\x07${id}*/`;
}

function withoutMarkers(marked: string, starts: readonly number[]): EmittedModule {
  const pieces: string[] = [];
  const positions: EmittedPosition[] = [];
  let line = 0;
  let column = 0;
  let from = 0;
  let endsWithSpace = false;
  const advance = (text: string) => {
    pieces.push(text);
    if (text !== "") endsWithSpace = text.endsWith(" ");
    const lastNewline = text.lastIndexOf("\n");
    if (lastNewline < 0) {
      column += text.length;
      return;
    }
    for (const char of text) if (char === "\n") line++;
    column = text.length - lastNewline - 1;
  };
  for (const match of marked.matchAll(markerPattern)) {
    advance(marked.slice(from, match.index));
    from = match.index + match[0].length;
    // The formatter spaces a comment from a unary operator after it (`&& /*1*/ !x`, `&& /*1*//*2*/ -x`): that space goes with the marker.
    if (marked[from] === " " && endsWithSpace) from++;
    const position = { line, column, sourceOffset: starts[Number(match[1])]! };
    // Expressions that start together (`a` in `a + b`): the innermost is written last, and kept.
    const previous = positions.at(-1);
    if (previous && previous.line === line && previous.column === column) positions[positions.length - 1] = position;
    else positions.push(position);
  }
  advance(marked.slice(from));
  return { code: pieces.join(""), positions };
}

function stripMarkers(text: string): string {
  return text.replace(markerPattern, "");
}

/** `const { risky, normal } = enriched.branch("enriched-branch-risky", [{ name: "risky", when: ... }, { name: "normal" }]);` */
function writeBranch(writer: CodeBlockWriter, branch: BranchPlan, expressions: ExpressionWriter, sourceName: string): void {
  writer.writeLine(`// ${sourceName}:${branch.line}`);
  const names = branch.arms.map((arm) => (jsIdentifier(arm.name) === arm.name ? arm.name : `${arm.name}: ${jsIdentifier(arm.name)}`));
  writer.write(`const { ${names.join(", ")} } = ${jsIdentifier(branch.from)}.branch(${JSON.stringify(branch.node)}, [`).newLine();
  writer.indent(() => {
    for (const arm of branch.arms) {
      const when = arm.condition ? `, when: (record) => ${expressions.write(arm.condition)}` : "";
      writer.writeLine(`{ name: ${JSON.stringify(arm.name)}${when} },`);
    }
  });
  writer.writeLine("]);");
}

function writeCollection(writer: CodeBlockWriter, collection: CollectionPlan, expressions: ExpressionWriter, sourceName: string): void {
  writer.writeLine(`// ${sourceName}:${collection.line}`);
  const start = collection.start;
  if (start.kind === "branch") throw new Error("a branch's arms are written by writeBranch");
  if (start.kind === "source") {
    const method = start.collection === "table" ? "table" : "stream";
    writer.write(`const ${jsIdentifier(collection.name)} = builder.${method}(${JSON.stringify(collection.name)}, `).inlineBlock(() => {
      writer.writeLine(`topic: ${JSON.stringify(start.topic)},`);
      writer.writeLine(`key: ${formatExpression(start.keyFormat)},`);
      writer.writeLine(`value: ${formatExpression(start.valueFormat)},`);
      if (start.eventTimeField) writer.writeLine(`timestamp: (value) => value.${start.eventTimeField},`);
      if (start.shape) writer.writeLine(`shape: ${shapeExpression(start.shape)},`);
    });
    writer.write(");").newLine();
    return;
  }
  const from = start.changes ? `${jsIdentifier(start.name)}.toStream()` : jsIdentifier(start.name);
  const calls = collection.operations.flatMap((operation) => operationCalls(operation, expressions));
  if (calls.length === 0) {
    writer.writeLine(`const ${jsIdentifier(collection.name)} = ${from};`);
    return;
  }
  writer.writeLine(`const ${jsIdentifier(collection.name)} = ${from}`);
  writer.indent(() => {
    calls.forEach((call, index) => {
      writer.write(call);
      writer.write(index === calls.length - 1 ? ";" : "").newLine();
    });
  });
}

function operationCalls(operation: OperationPlan, expressions: ExpressionWriter): string[] {
  if (operation.kind === "aggregate" && operation.window) return [`.windowedBy(${windowExpression(operation.window)})`, operationCall(operation, expressions)];
  return [operationCall(operation, expressions)];
}

function windowExpression(window: WindowPlan): string {
  switch (window.kind) {
    case "tumbling":
      return `windows.tumbling({ sizeMs: ${window.sizeMs}, graceMs: ${window.graceMs} })`;
    case "hopping":
      return `windows.hopping({ sizeMs: ${window.sizeMs}, advanceMs: ${window.advanceMs}, graceMs: ${window.graceMs} })`;
    case "sliding":
      return `windows.sliding({ differenceMs: ${window.differenceMs}, graceMs: ${window.graceMs} })`;
    case "session":
      return `windows.session({ gapMs: ${window.gapMs}, graceMs: ${window.graceMs} })`;
  }
}

function operationCall(operation: OperationPlan, expressions: ExpressionWriter): string {
  const name = (node: string) => JSON.stringify(node);
  switch (operation.kind) {
    case "dropDeletes":
      return `.filter(${name(operation.node)}, (record) => record.value !== null)`;
    case "filter":
      return `.filter(${name(operation.node)}, (record) => ${expressions.write(operation.condition)})`;
    case "mapValues":
      return `.mapValues(${name(operation.node)}, (record) => ${expressions.write(operation.value, "object-safe")})`;
    case "selectKey": {
      // A key computed from the key alone is computed for tombstones too; otherwise a tombstone's new key is null.
      const options = operation.fromKeyOnly ? ", { fromKeyOnly: true }" : "";
      return `.selectKey(${name(operation.node)}, (record) => ${expressions.write(operation.key, "object-safe")}${options})`;
    }
    case "groupBy":
      return `.groupBy(${name(operation.node)}, (record) => ${expressions.write(operation.key, "object-safe")}, ${groupByOptions(operation)})`;
    case "flatMapValues":
      return `.flatMapValues(${name(operation.node)}, (record) => ${expressions.write(operation.values)})`;
    case "repartition":
      return operation.keyFormat ? `.repartition(${name(operation.name)}, { key: ${formatExpression(operation.keyFormat)} })` : `.repartition(${name(operation.name)})`;
    case "join":
      return `.${operation.left ? "leftJoin" : "join"}(${name(operation.node)}, ${jsIdentifier(operation.table)})`;
    case "streamJoin":
      return streamJoinCall(operation);
    case "aggregate":
      return `.aggregate(${name(operation.node)}, ${aggregateOptions(operation.store, operation.shape, operation.aggregation, operation.window, expressions)})`;
    case "dedup": {
      const by = operation.by ? `by: (record) => ${expressions.write(operation.by, "object-safe")},\n` : "";
      return `.dedup(${name(operation.node)}, {\nstore: ${JSON.stringify(operation.store)},\nwithinMs: ${operation.withinMs},\n${by}shape: ${shapeExpression(operation.shape)},\n})`;
    }
    case "merge":
      return `.merge(${name(operation.node)}, ${operation.streams.map(jsIdentifier).join(", ")})`;
    // A table's filter and mapValues read as a stream's; the KTable's methods keep deletes flowing.
    case "tableFilter":
      return `.filter(${name(operation.node)}, (record) => ${expressions.write(operation.condition)})`;
    case "tableMapValues":
      return `.mapValues(${name(operation.node)}, (record) => ${expressions.write(operation.value, "object-safe")})`;
    case "tableJoin":
      return `.${tableJoinMethod[operation.type]}(${name(operation.node)}, ${jsIdentifier(operation.table)})`;
    case "foreignKeyJoin": {
      const keys = [
        operation.subscriptionKey ? `subscriptionKey: ${formatExpression(operation.subscriptionKey)},\n` : "",
        operation.responseKey ? `responseKey: ${formatExpression(operation.responseKey)},\n` : "",
      ].join("");
      const left = operation.left ? "left: true,\n" : "";
      const shapes = `shapes: {\nforeignKeys: ${shapeExpression(operation.shapes.foreignKeys)},\nsubscriptions: ${shapeExpression(operation.shapes.subscriptions)},\n},\n`;
      return `.foreignKeyJoin(${name(operation.node)}, ${jsIdentifier(operation.table)}, {\nprefix: ${JSON.stringify(operation.prefix)},\n${left}foreignKey: (record) => ${expressions.write(operation.foreignKey, "object-safe")},\n${keys}${shapes}})`;
    }
    case "materialize":
      return `.materialize(${name(operation.node)}, {\nstore: ${JSON.stringify(operation.store)},\nshape: ${shapeExpression(operation.shape)},\n})`;
    case "tableGroupBy":
      return `.groupBy(${name(operation.node)}, (record) => ${expressions.write(operation.key, "object-safe")}, ${groupByOptions(operation)})`;
    // The grouped table's aggregate (KGroupedTable.aggregate) reads as a stream's; its functions subtract too.
    case "tableAggregate":
      return `.aggregate(${name(operation.node)}, ${aggregateOptions(operation.store, operation.shape, operation.aggregation, undefined, expressions)})`;
  }
}

const tableJoinMethod = { inner: "join", left: "leftJoin", right: "rightJoin", outer: "outerJoin" } as const;

/** `{ repartition: "counts", key: formats.string() }`: the repartition topic of a group by, and how it encodes the group key. */
function groupByOptions(operation: { readonly repartition: string; readonly keyFormat?: FormatPlan }): string {
  const key = operation.keyFormat ? `, key: ${formatExpression(operation.keyFormat)}` : "";
  return `{ repartition: ${JSON.stringify(operation.repartition)}${key} }`;
}

function streamJoinCall(operation: Extract<OperationPlan, { kind: "streamJoin" }>): string {
  const repartition = operation.otherRepartition;
  let other = jsIdentifier(operation.other);
  if (repartition) {
    // The other stream's key changed: it reaches the join through a repartition topic.
    const options = repartition.keyFormat ? `, { key: ${formatExpression(repartition.keyFormat)} }` : "";
    other = `${other}.repartition(${JSON.stringify(repartition.name)}${options})`;
  }
  const options = [
    ...(operation.type === "inner" ? [] : [`type: ${JSON.stringify(operation.type)},`]),
    `window: windows.join(${joinWindowOptions(operation.window)}),`,
    `as: ${JSON.stringify(operation.other)},`,
    `stores: { this: ${JSON.stringify(operation.stores.this)}, other: ${JSON.stringify(operation.stores.other)} },`,
    `shapes: {\nthis: ${shapeExpression(operation.shapes.this)},\nother: ${shapeExpression(operation.shapes.other)},\n},`,
  ];
  return `.windowedJoin(${JSON.stringify(operation.node)}, ${other}, {\n${options.join("\n")}\n})`;
}

/** `{ withinMs, graceMs }` for a window as long before as after, else `{ beforeMs, afterMs, graceMs }`. */
function joinWindowOptions(window: JoinWindowMs): string {
  if (window.beforeMs === window.afterMs) return `{ withinMs: ${window.beforeMs}, graceMs: ${window.graceMs} }`;
  return `{ beforeMs: ${window.beforeMs}, afterMs: ${window.afterMs}, graceMs: ${window.graceMs} }`;
}

/** The aggregate functions come from the runtime (`fns`), typed by the stream's records. */
function aggregateOptions(store: string, shape: StoreShapePlan, aggregation: AggregationPlan, window: WindowPlan | undefined, expressions: ExpressionWriter): string {
  const of = (argument: Expr | undefined) => (argument ? `(record) => ${expressions.write(argument, "object-safe")}` : "");
  let aggregator: string;
  switch (aggregation.kind) {
    case "count":
      aggregator = "fns.count()";
      break;
    case "sum":
      aggregator = `fns.sum(${of(aggregation.value)})`;
      break;
    case "record":
      aggregator = `fns.record({\n${aggregation.fields.map((field) => `${field.name}: ${aggregateField(field, expressions)},`).join("\n")}\n})`;
      break;
  }
  const emit = window ? `emit: ${JSON.stringify(window.emit)},\n` : "";
  return `{\nstore: ${JSON.stringify(store)},\nshape: ${shapeExpression(shape)},\n${emit}aggregator: (fns) => ${aggregator},\n}`;
}

/** A store's shape as the planner decided it, for the runtime to record and check (docs/state.md). */
function shapeExpression(shape: StoreShapePlan): string {
  const parts = [
    `kind: ${JSON.stringify(shape.kind)},`,
    `key: ${JSON.stringify(shape.key)},`,
    `value: ${JSON.stringify(shape.value)},`,
    ...(shape.fields ? [`fields: [${shape.fields.map((field) => JSON.stringify(field)).join(", ")}],`] : []),
    ...(shape.valueType !== undefined ? [`valueType: ${JSON.stringify(shape.valueType)},`] : []),
    ...(shape.window !== undefined ? [`window: ${JSON.stringify(shape.window)},`] : []),
    `fingerprint: ${JSON.stringify(shape.fingerprint)},`,
  ];
  return `{\n${parts.join("\n")}\n}`;
}


function aggregateField(field: AggregateFieldPlan, expressions: ExpressionWriter): string {
  if (field.kind === "builtin") {
    return `fns.${field.fn}(${field.argument ? `(record) => ${expressions.write(field.argument, "object-safe")}` : ""})`;
  }
  // An imported aggregate gets add's arguments (after the accumulator) as a list.
  return `fns.user(${jsIdentifier(field.user)}, (record) => [${field.arguments.map((argument) => expressions.write(argument)).join(", ")}])`;
}

function writeSink(writer: CodeBlockWriter, sink: SinkPlan, expressions: ExpressionWriter, sourceName: string): void {
  writer.writeLine(`// ${sourceName}:${sink.line}`);
  const input = jsIdentifier(sink.input);
  let stream = input;
  // A tombstone (a stream's null value, a table's delete, a retracted session) stays a tombstone:
  // the runtime computes neither the value written nor the headers for it.
  const projection = sink.value ? expressions.write(sink.value, "object-safe") : undefined;
  if (sink.valueNode) {
    const changes = sink.shape.collection === "table" ? `${input}.toStream()` : input;
    stream = `${changes}\n.mapValues(${JSON.stringify(sink.valueNode)}, (record) => ${projection})\n`;
  }
  writer.write(`${stream}.to(${JSON.stringify(sink.node)}, `).inlineBlock(() => {
    writer.writeLine(`topic: ${sink.topicExpr ? `(record) => ${expressions.write(sink.topicExpr)}` : JSON.stringify(sink.topic)},`);
    if (sink.topicOfTombstones) writer.writeLine("topicOfTombstones: true,");
    if (sink.headers) writer.writeLine(`headers: (record) => ${expressions.write(sink.headers, "object-safe")},`);
    // The topic or the headers are computed from the record as it is: the sink computes the value written after them.
    if (projection && !sink.valueNode) writer.writeLine(`project: (record) => ${projection},`);
    const key = formatExpression(sink.keyFormat);
    writer.writeLine(`key: ${sink.windowedKey ? `formats.${sink.windowedKey}Windowed(${key})` : key},`);
    writer.writeLine(`value: ${formatExpression(sink.valueFormat)},`);
  });
  writer.write(");").newLine();
}

function formatExpression(format: FormatPlan): string {
  if (format.kind === "string") return "formats.string()";
  if (format.schema) return `formats.json(${jsIdentifier(format.schema)})`;
  return `formats.json<${tsType(format.type)}>()`;
}

// ------------------------------------------------------------------ types and schemas

/**
 * The `TopologyTypes` of the module (see runtime/record-types.ts): each source
 * topic's key and value as piped in (a schema's input type: optional fields may
 * be left out), each fixed sink topic's as written (null: a tombstone), and
 * each table's, by the name of its store, as its rows hold them.
 */
function topologyTypes(plan: TopologyPlan): string {
  const inputs = new TopicTypeMap();
  const outputs = new TopicTypeMap();
  const tables: string[] = [];
  for (const collection of plan.collections) {
    const start = collection.start;
    if (start.kind === "source") inputs.add(start.topic, formatType(start.keyFormat, "input"), formatType(start.valueFormat, "input"));
    if (collection.shape.collection !== "table") continue;
    const stored = start.kind === "source" ? { store: collection.name, windowed: false } : tableStore(collection);
    if (stored) tables.push(`${propertyName(stored.store)}: { key: ${tsType(collection.shape.key)}; value: ${tsType(collection.shape.value)}; windowed: ${stored.windowed} };`);
  }
  for (const sink of plan.sinks) {
    if (sink.topic === undefined) continue;
    const value = formatType(sink.valueFormat, "output");
    // A stream over a table's changes carries no deletes (the plan drops them): only a table's sink writes tombstones.
    outputs.add(sink.topic, formatType(sink.keyFormat, "output"), sink.tombstones ? `${value} | null` : value);
  }
  const section = (name: string, entries: readonly string[]) => (entries.length === 0 ? `${name}: {};` : `${name}: {\n${entries.join("\n")}\n};`);
  return `{\n${section("inputs", inputs.entries())}\n${section("outputs", outputs.entries())}\n${section("tables", tables)}\n}`;
}

/** The store a derived table's rows are kept in under its own name, if any (another name for a table has none). */
function tableStore(collection: CollectionPlan): { store: string; windowed: boolean } | undefined {
  for (const operation of collection.operations) {
    if (operation.kind === "aggregate" && operation.store === collection.name) return { store: operation.store, windowed: operation.window !== undefined };
    // A windowed table filtered or projected after its aggregation keeps its rows per key and window.
    if (operation.kind === "materialize" && operation.store === collection.name) return { store: operation.store, windowed: collection.shape.window !== undefined };
    if (operation.kind === "tableAggregate" && operation.store === collection.name) return { store: operation.store, windowed: false };
  }
  return undefined;
}

/** Topics with the key and value types of the records in them (a union where several sources or sinks share one). */
class TopicTypeMap {
  private readonly topics = new Map<string, { keys: Set<string>; values: Set<string> }>();

  add(topic: string, key: string, value: string): void {
    const types = this.topics.get(topic) ?? { keys: new Set<string>(), values: new Set<string>() };
    types.keys.add(key);
    types.values.add(value);
    this.topics.set(topic, types);
  }

  entries(): string[] {
    return [...this.topics].map(([topic, { keys, values }]) => `${propertyName(topic)}: { key: ${[...keys].join(" | ")}; value: ${[...values].join(" | ")} };`);
  }
}

/** The TypeScript type of what a format reads or writes; a schema's input type lets optional fields be absent. */
function formatType(format: FormatPlan, side: "input" | "output"): string {
  if (format.kind === "string") return "string";
  if (format.schema) return side === "input" ? `z.input<typeof ${jsIdentifier(format.schema)}>` : jsIdentifier(format.schema);
  return tsType(format.type);
}

function propertyName(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

export function tsType(type: Type): string {
  switch (type.kind) {
    case "string":
      return "string";
    case "number":
    case "integer":
    case "timestamp":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "list": {
      const element = tsType(type.element);
      return /[|&]/.test(element) ? `(${element})[]` : `${element}[]`;
    }
    case "map":
      return `Record<string, ${tsType(type.value)}>`;
    case "record":
      return type.schema ? jsIdentifier(type.schema) : `{ ${type.fields.map((f) => `${f.name}: ${tsType(f.type)}`).join("; ")} }`;
    case "nullable":
      return `${tsType(type.type)} | null`;
    case "any":
      return "any";
    case "error":
      return "unknown";
  }
}

function zodSchema(type: Type, expandRecord = false): string {
  switch (type.kind) {
    case "string":
      return "z.string()";
    case "number":
    case "timestamp":
      return "z.number()";
    case "integer":
      // A safe integer: a JSON number with a fraction, or too large to be exact, is dead-lettered.
      return "z.int()";
    case "boolean":
      return "z.boolean()";
    case "null":
      return "z.null()";
    case "list":
      return `z.array(${zodSchema(type.element)})`;
    case "map":
      return `z.record(z.string(), ${zodSchema(type.value)})`;
    case "record":
      if (type.schema && !expandRecord) return jsIdentifier(type.schema);
      if (expandRecord) return `z.object({\n${type.fields.map((f) => `${f.name}: ${zodSchema(f.type)},`).join("\n")}\n})`;
      return `z.object({ ${type.fields.map((f) => `${f.name}: ${zodSchema(f.type)}`).join(", ")} })`;
    case "nullable":
      // An absent field and a null field both read as null.
      return `${zodSchema(type.type)}.nullish().transform((value) => value ?? null)`;
    case "any":
    case "error":
      return "z.unknown()";
  }
}

function schemasInDependencyOrder(schemas: readonly RecordType[]): RecordType[] {
  const byName = new Map(schemas.map((s) => [s.schema!, s]));
  const ordered: RecordType[] = [];
  const visit = (schema: RecordType, path: Set<string>) => {
    if (ordered.includes(schema) || path.has(schema.schema!)) return;
    path.add(schema.schema!);
    const referenced = (type: Type): void => {
      if (type.kind === "record" && type.schema && byName.has(type.schema)) visit(byName.get(type.schema)!, path);
      else if (type.kind === "list") referenced(type.element);
      else if (type.kind === "map") referenced(type.value);
      else if (type.kind === "nullable") referenced(type.type);
    };
    for (const field of schema.fields) referenced(field.type);
    ordered.push(schema);
  };
  for (const schema of schemas) visit(schema, new Set());
  return ordered;
}

function usesBuiltins(plan: TopologyPlan): boolean {
  return [...plan.expressions.calls.values()].some((call) => call.kind === "builtin");
}

function usesOperators(plan: TopologyPlan): boolean {
  const typeOf = (expr: Expr) => plan.expressions.types.get(expr) ?? { kind: "any" as const };
  return [...plan.expressions.types.keys()].some((expr) => runtimeOperator(expr, typeOf) !== undefined);
}

type RuntimeOperator = keyof typeof op;

/** The runtime operator (`op.quotient`, ...) an expression is written with, where JavaScript's own would do otherwise. */
function runtimeOperator(expr: Expr, typeOf: (expr: Expr) => Type): RuntimeOperator | undefined {
  switch (expr.kind) {
    case "Binary":
      // Two integers: `/` truncates, and both fail on zero (JavaScript would give Infinity or NaN).
      if (typeOf(expr).kind !== "integer") return undefined;
      return expr.operator === "/" ? "quotient" : expr.operator === "%" ? "remainder" : undefined;
    case "Index": {
      // A map's own keys only, and null for an absent one; so for a string key into a value of unknown shape.
      const object = nonNull(typeOf(expr.object)).kind;
      return object === "map" || (object === "any" && typeOf(expr.index).kind === "string") ? "get" : undefined;
    }
    case "In":
      return "isIn";
    case "Between":
      return "between";
    default:
      return undefined;
  }
}

// ------------------------------------------------------------------ expressions

const precedence: Record<BinaryOperator, number> = {
  or: 1,
  and: 2,
  "==": 3,
  "!=": 3,
  "<": 4,
  "<=": 4,
  ">": 4,
  ">=": 4,
  "+": 5,
  "-": 5,
  "*": 6,
  "/": 6,
  "%": 6,
};

const tsOperator: Record<BinaryOperator, string> = {
  or: "||",
  and: "&&",
  "==": "===",
  "!=": "!==",
  "<": "<",
  "<=": "<=",
  ">": ">",
  ">=": ">=",
  "+": "+",
  "-": "-",
  "*": "*",
  "/": "/",
  "%": "%",
};

const unaryPrecedence = 7;
const conditionalPrecedence = 0;
/** `??` binds looser than `||` and may not mix with it unparenthesised. */
const nullishPrecedence = 0.5;

/** Writes expressions as TypeScript over `record` (the record being processed). */
class ExpressionWriter {
  /** The .weir offset of each expression written, by the number of its marker. */
  readonly starts: number[] = [];

  constructor(private readonly plan: TopologyPlan) {}

  /**
   * `context` says where the text goes: "object-safe" wraps an object literal in
   * parentheses (an arrow function's body).
   */
  write(expr: Expr, context: "plain" | "object-safe" = "plain"): string {
    const [text] = this.expression(expr);
    if (context === "object-safe" && expr.kind === "Record") return `(${text})`;
    return text;
  }

  /**
   * Where a joined value is in `record.joined`: a table's under the name of its store (its
   * own, or for another name of a table, `table t = customers`, that one's), a stream's under its own.
   */
  private joinedKeyOf(name: string): string {
    const collection = this.plan.collections.find((c) => c.name === name);
    return collection?.shape.collection === "stream" ? name : this.storeOf(name);
  }

  private storeOf(table: string): string {
    let collection = this.plan.collections.find((c) => c.name === table);
    while (collection && collection.operations.length === 0 && collection.start.kind === "collection") {
      const input = collection.start.name;
      collection = this.plan.collections.find((c) => c.name === input);
    }
    return collection?.name ?? table;
  }

  private typeOf(expr: Expr): Type {
    return this.plan.expressions.types.get(expr) ?? { kind: "any" };
  }

  /** The text and its precedence level (9 for anything that never needs parentheses). */
  private expression(expr: Expr): [string, number] {
    const [unmarked, level] = this.unasserted(expr);
    const text = `${marker(this.starts.push(expr.range.start) - 1)}${unmarked}`;
    // weir knows this is not null (a null check came first); TypeScript's types of the record do not.
    if (this.plan.expressions.narrowed.has(expr)) return [level === 9 ? `${text}!` : `(${text})!`, 9];
    return [text, level];
  }

  private unasserted(expr: Expr): [string, number] {
    switch (expr.kind) {
      case "NumberLiteral":
        return [String(expr.value), 9];
      case "StringLiteral":
        return [JSON.stringify(expr.value), 9];
      case "BooleanLiteral":
        return [String(expr.value), 9];
      case "NullLiteral":
        return ["null", 9];
      case "Name": {
        const binding = this.plan.expressions.names.get(expr);
        if (!binding) throw new Error(`unresolved name ${expr.name.name}`);
        if (binding.kind === "joined") return [`(record.joined!.${this.joinedKeyOf(binding.table)} as ${tsType(binding.type)})`, 9];
        if (binding.kind === "field" && binding.valueMayBeNull) return [`record.value?.${binding.name} ?? null`, nullishPrecedence];
        return [binding.kind === "field" ? `record.value.${binding.name}` : `record.${binding.kind}`, 9];
      }
      case "Member": {
        const object = this.operand(expr.object, 8);
        if (isNullable(this.typeOf(expr.object))) return [`${object}?.${expr.property.name} ?? null`, nullishPrecedence];
        return [`${object}.${expr.property.name}`, 9];
      }
      case "Index": {
        if (runtimeOperator(expr, (e) => this.typeOf(e)) === "get") return [`op.get(${this.write(expr.object)}, ${this.write(expr.index)})`, 9];
        const object = this.operand(expr.object, 8);
        const access = isNullable(this.typeOf(expr.object)) ? `${object}?.[${this.write(expr.index)}]` : `${object}[${this.write(expr.index)}]`;
        // Past the end of the list there is nothing: null, never undefined.
        return [`${access} ?? null`, nullishPrecedence];
      }
      case "Call": {
        const binding = this.plan.expressions.calls.get(expr);
        const args = expr.args.map((arg) => this.write(arg)).join(", ");
        const callee = binding?.kind === "builtin" ? `fn.${expr.callee.name}` : jsIdentifier(expr.callee.name);
        // An imported function typed `T | undefined` may return undefined: weir's null.
        if (binding?.kind === "import" && isNullable(this.typeOf(expr))) return [`${callee}(${args}) ?? null`, nullishPrecedence];
        return [`${callee}(${args})`, 9];
      }
      case "Unary": {
        const operand = this.operand(expr.operand, unaryPrecedence);
        if (expr.operator === "not") return [`!${operand}`, unaryPrecedence];
        // `- -x` must not become `--x`, a decrement.
        return [stripMarkers(operand).startsWith("-") ? `-(${operand})` : `-${operand}`, unaryPrecedence];
      }
      case "Binary": {
        const integerOperator = runtimeOperator(expr, (e) => this.typeOf(e));
        if (integerOperator) return [`op.${integerOperator}(${this.write(expr.left)}, ${this.write(expr.right)})`, 9];
        const level = precedence[expr.operator];
        const left = this.operand(expr.left, level);
        // Operators are left-associative: an equal-precedence right operand keeps its parentheses.
        const right = this.operand(expr.right, level + 1);
        // Against null, loose equality: an absent field (undefined) of an untyped value is null too.
        const againstNull = (expr.operator === "==" || expr.operator === "!=") && [expr.left, expr.right].some((e) => this.typeOf(e).kind === "null");
        return [`${left} ${againstNull ? expr.operator : tsOperator[expr.operator]} ${right}`, level];
      }
      case "In": {
        const test = `op.isIn(${this.write(expr.value)}, ${this.write(expr.list)})`;
        return expr.negated ? [`!${test}`, unaryPrecedence] : [test, 9];
      }
      case "Between": {
        const test = `op.between(${this.write(expr.value)}, ${this.write(expr.low)}, ${this.write(expr.high)})`;
        return expr.negated ? [`!${test}`, unaryPrecedence] : [test, 9];
      }
      case "If": {
        const condition = this.operand(expr.condition, conditionalPrecedence + 1);
        const then = this.operand(expr.then, conditionalPrecedence + 1);
        const otherwise = this.operand(expr.else, conditionalPrecedence);
        return [`${condition} ? ${then} : ${otherwise}`, conditionalPrecedence];
      }
      case "Record": {
        const fields = expr.fields.map((f) => `${f.name.name}: ${this.write(f.value)}`);
        const inline = `{ ${fields.join(", ")} }`;
        // Long records get a line per field; the formatter indents them.
        const shown = stripMarkers(inline);
        return [shown.length <= 60 && !shown.includes("\n") ? inline : `{\n${fields.join(",\n")},\n}`, 9];
      }
      case "List":
        return [`[${expr.elements.map((e) => this.write(e)).join(", ")}]`, 9];
      case "Error":
        throw new Error("an erroneous expression reached the emitter");
    }
  }

  private operand(expr: Expr, minimum: number): string {
    const [text, level] = this.expression(expr);
    return level < minimum ? `(${text})` : text;
  }
}

