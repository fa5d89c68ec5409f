// Hover: the type of the name under the cursor (a stream, a table, a schema, a field, a
// name in an expression), a function's signature, or the records a step receives.
import type { Hover } from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { aggregateFunctions, builtinFunctions, type AggregateFunctionName } from "../../compiler/builtins.ts";
import { nodePathAt, symbolAt, type SymbolAt } from "../../compiler/locate.ts";
import { typeToString } from "../../compiler/types.ts";
import { expression } from "../../grammar/format.ts";
import type { CheckedFile, Shape } from "../../compiler/check.ts";
import type { Node } from "../../grammar/ast.ts";
import { codeBlock, recordsText, shapeText, signatureMarkdown, typeWithFields } from "./describe.ts";
import type { DocumentAnalysis } from "./document-analysis.ts";

export function hoverAt(analysis: DocumentAnalysis, document: TextDocument, offset: number): Hover | null {
  const checked = analysis.checked;
  if (!checked) return null;
  const symbol = symbolAt(checked, offset);
  const text = symbol ? symbolMarkdown(symbol) : stepMarkdown(checked, offset);
  if (text === undefined) return null;
  const range = symbol && "identifier" in symbol ? symbol.identifier.range : undefined;
  return {
    contents: { kind: "markdown", value: text },
    ...(range ? { range: { start: document.positionAt(range.start), end: document.positionAt(range.end) } } : {}),
  };
}

function symbolMarkdown(symbol: SymbolAt): string | undefined {
  switch (symbol.kind) {
    case "collection":
      return symbol.shape ? codeBlock(shapeText(symbol.name, symbol.shape)) : codeBlock(`${symbol.declaration.collection} ${symbol.name}`);
    case "schema":
      return codeBlock(`schema ${symbol.type ? typeWithFields(symbol.type) : symbol.name}`);
    case "schemaField":
      return codeBlock(`${symbol.field.name.name}${symbol.field.optional ? "?" : ""}: ${symbol.type ? typeToString(symbol.type) : "?"}`) + `\n\nfield of the schema ${symbol.schema.name.name}`;
    case "name": {
      if (!symbol.type) return undefined;
      const name = symbol.identifier.name;
      const typed = codeBlock(`${name}: ${typeWithFields(symbol.type)}`);
      const binding = symbol.binding;
      const what =
        binding?.kind === "key" ? "the record's key"
        : binding?.kind === "value" ? "the record's value"
        : binding?.kind === "timestamp" ? "the record's timestamp (epoch milliseconds)"
        : binding?.kind === "window" ? "the record's window (epoch milliseconds)"
        : binding?.kind === "joined" ? `the value of the table ${binding.table}, joined before`
        : symbol.field ? `field of the schema ${symbol.field.schema.name.name}`
        : symbol.expr.kind === "Member" ? `a field of \`${expression(symbol.expr.object)}\``
        : "a field of the value";
      return `${typed}\n\n${what}`;
    }
    case "recordField":
      return symbol.type ? `${codeBlock(`${symbol.identifier.name}: ${typeWithFields(symbol.type)}`)}\n\na field of the record made here` : undefined;
    case "function": {
      const signature =
        symbol.binding === "builtin" ? builtinFunctions[symbol.name]
        : symbol.binding === "aggregate" ? aggregateFunctions[symbol.name as AggregateFunctionName]
        : symbol.imported?.signature;
      return signature ? signatureMarkdown(symbol.name, signature, symbol.callType) : undefined;
    }
    case "module":
      return symbol.modulePath ? `TypeScript module \`${symbol.modulePath}\`` : undefined;
  }
}

/** On a step's keyword: what the records that reach it carry. */
function stepMarkdown(checked: CheckedFile, offset: number): string | undefined {
  const path = nodePathAt(checked.file, offset);
  const node = path[path.length - 1]!;
  const shape = (checked.stepInputs as ReadonlyMap<Node, Shape>).get(node);
  return shape ? `records here:\n\n${codeBlock(recordsText(shape))}` : undefined;
}
