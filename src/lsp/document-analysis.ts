// What the server knows about one open .weir document: the diagnostics `weir check`
// prints, and the checker's facts (types, shapes, names) that hover, definition and
// completion read.
//
// A file being typed often does not parse (`| where ` and nothing yet). `weir check`
// then stops after parsing, and so do the diagnostics here; but the parser recovers,
// and the facts of the recovered tree (the shape of the records at `where`) are what
// completion needs most. So the tree is still resolved and checked, for its facts only:
// what that finds is never shown.
import { fileURLToPath } from "node:url";
import { basename, join } from "node:path";
import { analyze } from "../index.ts";
import type { CheckedFile } from "../../compiler/check.ts";
import { checkFile } from "../../compiler/check.ts";
import { DiagnosticBag, type Diagnostic } from "../../compiler/diagnostics.ts";
import { resolveNames } from "../../compiler/resolve.ts";

export interface DocumentAnalysis {
  readonly text: string;
  /** The .weir file's path: diagnostics name it, and imports are found relative to it. */
  readonly path: string;
  /** What `weir check` reports for the text. */
  readonly diagnostics: readonly Diagnostic[];
  /** The checker's facts, of the recovered tree when the text does not parse; absent when even that failed. */
  readonly checked: CheckedFile | undefined;
  /** Whether the text parses: only then is `checked` the file as `weir check` sees it. */
  readonly parsed: boolean;
}

export function analyzeDocument(text: string, path: string): DocumentAnalysis {
  const analysis = analyze(text, { path });
  if (analysis.checked) return { text, path, diagnostics: analysis.diagnostics, checked: analysis.checked, parsed: true };
  return { text, path, diagnostics: analysis.diagnostics, checked: checkRecoveredTree(analysis.ast, path), parsed: false };
}

function checkRecoveredTree(ast: Parameters<typeof resolveNames>[0], path: string): CheckedFile | undefined {
  const ignored = new DiagnosticBag(path);
  try {
    return checkFile(resolveNames(ast, ignored, { path }), ignored);
  } catch {
    // The checker is written for trees that parse; a recovered one may hold what it never meets.
    return undefined;
  }
}

/**
 * The file path of a document's URI. A document that is not a file yet (`untitled:`)
 * is taken to be in the server's working folder, where its imports are looked for.
 */
export function pathOfUri(uri: string): string {
  if (uri.startsWith("file:")) return fileURLToPath(uri);
  const name = basename(uri.replace(/^[a-z]+:/i, "")) || "untitled.weir";
  return join(process.cwd(), name.endsWith(".weir") ? name : `${name}.weir`);
}
