// weir's public compiler API: what the CLI uses, and what tools embedding weir use.
import { analyze, compileSource, type CompileOutput } from "../compiler/compile.ts";
import { DiagnosticBag, type Diagnostic } from "../compiler/diagnostics.ts";
import { parseFile } from "../compiler/parse.ts";
import { formatWeir } from "../grammar/format.ts";

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

export interface FormatResult {
  /** The canonical text; absent when the file does not parse. */
  readonly text: string | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

/** The canonical layout of .weir source text (`weir fmt`). A file that does not parse is not formatted. */
export function format(source: string, options: { readonly path?: string } = {}): FormatResult {
  const bag = new DiagnosticBag(options.path ?? "topology.weir");
  const ast = parseFile(source, bag);
  if (bag.hasErrors) return { text: undefined, diagnostics: bag.items };
  return { text: formatWeir(ast, source), diagnostics: [] };
}
