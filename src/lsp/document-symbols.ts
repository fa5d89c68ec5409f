// The outline of a document (textDocument/documentSymbol): its schemas with their fields,
// streams, tables, branches with their arms, and sinks, each with what hover says of it
// in one line. It needs only the parsed tree; the shapes are there when the file checks.
import { SymbolKind, type DocumentSymbol } from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { SourceRange } from "../../grammar/ast.ts";
import { typeRef } from "../../grammar/format.ts";
import { typeToString } from "../../compiler/types.ts";
import type { DocumentAnalysis } from "./document-analysis.ts";

export function documentSymbols(analysis: DocumentAnalysis, document: TextDocument): DocumentSymbol[] {
  const checked = analysis.checked;
  if (!checked) return [];
  const range = (r: SourceRange) => ({ start: document.positionAt(r.start), end: document.positionAt(r.end) });
  const symbol = (name: string, kind: SymbolKind, whole: SourceRange, selection: SourceRange, detail?: string, children?: DocumentSymbol[]): DocumentSymbol => ({
    name,
    kind,
    range: range(whole),
    selectionRange: range(selection),
    ...(detail ? { detail } : {}),
    ...(children ? { children } : {}),
  });
  const shapeDetail = (name: string) => {
    const shape = checked.shapes.get(name);
    return shape ? `key ${typeToString(shape.key)}, value ${typeToString(shape.value)}` : undefined;
  };
  const symbols: DocumentSymbol[] = [];
  for (const declaration of checked.file.declarations) {
    // A name the parser had to make up (empty) names nothing.
    switch (declaration.kind) {
      case "Schema":
        if (declaration.name.name === "") break;
        symbols.push(
          symbol(declaration.name.name, SymbolKind.Struct, declaration.range, declaration.name.range, undefined,
            declaration.fields.filter((f) => f.name.name !== "").map((f) => symbol(f.name.name, SymbolKind.Field, f.range, f.name.range, `${f.optional ? "optional " : ""}${typeRef(f.type)}`))),
        );
        break;
      case "Source":
      case "Pipeline":
        if (declaration.name.name === "") break;
        symbols.push(symbol(declaration.name.name, declaration.collection === "table" ? SymbolKind.Class : SymbolKind.Event, declaration.range, declaration.name.range, `${declaration.collection}${shapeDetail(declaration.name.name) ? `: ${shapeDetail(declaration.name.name)}` : ""}`));
        break;
      case "Branch":
        symbols.push(
          symbol(`branch ${declaration.input.name}`, SymbolKind.Namespace, declaration.range, declaration.input.range, undefined,
            declaration.arms.filter((a) => a.name.name !== "").map((a) => symbol(a.name.name, SymbolKind.Event, a.range, a.name.range, `stream${shapeDetail(a.name.name) ? `: ${shapeDetail(a.name.name)}` : ""}`))),
        );
        break;
      case "Sink": {
        const topic = declaration.topic.kind === "StringLiteral" ? `"${declaration.topic.value}"` : "a topic per record";
        symbols.push(symbol(`sink ${declaration.input.name}`, SymbolKind.Method, declaration.range, declaration.input.range, `to ${topic}`));
        break;
      }
      case "Import":
        for (const name of declaration.names) if (name.name !== "") symbols.push(symbol(name.name, SymbolKind.Function, declaration.range, name.range, `from "${declaration.from.value}"`));
        break;
    }
  }
  return symbols;
}
