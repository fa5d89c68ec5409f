// The TypeScript `weir compile` generates, for the whole module or for one declaration,
// and the code lenses that offer it over each declaration that compiles to a statement.
//
// The emitter starts the statement of each stream, table, branch and sink with a comment
// that points back to its line (`// shop.weir:12`); a declaration's code is the statement
// that follows its comment, up to the blank line that separates statements.
import { basename, dirname, relative, sep } from "node:path";
import type { CodeLens } from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { compile, formatDiagnostics } from "../index.ts";
import type { DocumentAnalysis } from "./document-analysis.ts";

/** The server's command (workspace/executeCommand): arguments [uri] for the module, [uri, line] (0-based) for one declaration. */
export const generatedTypeScriptCommand = "weir.generatedTypeScript";
/** The editor-side command a code lens runs: the VS Code extension opens what the server's command returns. */
export const showGeneratedTypeScriptCommand = "weir.showGeneratedTypeScript";

export interface GeneratedTypeScript {
  /** The TypeScript, or, when the file has errors, the diagnostics `weir check` prints. */
  readonly text: string;
  readonly ok: boolean;
}

export function generatedTypeScript(analysis: DocumentAnalysis, line?: number): GeneratedTypeScript {
  const result = compile(analysis.text, {
    path: analysis.path,
    // As `weir compile` writes it next to the .weir file.
    importSpecifier: (modulePath) => {
      const specifier = relative(dirname(analysis.path), modulePath).split(sep).join("/");
      return specifier.startsWith(".") ? specifier : `./${specifier}`;
    },
  });
  if (result.code === undefined) return { text: formatDiagnostics(result.diagnostics, analysis.text), ok: false };
  if (line === undefined) return { text: result.code, ok: true };
  const statement = statementOfLine(result.code, basename(analysis.path), line + 1);
  return statement === undefined ? { text: result.code, ok: true } : { text: statement, ok: true };
}

/** The statement the emitter wrote for the declaration on `line` (1-based), its pointer comment included. */
function statementOfLine(code: string, sourceName: string, line: number): string | undefined {
  const lines = code.split("\n");
  const start = lines.findIndex((text) => text.trim() === `// ${sourceName}:${line}`);
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && lines[end]!.trim() !== "" && !lines[end]!.trim().startsWith(`// ${sourceName}:`)) end++;
  const statement = lines.slice(start, end);
  const indent = Math.min(...statement.filter((text) => text.trim() !== "").map((text) => /^ */.exec(text)![0].length));
  return `${statement.map((text) => text.slice(indent)).join("\n")}\n`;
}

/** A lens over each stream, table, branch and sink, when the file compiles (a file with errors has no code to show). */
export function generatedTypeScriptLenses(analysis: DocumentAnalysis, document: TextDocument): CodeLens[] {
  if (!analysis.parsed || analysis.diagnostics.some((d) => d.severity === "error") || !analysis.checked) return [];
  return analysis.checked.file.declarations
    .filter((declaration) => declaration.kind !== "Import" && declaration.kind !== "Schema")
    .map((declaration) => {
      const position = document.positionAt(declaration.range.start);
      return {
        range: { start: position, end: position },
        command: { title: "Show generated TypeScript", command: showGeneratedTypeScriptCommand, arguments: [document.uri, position.line] },
      };
    });
}
