// The compiler's diagnostics as the protocol's: the same codes, messages and hints as
// `weir check`. The hint goes into the message, on its own line (every editor shows a
// message; a hint in relatedInformation would need a place to point at, and it has none);
// the places a diagnostic names ("first declared here") become relatedInformation.
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic } from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { Diagnostic } from "../index.ts";

export function toLspDiagnostic(diagnostic: Diagnostic, document: TextDocument): LspDiagnostic {
  const range = { start: document.positionAt(diagnostic.start), end: document.positionAt(diagnostic.start + diagnostic.length) };
  return {
    range,
    severity: diagnostic.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: diagnostic.code,
    source: "weir",
    message: diagnostic.hint === undefined ? diagnostic.message : `${diagnostic.message}\nhint: ${diagnostic.hint}`,
    ...(diagnostic.related && diagnostic.related.length > 0
      ? {
          relatedInformation: diagnostic.related.map((related) => ({
            message: related.message,
            location: {
              uri: document.uri,
              range: { start: document.positionAt(related.start), end: document.positionAt(related.start + related.length) },
            },
          })),
        }
      : {}),
  };
}
