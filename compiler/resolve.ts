// Phase 1: names. Builds the file's symbol tables (schemas, streams and tables,
// imported functions) and reports what is declared twice or referenced but not
// declared. Expression names are resolved by the checker, which knows the
// record type each expression is evaluated against.
import type {
  BranchArm,
  BranchDecl,
  Identifier,
  ImportDecl,
  PipelineDecl,
  SchemaDecl,
  SinkDecl,
  SourceDecl,
  SourceRange,
  TypeRef,
  WeirFile,
} from "../grammar/ast.ts";
import { typeRef as typeRefText } from "../grammar/format.ts";
import { isAggregateFunction, isBuiltinFunction } from "./builtins.ts";
import { DiagnosticBag } from "./diagnostics.ts";
import { didYouMean, shortList } from "../runtime/suggest.ts";
import { ImportReader, type ImportedFunction } from "./imports.ts";

/** The stream an arm of a `branch` declares: the records of the branch's input that the arm takes. */
export interface BranchStreamDecl {
  readonly kind: "BranchStream";
  readonly collection: "stream";
  readonly name: Identifier;
  readonly arm: BranchArm;
  readonly branch: BranchDecl;
  readonly range: SourceRange;
}

export type CollectionDecl = SourceDecl | PipelineDecl | BranchStreamDecl;

export interface ResolvedFile {
  readonly file: WeirFile;
  readonly application: string;
  readonly schemas: ReadonlyMap<string, SchemaDecl>;
  readonly collections: ReadonlyMap<string, CollectionDecl>;
  readonly sinks: readonly SinkDecl[];
  readonly imports: ReadonlyMap<string, ImportedFunction>;
}

export interface ResolveOptions {
  /** Path of the .weir file: imports are found relative to it. */
  readonly path: string;
}

export function resolveNames(file: WeirFile, bag: DiagnosticBag, options: ResolveOptions): ResolvedFile {
  if (!file.application) bag.report("missingApplication", { range: { start: 0, end: 0 } }, [], { hint: "add a first line such as 'application wordcount'" });

  const schemas = new Map<string, SchemaDecl>();
  const collections = new Map<string, CollectionDecl>();
  const sinks: SinkDecl[] = [];
  const imports = new Map<string, ImportedFunction>();
  const declaredAt = new Map<string, Identifier>();

  const declare = (name: Identifier): boolean => {
    if (name.name === "") return false;
    const previous = declaredAt.get(name.name);
    if (previous) {
      bag.report("duplicateDeclaration", name, [name.name], { related: [{ message: "first declared here", node: previous }] });
      return false;
    }
    declaredAt.set(name.name, name);
    return true;
  };

  const reader = new ImportReader(options.path);
  for (const declaration of file.declarations) {
    switch (declaration.kind) {
      case "Schema":
        if (declare(declaration.name)) schemas.set(declaration.name.name, declaration);
        break;
      case "Source":
      case "Pipeline":
        if (declare(declaration.name)) collections.set(declaration.name.name, declaration);
        break;
      case "Branch":
        for (const arm of declaration.arms) {
          if (declare(arm.name)) collections.set(arm.name.name, { kind: "BranchStream", collection: "stream", name: arm.name, arm, branch: declaration, range: arm.range });
        }
        break;
      case "Sink":
        sinks.push(declaration);
        break;
      case "Import":
        resolveImport(declaration, reader, bag, declare, imports);
        break;
    }
  }

  // References are checked once every declaration is known: order in the file does not matter.
  for (const declaration of file.declarations) {
    switch (declaration.kind) {
      case "Schema":
        for (const field of declaration.fields) checkTypeRef(field.type, schemas, bag);
        break;
      case "Source":
        for (const format of [declaration.keyFormat, declaration.valueFormat]) {
          if (format.schema && format.schema.name !== "") checkSchemaName(format.schema, schemas, bag);
        }
        break;
      case "Pipeline":
        checkCollectionName(declaration.input, collections, bag);
        if (declaration.input.name === declaration.name.name) bag.report("selfReference", declaration.input, [declaration.name.name]);
        for (const step of declaration.steps) {
          if (step.kind === "Join") checkCollectionName(step.other, collections, bag);
          if (step.kind === "Merge") checkMergedNames(declaration, step.streams, collections, bag);
        }
        break;
      case "Branch":
        checkCollectionName(declaration.input, collections, bag);
        if (declaration.arms.some((arm) => arm.name.name === declaration.input.name)) bag.report("selfReference", declaration.input, [declaration.input.name]);
        break;
      case "Sink":
        checkCollectionName(declaration.input, collections, bag);
        for (const format of [declaration.keyFormat, declaration.valueFormat]) {
          if (format?.schema && format.schema.name !== "") checkSchemaName(format.schema, schemas, bag);
        }
        break;
      case "Import":
        break;
    }
  }

  return { file, application: file.application?.name.name ?? "", schemas, collections, sinks, imports };
}

