// How hover and completion show weir's facts: types, shapes and function signatures,
// in weir's own words (the type names `weir check` uses in its messages).
import type { Shape } from "../../compiler/check.ts";
import type { FunctionSignature } from "../../compiler/builtins.ts";
import { nonNull, Types, typeToString, type Type } from "../../compiler/types.ts";

/** A type, with a record's fields written out (`Order { id: string, amount: number }`). */
export function typeWithFields(type: Type): string {
  const record = nonNull(type);
  if (record.kind !== "record") return typeToString(type);
  const fields = `{ ${record.fields.map((field) => `${field.name}: ${typeToString(field.type)}`).join(", ")} }`;
  const text = record.schema ? `${record.schema} ${fields}` : fields;
  return type.kind === "nullable" ? `${text} or null` : text;
}

/** `stream orders: key string, value Order { ... }`, and what else the records carry. */
export function shapeText(name: string, shape: Shape): string {
  const lines = [`${shape.collection} ${name}: key ${typeToString(shape.key)}, value ${typeWithFields(shape.value)}`];
  if (shape.window) lines.push(`windowed (${shape.window === "session" ? "session windows" : "time windows"}): window.start and window.end can be read`);
  for (const [table, type] of shape.joined ?? []) lines.push(`joined: ${table} (${typeToString(type)})`);
  return lines.join("\n");
}

/** The records a step receives: `key string, value Order { ... }`. */
export function recordsText(shape: Shape): string {
  return `key ${typeToString(shape.key)}, value ${typeWithFields(shape.value)}${shape.window ? ", window" : ""}`;
}

/** `substring(text, start, end?): string`: optional parameters marked; the result when it does not depend on the arguments. */
export function signatureText(name: string, signature: FunctionSignature, callType?: Type): string {
  const parameters = signature.parameters.map((parameter, index) => `${parameter.name}${index >= signature.required ? "?" : ""}`);
  const result = callType ?? signature.result(signature.parameters.map(() => Types.error));
  const shown = result.kind === "error" || result.kind === "any" ? "" : `: ${typeToString(result)}`;
  return `${name}(${parameters.join(", ")})${shown}`;
}

/** The signature in a code block, its summary and what each parameter takes, as markdown. */
export function signatureMarkdown(name: string, signature: FunctionSignature, callType?: Type): string {
  const parameters = signature.parameters.map((parameter) => `- \`${parameter.name}\`: ${parameter.expected}`);
  return [codeBlock(signatureText(name, signature, callType)), signature.summary, ...(parameters.length > 0 ? ["", ...parameters] : [])].join("\n");
}

export function codeBlock(text: string): string {
  return `\`\`\`weir\n${text}\n\`\`\``;
}
