// Phase 1: names. Builds the file's symbol tables (schemas, streams and tables,
// imported functions) and reports what is declared twice or referenced but not
// declared. Expression names are resolved by the checker, which knows the
// record type each expression is evaluated against.
import type { Identifier, ImportDecl, PipelineDecl, SchemaDecl, SinkDecl, SourceDecl, TypeRef, WeirFile } from "../grammar/ast.ts";
import { isAggregateFunction, isBuiltinFunction } from "./builtins.ts";
import { DiagnosticBag, didYouMean } from "./diagnostics.ts";
import { ImportReader, type ImportedFunction } from "./imports.ts";

export type CollectionDecl = SourceDecl | PipelineDecl;

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
        for (const step of declaration.steps) if (step.kind === "Join") checkCollectionName(step.table, collections, bag);
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
      bag.report("importNotFound", name, [name.name, specifier], { hint: "export it as a function: export function " + name.name + "(...) { ... }" });
    } else {
      bag.report("unsupportedImportType", name, [name.name, found.detail ?? "its type is not supported"], {
        hint: "weir passes strings, numbers, booleans, lists and plain records, and may pass null",
      });
    }
  }
}

function checkCollectionName(name: Identifier, collections: ReadonlyMap<string, CollectionDecl>, bag: DiagnosticBag): void {
  if (name.name === "" || collections.has(name.name)) return;
  const hint = didYouMean(name.name, collections.keys());
  bag.report("unknownCollection", name, [name.name], hint ? { hint } : { hint: "declare it with 'stream NAME from topic ...' or 'stream NAME = ...'" });
}

function checkSchemaName(name: Identifier, schemas: ReadonlyMap<string, SchemaDecl>, bag: DiagnosticBag): void {
  if (schemas.has(name.name)) return;
  const hint = didYouMean(name.name, schemas.keys());
  bag.report("unknownSchema", name, [name.name], hint ? { hint } : { hint: "declare it with 'schema NAME { field: type, ... }'" });
}

function checkTypeRef(type: TypeRef, schemas: ReadonlyMap<string, SchemaDecl>, bag: DiagnosticBag): void {
  if (type.kind === "ListType") checkTypeRef(type.element, schemas, bag);
  else if (type.kind === "NamedType" && type.name.name !== "") checkSchemaName(type.name, schemas, bag);
}
