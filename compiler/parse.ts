// Phase 0: text to AST. The grammar reports lexing and parsing problems as
// ranges; here they become diagnostics with their stable codes.
import type { WeirFile } from "../grammar/ast.ts";
import type { ExpectedKeyword } from "../grammar/index.ts";
import { parseWeir } from "../grammar/index.ts";
import type { DiagnosticBag } from "./diagnostics.ts";
import { orList, suggest } from "../runtime/suggest.ts";

export function parseFile(text: string, bag: DiagnosticBag): WeirFile {
  const { file, problems } = parseWeir(text);
  for (const problem of problems) {
    const hint = problem.hint ?? (problem.misspelt ? misspeltKeywordHint(problem.misspelt.found, problem.misspelt.expected) : undefined);
    bag.report(problem.kind === "lex" ? "unexpectedCharacter" : "syntaxError", problem, [problem.message], hint ? { hint } : {});
  }
  return file;
}

/**
 * Words that other stream processors use for a weir keyword (Kafka Streams' `filter` is weir's
 * `where`): no misspelling of it, so edit distance would never find it.
 */
const otherNames: Readonly<Record<string, string>> = {
  filter: "where",
  map: "select",
  mapvalues: "select",
  selectkey: "rekey",
  flatmapvalues: "flatmap",
  groupby: "group",
  distinct: "dedup",
  union: "merge",
  reduce: "aggregate",
};

/** `did you mean 'group by'?` for `grup`: the keyword is matched, the phrase it starts is shown. */
function misspeltKeywordHint(found: string, expected: readonly ExpectedKeyword[]): string | undefined {
  const otherName = Object.hasOwn(otherNames, found.toLowerCase()) ? expected.find((keyword) => keyword.word === otherNames[found.toLowerCase()]) : undefined;
  if (otherName) return `did you mean '${otherName.phrase}'?`;
  const words = suggest(found, expected.map((keyword) => keyword.word));
  if (words.length === 0) return undefined;
  const phrases = words.map((word) => `'${expected.find((keyword) => keyword.word === word)!.phrase}'`);
  return `did you mean ${orList(phrases)}?`;
}
