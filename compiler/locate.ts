// Queries over a checked file by position, for editors (src/lsp/): which node is
// at an offset, and what a name there stands for. They decide nothing new: they
// read the AST's ranges and the facts the resolver and the checker recorded
// (symbol tables, names, calls, types, shapes).
import type { Expr, FieldDecl, Identifier, Node, RecordField, SchemaDecl, Step, WeirFile } from "../grammar/ast.ts";
import type { CheckedFile, NameBinding, Shape } from "./check.ts";
import type { ImportedFunction } from "./imports.ts";
import type { CollectionDecl } from "./resolve.ts";
import type { Type } from "./types.ts";

/** A node's child nodes, in no particular order: every property that holds a node or a list of nodes. */
function childrenOf(node: Node): Node[] {
  const children: Node[] = [];
  for (const [property, value] of Object.entries(node)) {
    if (property === "range" || property === "operatorRange") continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (isNode(item)) children.push(item);
    }
  }
  return children;
}

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && "kind" in value && "range" in value;
}

/**
 * The nodes whose range holds `offset`, outermost first (the file) to innermost. A range
 * holds its end too, so a cursor just after a name is on that name; where a node ends at
 * the offset and another starts there, the one that starts there is taken.
 */
export function nodePathAt(file: WeirFile, offset: number): Node[] {
  const path: Node[] = [file];
  for (;;) {
    const holding = childrenOf(path[path.length - 1]!).filter((child) => child.range.start <= offset && offset <= child.range.end);
    if (holding.length === 0) return path;
    // Of two neighbours touching at the offset, the one starting there; of nested equal ranges, any (the loop goes down into it).
    holding.sort((a, b) => b.range.start - a.range.start || (a.range.end - a.range.start) - (b.range.end - b.range.start));
    path.push(holding[0]!);
  }
}

export interface SchemaFieldRef {
  readonly schema: SchemaDecl;
  readonly field: FieldDecl;
}

/** What a name in the file stands for, as the resolver and the checker decided it. */
export type SymbolAt =
  /** A stream or table: declared here, or named where it is read. */
  | { readonly kind: "collection"; readonly name: string; readonly declaration: CollectionDecl; readonly shape: Shape | undefined; readonly identifier: Identifier }
  | { readonly kind: "schema"; readonly name: string; readonly declaration: SchemaDecl; readonly type: Type | undefined; readonly identifier: Identifier }
  /** A field of a schema, where it is declared. */
  | { readonly kind: "schemaField"; readonly schema: SchemaDecl; readonly field: FieldDecl; readonly type: Type | undefined; readonly identifier: Identifier }
  /** A name or a field read in an expression; `field`: its declaration in a schema, when the record is a schema's. */
  | { readonly kind: "name"; readonly expr: Expr; readonly binding: NameBinding | undefined; readonly type: Type | undefined; readonly field: SchemaFieldRef | undefined; readonly identifier: Identifier }
  /** A field a record expression declares (`risk` in `select { risk: riskScore(amount) }`): its value's type. */
  | { readonly kind: "recordField"; readonly field: RecordField; readonly type: Type | undefined; readonly identifier: Identifier }
  /** A function: a call's callee, or an imported name in its `import`. */
  | { readonly kind: "function"; readonly name: string; readonly binding: "builtin" | "aggregate" | "import"; readonly imported: ImportedFunction | undefined; readonly callType: Type | undefined; readonly identifier: Identifier }
  /** The module of an `import`. */
  | { readonly kind: "module"; readonly specifier: string; readonly modulePath: string | undefined };

