// The checker's schemas room: each schema's record type, the fields of records
// being declared or built, and the types that a topic's formats read.
import type { FormatRef, Identifier, SchemaDecl, TypeRef } from "../../grammar/ast.ts";
import { Types, type Type } from "../types.ts";
import type { CheckContext } from "./context.ts";

/** Every schema's record type (a schema's fields first, then what is wrong with them). */
export function checkSchemas(cx: CheckContext): void {
  for (const schema of cx.resolved.schemas.values()) schemaType(cx, schema.name.name);
  for (const schema of cx.resolved.schemas.values()) checkSchemaFields(cx, schema);
}

function schemaType(cx: CheckContext, name: string, visiting = new Set<string>()): Type {
  const known = cx.schemaTypes.get(name);
  if (known) return known;
  const schema = cx.resolved.schemas.get(name);
  // A schema that contains itself has no finite JSON shape to check: checked at run time only.
  if (!schema || visiting.has(name)) return Types.any;
  visiting.add(name);
  const fields = schema.fields.map((field) => {
    const type = typeFromRef(cx, field.type, visiting);
    return { name: field.name.name, type: field.optional ? Types.nullable(type) : type };
  });
  const type = Types.record(fields, name);
  cx.schemaTypes.set(name, type);
  return type;
}

function typeFromRef(cx: CheckContext, ref: TypeRef, visiting: Set<string>): Type {
  switch (ref.kind) {
    case "PrimitiveType":
      return Types[ref.name];
    case "ListType":
      return Types.list(typeFromRef(cx, ref.element, visiting));
    case "MapType":
      // The key type is string (resolve.ts reports any other): only the values' type is kept.
      return Types.map(typeFromRef(cx, ref.value, visiting));
    case "NamedType":
      return schemaType(cx, ref.name.name, visiting);
  }
}

function checkSchemaFields(cx: CheckContext, schema: SchemaDecl): void {
  const seen = new Set<string>();
  for (const field of schema.fields) checkNewField(cx, field.name, seen);
}

/** A field of a record being declared or built (a schema's, an aggregate's, `{ ... }`): named once, and not `__proto__`. */
export function checkNewField(cx: CheckContext, name: Identifier, seen: Set<string>): void {
  if (seen.has(name.name)) cx.bag.report("duplicateField", name, [name.name]);
  if (name.name === "__proto__") cx.bag.report("reservedFieldName", name, [name.name], { hint: "rename the field" });
  seen.add(name.name);
}

/** The type a format reads: text, a schema's record, or JSON of any shape. */
export function formatType(cx: CheckContext, format: FormatRef): Type {
  if (format.name === "string") return Types.string;
  return format.schema ? schemaType(cx, format.schema.name) : Types.any;
}
