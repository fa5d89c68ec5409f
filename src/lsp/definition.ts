// Go to definition: a stream's, table's or schema's declaration in the file, a field's in
// its schema, and an imported function's in its TypeScript module (where the compiler's
// reading of the module found it).
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Location } from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { SourceRange } from "../../grammar/ast.ts";
import { symbolAt } from "../../compiler/locate.ts";
import type { DocumentAnalysis } from "./document-analysis.ts";

export function definitionAt(analysis: DocumentAnalysis, document: TextDocument, offset: number): Location | null {
  const checked = analysis.checked;
  if (!checked) return null;
  const symbol = symbolAt(checked, offset);
  const here = (range: SourceRange): Location => ({ uri: document.uri, range: { start: document.positionAt(range.start), end: document.positionAt(range.end) } });
  const inFile = (path: string, line: number, column: number): Location => {
    const position = { line: line - 1, character: column - 1 };
    return { uri: pathToFileURL(path).href, range: { start: position, end: position } };
  };
  switch (symbol?.kind) {
    case "collection":
      return here(symbol.declaration.name.range);
    case "schema":
      return here(symbol.declaration.name.range);
    case "schemaField":
      return here(symbol.field.name.range);
    case "name": {
      if (symbol.field) return here(symbol.field.field.name.range);
      const table = symbol.binding?.kind === "joined" ? checked.collections.get(symbol.binding.table) : undefined;
      return table ? here(table.name.range) : null;
    }
    case "function": {
      const at = symbol.imported?.declaredAt;
      return at ? inFile(at.path, at.line, at.column) : null;
    }
    case "module": {
      const path = symbol.modulePath ?? resolve(dirname(analysis.path), symbol.specifier);
      return existsSync(path) ? inFile(path, 1, 1) : null;
    }
    default:
      return null;
  }
}