/** What the name (or the import's module) at `offset` stands for; undefined elsewhere, or where the checker recorded nothing. */
export function symbolAt(checked: CheckedFile, offset: number): SymbolAt | undefined {
  const path = nodePathAt(checked.file, offset);
  const node = path[path.length - 1]!;
  const parent = path[path.length - 2];
  if (node.kind === "StringLiteral" && parent?.kind === "Import") {
    const first = parent.names.map((name) => checked.imports.get(name.name)).find((fn) => fn !== undefined);
    return { kind: "module", specifier: node.value, modulePath: first?.modulePath };
  }
  if (node.kind !== "Identifier" || parent === undefined || node.name === "") return undefined;
  const identifier = node;
  const collection = (name: string): SymbolAt | undefined => {
    const declaration = checked.collections.get(name);
    return declaration ? { kind: "collection", name, declaration, shape: checked.shapes.get(name), identifier } : undefined;
  };
  const schema = (name: string): SymbolAt | undefined => {
    const declaration = checked.schemas.get(name);
    return declaration ? { kind: "schema", name, declaration, type: checked.schemaTypes.get(name), identifier } : undefined;
  };
  const fn = (name: string, call: Expr | undefined): SymbolAt | undefined => {
    const binding = call?.kind === "Call" ? checked.calls.get(call) : undefined;
    const imported = checked.imports.get(name);
    const kind = binding?.kind === "builtin" ? "builtin" : binding?.kind === "aggregate" ? "aggregate" : imported ? "import" : undefined;
    if (!kind) return undefined;
    return { kind: "function", name, binding: kind, imported, callType: call ? checked.types.get(call) : undefined, identifier };
  };

  switch (parent.kind) {
    case "Schema":
      return schema(identifier.name);
    case "Field": {
      const declaration = path[path.length - 3];
      if (declaration?.kind !== "Schema") return undefined;
      const type = checked.schemaTypes.get(declaration.name.name)?.fields.find((f) => f.name === identifier.name)?.type;
      return { kind: "schemaField", schema: declaration, field: parent, type, identifier };
    }
    case "NamedType":
    case "Format":
      return schema(identifier.name);
    case "Source":
      if (parent.eventTime === identifier) {
        const schemaName = parent.valueFormat.schema?.name;
        const field = schemaName === undefined ? undefined : schemaFieldDecl(checked.schemas.get(schemaName), identifier.name);
        if (!field || schemaName === undefined) return undefined;
        const type = checked.schemaTypes.get(schemaName)?.fields.find((f) => f.name === identifier.name)?.type;
        return { kind: "schemaField", schema: checked.schemas.get(schemaName)!, field, type, identifier };
      }
      return collection(identifier.name);
    case "Pipeline":
    case "BranchArm":
    case "Branch":
    case "Sink":
    case "Join":
    case "Merge":
      return collection(identifier.name);
    case "Import":
      return fn(identifier.name, undefined);
    case "Call":
      return fn(identifier.name, parent);
    case "Name":
    case "Member":
      return nameSymbol(checked, parent, identifier, path);
    case "RecordField":
      // `{ amount }`: the name is the field's and the value's; the value is read.
      if (parent.shorthand) return nameSymbol(checked, parent.value, identifier, path);
      return { kind: "recordField", field: parent, type: checked.types.get(parent.value), identifier };
    default:
      return undefined;
  }
}

function nameSymbol(checked: CheckedFile, expr: Expr, identifier: Identifier, path: readonly Node[]): SymbolAt | undefined {
  if (expr.kind === "Member" && expr.property !== identifier) return undefined;
  const binding = expr.kind === "Name" ? checked.names.get(expr) : undefined;
  let field: SchemaFieldRef | undefined;
  if (binding?.kind === "field") {
    field = schemaFieldOfRecord(checked, recordValueAt(checked, path), binding.name);
  } else if (expr.kind === "Member") {
    field = schemaFieldOfRecord(checked, checked.types.get(expr.object), identifier.name);
  }
  return { kind: "name", expr, binding, type: checked.types.get(expr), field, identifier };
}

function schemaFieldOfRecord(checked: CheckedFile, type: Type | undefined, name: string): SchemaFieldRef | undefined {
  const record = type?.kind === "nullable" ? type.type : type;
  if (record?.kind !== "record" || record.schema === undefined) return undefined;
  const schema = checked.schemas.get(record.schema);
  const field = schemaFieldDecl(schema, name);
  return schema && field ? { schema, field } : undefined;
}

function schemaFieldDecl(schema: SchemaDecl | undefined, name: string): FieldDecl | undefined {
  return schema?.fields.find((field) => field.name.name === name);
}

/** The value type of the records an expression on `path` is evaluated on. */
function recordValueAt(checked: CheckedFile, path: readonly Node[]): Type | undefined {
  return recordShapeOn(checked, path)?.value;
}

/**
 * The shape of the records that expressions at `offset` are evaluated on: the input of the
 * step, branch or sink the offset is in, or (in a declaration's text after its last complete
 * step, where an editor's cursor often is) of the last step that starts before it.
 */
export function recordShapeAt(checked: CheckedFile, offset: number): { readonly shape: Shape; readonly step: Step | undefined } | undefined {
  const declaration = [...checked.file.declarations].reverse().find((d) => d.range.start <= offset);
  if (!declaration) return undefined;
  if (declaration.kind === "Pipeline") {
    const step = [...declaration.steps].reverse().find((s) => s.range.start <= offset);
    const shape = step ? checked.stepInputs.get(step) : undefined;
    return shape ? { shape, step } : undefined;
  }
  const shape = recordShapeOn(checked, nodePathAt(checked.file, offset)) ?? (declaration.kind === "Sink" ? checked.shapes.get(declaration.input.name) : undefined);
  return shape ? { shape, step: undefined } : undefined;
}

function recordShapeOn(checked: CheckedFile, path: readonly Node[]): Shape | undefined {
  for (let i = path.length - 1; i >= 0; i--) {
    const node = path[i]!;
    switch (node.kind) {
      case "Where":
      case "Select":
      case "FlatMap":
      case "Rekey":
      case "Join":
      case "Dedup":
      case "Merge":
      case "GroupBy":
      case "Window":
      case "Count":
      case "Sum":
      case "Aggregate":
        return checked.stepInputs.get(node);
      case "Branch":
        return checked.branchInputs.get(node);
      case "Sink":
        return checked.shapes.get(node.input.name);
    }
  }
  return undefined;
}
