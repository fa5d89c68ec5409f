// weir's public compiler API: what the CLI uses, and what tools embedding weir use.
import { analyze, compileSource, type CompileOutput } from "../compiler/compile.ts";
import type { Diagnostic } from "../compiler/diagnostics.ts";

export { analyze } from "../compiler/compile.ts";
export { formatDiagnostic, formatDiagnostics } from "../compiler/diagnostic-printer.ts";
export { diagnostics as diagnosticCatalogue } from "../compiler/diagnostics.ts";
export type { Diagnostic, DiagnosticCode, Severity } from "../compiler/diagnostics.ts";
export type { TopologyPlan } from "../compiler/plan.ts";

export interface CompileOptions {
  /** The .weir file's path, for diagnostics and to find imported TypeScript modules. Default: "topology.weir". */
  readonly path?: string;
  /** How the generated module imports weir's runtime. Default: "weir/runtime". */
  readonly runtimeModule?: string;
  /** How the generated module imports a user module, given its absolute path. Default: the absolute path. */
  readonly importSpecifier?: (modulePath: string) => string;
}

export type CompileResult = CompileOutput;

/** Compiles .weir source text to the text of a TypeScript module; `code` is absent when there are errors. */
export function compile(source: string, options: CompileOptions = {}): CompileResult {
  const path = options.path ?? "topology.weir";
  return compileSource(source, {
    path,
    runtimeModule: options.runtimeModule ?? "weir/runtime",
    importSpecifier: options.importSpecifier ?? ((modulePath) => modulePath),
  });
}

/** Checks .weir source text: the diagnostics `weir check` prints. */
export function check(source: string, options: { readonly path?: string } = {}): readonly Diagnostic[] {
  return analyze(source, { path: options.path ?? "topology.weir" }).diagnostics;
}
