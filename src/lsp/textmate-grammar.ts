// weir's TextMate grammar (editors/vscode/syntaxes/weir.tmLanguage.json), generated from
// the lexer's own token list (grammar/tokens.ts) and the built-in functions, so that a
// keyword added to the language is highlighted as one, or fails
// test/src/lsp/textmate-grammar.test.ts until it is given a scope here; the test also
// checks the file is this grammar (UPDATE_SNAPSHOTS=1 regenerates it) and highlights every
// token of the examples as the lexer reads it.
//
// The patterns are written so that JavaScript's RegExp reads them as Oniguruma does
// (no possessive quantifiers, no \h, no \A): the test runs them with RegExp.
import { aggregateFunctions, builtinFunctions } from "../../compiler/builtins.ts";
import { hardKeywords, softKeywords } from "../../grammar/tokens.ts";

/** The scope of each keyword. Soft keywords are names too (a field called `key`): an editor cannot tell, so they look like keywords. */
export const keywordScopes: Readonly<Record<string, string>> = {
  ...scopeOf("storage.type.weir", "application import from schema stream table sink branch"),
  ...scopeOf("support.type.weir", "string number integer boolean timestamp list map json"),
  ...scopeOf(
    "keyword.other.weir",
    "topic key value event time to where select flatmap rekey group by count sum aggregate window tumbling hopping sliding session " +
      "advance grace emit final changes join left right outer on within before after dedup merge headers windowed",
  ),
  ...scopeOf("keyword.operator.word.weir", "in between and or not"),
  ...scopeOf("keyword.control.conditional.weir", "if then else"),
  ...scopeOf("constant.language.weir", "true false null"),
};

function scopeOf(scope: string, words: string): Record<string, string> {
  return Object.fromEntries(words.split(" ").map((word) => [word, scope]));
}

/** The word of a keyword token: its label without quotes (`'where'`). */
export function keywordWord(label: string | undefined): string {
  const word = /^'([a-z]+)'$/.exec(label ?? "")?.[1];
  if (word === undefined) throw new Error(`a keyword token without a word label: ${label}`);
  return word;
}

export const name = "[A-Za-z_][A-Za-z0-9_]*";

export function weirTextMateGrammar(): Record<string, unknown> {
  const words = [...softKeywords, ...hardKeywords].map((token) => keywordWord(token.LABEL));
  const unscoped = words.filter((word) => keywordScopes[word] === undefined);
  if (unscoped.length > 0) throw new Error(`keywords without a scope in src/lsp/textmate-grammar.ts: ${unscoped.join(", ")}`);
  const byScope = new Map<string, string[]>();
  for (const word of words) byScope.set(keywordScopes[word]!, [...(byScope.get(keywordScopes[word]!) ?? []), word]);
  // Longer words first, so that an alternation never stops at a prefix (`window` in `windowed`).
  const alternation = (list: readonly string[]) => [...list].sort((a, b) => b.length - a.length || a.localeCompare(b)).join("|");
  const functions = [...Object.keys(builtinFunctions), ...Object.keys(aggregateFunctions)];

  return {
    $schema: "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
    name: "weir",
    scopeName: "source.weir",
    fileTypes: ["weir"],
    comment: "Generated from grammar/tokens.ts by src/lsp/textmate-grammar.ts: do not edit (UPDATE_SNAPSHOTS=1 npx vitest run test/src/lsp/textmate-grammar.test.ts).",
    patterns: [
      { include: "#comments" },
      { include: "#strings" },
      { include: "#numbers" },
      { include: "#declarations" },
      { include: "#calls" },
      { include: "#keywords" },
      { include: "#operators" },
      { include: "#punctuation" },
    ],
    repository: {
      comments: {
        patterns: [
          { name: "comment.block.weir", begin: "/\\*", end: "\\*/" },
          { name: "comment.line.double-slash.weir", match: "//.*$" },
        ],
      },
      strings: {
        patterns: [
          {
            name: "string.quoted.double.weir",
            begin: '"',
            end: '"|$',
            patterns: [
              { name: "constant.character.escape.weir", match: '\\\\(?:["\\\\/bfnrt]|u[0-9A-Fa-f]{4})' },
              { name: "invalid.illegal.escape.weir", match: "\\\\." },
            ],
          },
        ],
      },
      numbers: { patterns: [{ name: "constant.numeric.weir", match: "\\b\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?" }] },
      declarations: {
        patterns: [
          { match: `\\b(schema)\\s+(${name})`, captures: { 1: { name: "storage.type.weir" }, 2: { name: "entity.name.type.weir" } } },
          { match: `\\b(stream|table)\\s+(${name})`, captures: { 1: { name: "storage.type.weir" }, 2: { name: "entity.name.variable.weir" } } },
        ],
      },
      calls: {
        patterns: [
          { match: `\\b(${alternation(functions)})(?=\\s*\\()`, name: "support.function.builtin.weir" },
          { match: `\\b(${name})(?=\\s*\\()`, name: "entity.name.function.weir" },
        ],
      },
      keywords: {
        patterns: [...byScope].map(([scope, list]) => ({ name: scope, match: `\\b(?:${alternation(list)})\\b` })),
      },
      operators: {
        patterns: [
          { name: "keyword.operator.pipe.weir", match: "\\|" },
          { name: "keyword.operator.comparison.weir", match: "==|!=|<=|>=|<|>" },
          { name: "keyword.operator.assignment.weir", match: "=" },
          { name: "keyword.operator.arithmetic.weir", match: "[+\\-*/%]" },
        ],
      },
      punctuation: {
        patterns: [
          { name: "punctuation.separator.comma.weir", match: "," },
          { name: "punctuation.separator.colon.weir", match: ":" },
          { name: "punctuation.accessor.weir", match: "\\." },
          { name: "keyword.operator.optional.weir", match: "\\?" },
        ],
      },
    },
  };
}
