// Phase 0: text to AST. The grammar reports lexing and parsing problems as
// ranges; here they become diagnostics with their stable codes.
import type { WeirFile } from "../grammar/ast.ts";
import { parseWeir } from "../grammar/index.ts";
import type { DiagnosticBag } from "./diagnostics.ts";

export function parseFile(text: string, bag: DiagnosticBag): WeirFile {
  const { file, problems } = parseWeir(text);
  for (const problem of problems) {
    bag.report(problem.kind === "lex" ? "unexpectedCharacter" : "syntaxError", problem, [problem.message]);
  }
  return file;
}
