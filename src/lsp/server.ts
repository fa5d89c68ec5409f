// weir's language server (`weir lsp --stdio`): diagnostics as you type, hover, go to
// definition, completion, the outline, formatting and the generated TypeScript, over the Language
// Server Protocol. Each feature is a function of the document's analysis (its own file
// here); this file only wires them to a connection, which a test can make over any pair
// of streams.
import { createConnection, TextDocuments, TextDocumentSyncKind, type Connection, type InitializeResult } from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { completionsAt } from "./completion.ts";
import { definitionAt } from "./definition.ts";
import { toLspDiagnostic } from "./diagnostics.ts";
import { analyzeDocument, pathOfUri, type DocumentAnalysis } from "./document-analysis.ts";
import { documentSymbols } from "./document-symbols.ts";
import { formattingEdits } from "./formatting.ts";
import { generatedTypeScript, generatedTypeScriptCommand, generatedTypeScriptLenses } from "./generated-typescript.ts";
import { hoverAt } from "./hover.ts";

export const serverCapabilities: InitializeResult["capabilities"] = {
  textDocumentSync: TextDocumentSyncKind.Incremental,
  hoverProvider: true,
  definitionProvider: true,
  completionProvider: { triggerCharacters: [".", "|"] },
  documentFormattingProvider: true,
  documentSymbolProvider: true,
  codeLensProvider: { resolveProvider: false },
  executeCommandProvider: { commands: [generatedTypeScriptCommand] },
};

/** Serves weir documents on a connection; the connection starts listening. */
export function serveWeir(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  // One analysis per version of a document, made when it changes and read by every request.
  const analyses = new Map<string, { readonly version: number; readonly analysis: DocumentAnalysis }>();

  const analysisOf = (document: TextDocument): DocumentAnalysis => {
    const known = analyses.get(document.uri);
    if (known?.version === document.version) return known.analysis;
    const analysis = analyzeDocument(document.getText(), pathOfUri(document.uri));
    analyses.set(document.uri, { version: document.version, analysis });
    return analysis;
  };
  const withDocument = <T>(uri: string, fallback: T, answer: (document: TextDocument, analysis: DocumentAnalysis) => T): T => {
    const document = documents.get(uri);
    return document ? answer(document, analysisOf(document)) : fallback;
  };

  connection.onInitialize(() => ({ capabilities: serverCapabilities, serverInfo: { name: "weir" } }));

  documents.onDidChangeContent(({ document }) => {
    const analysis = analysisOf(document);
    void connection.sendDiagnostics({
      uri: document.uri,
      version: document.version,
      diagnostics: analysis.diagnostics.map((diagnostic) => toLspDiagnostic(diagnostic, document)),
    });
  });
  documents.onDidClose(({ document }) => {
    analyses.delete(document.uri);
    void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
  });

  connection.onHover(({ textDocument, position }) =>
    withDocument(textDocument.uri, null, (document, analysis) => hoverAt(analysis, document, document.offsetAt(position))),
  );
  connection.onDefinition(({ textDocument, position }) =>
    withDocument(textDocument.uri, null, (document, analysis) => definitionAt(analysis, document, document.offsetAt(position))),
  );
  connection.onCompletion(({ textDocument, position }) =>
    withDocument(textDocument.uri, [], (document, analysis) => completionsAt(analysis, document.offsetAt(position))),
  );
  connection.onDocumentSymbol(({ textDocument }) => withDocument(textDocument.uri, [], (document, analysis) => documentSymbols(analysis, document)));
  connection.onDocumentFormatting(({ textDocument }) => withDocument(textDocument.uri, [], (document, analysis) => formattingEdits(analysis, document)));
  connection.onCodeLens(({ textDocument }) => withDocument(textDocument.uri, [], (document, analysis) => generatedTypeScriptLenses(analysis, document)));
  connection.onExecuteCommand(({ command, arguments: args }) => {
    if (command !== generatedTypeScriptCommand) return null;
    const [uri, line] = (args ?? []) as [unknown, unknown];
    if (typeof uri !== "string") return null;
    return withDocument(uri, null, (_document, analysis) => generatedTypeScript(analysis, typeof line === "number" ? line : undefined));
  });

  documents.listen(connection);
  connection.listen();
}

/** `weir lsp --stdio`: the protocol on standard input and output (anything else written to stdout would break it). */
export function serveWeirOverStdio(): void {
  serveWeir(createConnection(process.stdin, process.stdout));
}
