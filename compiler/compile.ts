// The compiler's pipeline, in one place: each phase takes the previous one's
// typed output, and nothing reaches back.
//
//   parse    text → AST                      (grammar/, compiler/parse.ts)
//   resolve  AST → symbol tables              (compiler/resolve.ts)
//   check    → types and shapes               (compiler/check.ts, its rooms in compiler/check/)
//   plan     → topology graph                 (compiler/plan.ts)
//   emit     → TypeScript text                (compiler/emit.ts)
//
// Code is planned and emitted only for a file without errors.
import { basename } from "node:path";
import type { WeirFile } from "../grammar/ast.ts";
import { checkFile, type CheckedFile } from "./check.ts";
import { DiagnosticBag, type Diagnostic } from "./diagnostics.ts";
import { emitTypeScript, type EmitOptions } from "./emit.ts";
import { parseFile } from "./parse.ts";
import { planTopology, type TopologyPlan } from "./plan.ts";
import { resolveNames } from "./resolve.ts";
import { sourceMapOf, type SourceMap } from "./source-map.ts";

export interface AnalyzeOptions {
  /** The .weir file's path: diagnostics name it, and imports are found relative to it. */
  readonly path: string;
}

export interface Analysis {
  readonly ast: WeirFile;
  /** Absent when the file did not parse. */
  readonly checked: CheckedFile | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

/** parse → resolve → check: everything `weir check` needs. */
export function analyze(text: string, options: AnalyzeOptions): Analysis {
  const bag = new DiagnosticBag(options.path);
  const ast = parseFile(text, bag);
  // Names and types are not checked in a file that did not parse: the
  // recovered tree would only add noise after the real problem.
  if (bag.hasErrors) return { ast, checked: undefined, diagnostics: bag.items };
  const resolved = resolveNames(ast, bag, { path: options.path });
  const checked = checkFile(resolved, bag);
  return { ast, checked, diagnostics: bag.items };
}

export interface CompileOutput {
  readonly diagnostics: readonly Diagnostic[];
  /** Present only when there are no errors. */
  readonly plan: TopologyPlan | undefined;
  readonly code: string | undefined;
  /** The map from `code` back to the .weir file (named by `sourceName`), with the file's text; present with `code`. */
  readonly sourceMap?: SourceMap;
}

export function compileSource(text: string, options: AnalyzeOptions & Omit<EmitOptions, "sourceName"> & { readonly sourceName?: string }): CompileOutput {
  const analysis = analyze(text, options);
  if (!analysis.checked || analysis.diagnostics.some((d) => d.severity === "error")) {
    return { diagnostics: analysis.diagnostics, plan: undefined, code: undefined };
  }
  const plan = planTopology(analysis.checked, text);
  const sourceName = options.sourceName ?? basename(options.path);
  const emitted = emitTypeScript(plan, { sourceName, runtimeModule: options.runtimeModule, importSpecifier: options.importSpecifier });
  return { diagnostics: analysis.diagnostics, plan, code: emitted.code, sourceMap: sourceMapOf(emitted.positions, text, sourceName) };
}
