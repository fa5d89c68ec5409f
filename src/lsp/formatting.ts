// Formatting: the whole document in the canonical layout of `weir fmt`, as one edit.
// A document that does not parse is left as it is (as `weir fmt` leaves a file).
import type { TextEdit } from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { format } from "../index.ts";
import type { DocumentAnalysis } from "./document-analysis.ts";

export function formattingEdits(analysis: DocumentAnalysis, document: TextDocument): TextEdit[] {
  const formatted = format(analysis.text, { path: analysis.path }).text;
  if (formatted === undefined || formatted === analysis.text) return [];
  return [{ range: { start: document.positionAt(0), end: document.positionAt(analysis.text.length) }, newText: formatted }];
}