function resolveImport(
  declaration: ImportDecl,
  reader: ImportReader,
  bag: DiagnosticBag,
  declare: (name: Identifier) => boolean,
  imports: Map<string, ImportedFunction>,
): void {
  const specifier = declaration.from.value;
  for (const name of declaration.names) {
    if (isBuiltinFunction(name.name) || isAggregateFunction(name.name)) {
      bag.report("importShadowsBuiltin", name, [name.name], { hint: `import it under another name in the module, or call the built-in '${name.name}'` });
      continue;
    }
    if (!declare(name)) continue;
    const found = reader.lookup(specifier, name.name);
    if (found.ok) {
      imports.set(name.name, found.fn);
    } else if (found.problem === "module-not-found") {
      bag.report("moduleNotFound", declaration.from, [specifier], { hint: `looked for ${reader.modulePath(specifier)}` });
      return;
    } else if (found.problem === "unsupported-aggregate") {
      bag.report("unsupportedAggregate", name, [name.name, found.detail ?? "its type is not supported"], {
        hint: "export { init: (): A => ..., add: (acc: A, x: X): A => ..., merge?: (a: A, b: A): A, subtract?: (acc: A, x: X): A, result?: (acc: A): R }, with A a weir type",
      });
    } else if (found.problem === "not-exported") {
      bag.report("importNotFound", name, [name.name, specifier], { hint: importNotFoundHint(name.name, found.exported, found.detail) });
    } else {
      bag.report("unsupportedImportType", name, [name.name, found.detail ?? "its type is not supported"], {
        hint: "weir passes strings, numbers (a timestamp too: epoch milliseconds), booleans, lists, maps (Record<string, T>) and plain records, and may pass null",
      });
    }
  }
}

function importNotFoundHint(name: string, exported: readonly string[], detail: string | undefined): string {
  const close = didYouMean(name, exported);
  if (close) return close;
  const declare = `export it as a function: export function ${name}(...) { ... }`;
  if (detail) return `${detail}; ${declare}`;
  const listed = shortList(exported);
  return listed ? `the module exports the functions ${listed}; or ${declare}` : declare;
}

/**
 * The collection a name stands for: another name (`stream a = orders`, no steps) is the
 * very same records (the same node at run time), so `a` stands for `orders`.
 */
export function aliasTarget(name: string, collections: ReadonlyMap<string, CollectionDecl>): string {
  const seen = new Set<string>();
  let current = collections.get(name);
  while (current?.kind === "Pipeline" && current.steps.length === 0 && !seen.has(current.name.name)) {
    seen.add(current.name.name);
    current = collections.get(current.input.name);
  }
  return current?.name.name ?? name;
}

function checkMergedNames(pipeline: PipelineDecl, streams: readonly Identifier[], collections: ReadonlyMap<string, CollectionDecl>, bag: DiagnosticBag): void {
  const seen = new Map<string, Identifier>([[aliasTarget(pipeline.input.name, collections), pipeline.input]]);
  for (const stream of streams) {
    checkCollectionName(stream, collections, bag);
    if (stream.name === pipeline.name.name) bag.report("selfReference", stream, [stream.name]);
    const target = aliasTarget(stream.name, collections);
    const earlier = seen.get(target);
    if (earlier && stream.name !== "") {
      const alias = earlier.name !== stream.name ? `'${stream.name}' is another name for '${target}': ` : "";
      bag.report("mergedTwice", stream, [stream.name], {
        hint: `${alias}each record would be there twice; to keep both copies on purpose, merge a stream derived from it with a step: stream copies = ${target} | select value`,
        related: [{ message: "already here", node: earlier }],
      });
    }
    seen.set(target, stream);
  }
}

function checkCollectionName(name: Identifier, collections: ReadonlyMap<string, CollectionDecl>, bag: DiagnosticBag): void {
  if (name.name === "" || collections.has(name.name)) return;
  const listed = shortList([...collections.keys()]);
  const hint =
    didYouMean(name.name, collections.keys()) ??
    (listed ? `the streams and tables of this file are ${listed}` : "declare it with 'stream NAME from topic ...', 'table NAME from topic ...' or 'stream NAME = ...'");
  bag.report("unknownCollection", name, [name.name], { hint });
}

/** The types a schema's field may have besides schemas (`list<T>` and `map<string, T>` are written with their elements). */
const primitiveTypes = ["string", "number", "integer", "boolean", "timestamp"];

/** `inType`: the name is a field's type, where a primitive type could have been meant (`numbr`). */
function checkSchemaName(name: Identifier, schemas: ReadonlyMap<string, SchemaDecl>, bag: DiagnosticBag, inType = false): void {
  if (schemas.has(name.name)) return;
  const listed = shortList([...schemas.keys()]);
  const candidates = inType ? [...primitiveTypes, ...schemas.keys()] : schemas.keys();
  const available = inType
    ? `a type is string, number, integer, boolean, timestamp, list<T>, map<string, T> or a schema${listed ? ` (here: ${listed})` : ""}`
    : listed
      ? `the schemas of this file are ${listed}`
      : "declare it with 'schema NAME { field: type, ... }'";
  bag.report("unknownSchema", name, [name.name, inType ? "type" : "schema"], { hint: didYouMean(name.name, candidates) ?? available });
}

function checkTypeRef(type: TypeRef, schemas: ReadonlyMap<string, SchemaDecl>, bag: DiagnosticBag): void {
  if (type.kind === "ListType") checkTypeRef(type.element, schemas, bag);
  else if (type.kind === "MapType") {
    // A JSON object's keys are text: there is no other key type to read.
    const key = type.key;
    const keyText = key.kind === "PrimitiveType" ? key.name : key.kind === "NamedType" ? key.name.name : undefined;
    if (keyText !== "string" && keyText !== "") bag.report("mapKeyType", key, [keyText === undefined ? "a list or a map" : `'${keyText}'`], { hint: `write map<string, ${typeRefText(type.value)}>` });
    checkTypeRef(type.value, schemas, bag);
  }
  else if (type.kind === "NamedType" && type.name.name !== "") checkSchemaName(type.name, schemas, bag, true);
}
