// The TextMate grammar of editors/vscode: generated from the lexer's tokens
// (src/lsp/textmate-grammar.ts), so that the file is regenerated with
//   UPDATE_SNAPSHOTS=1 npx vitest run test/src/lsp/textmate-grammar.test.ts
// and highlights every token of the examples as the lexer reads it: run by a small
// TextMate tokenizer (textmate-tokenizer.ts) with JavaScript's RegExp.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { IToken, TokenType } from "chevrotain";
import { describe, expect, it } from "vitest";
import { tokenize } from "../../../grammar/index.ts";
import * as T from "../../../grammar/tokens.ts";
import { aggregateFunctions, builtinFunctions } from "../../../compiler/builtins.ts";
import { keywordScopes, keywordWord, weirTextMateGrammar } from "../../../src/lsp/textmate-grammar.ts";
import { scopesOfText, type TextMateGrammar } from "./textmate-tokenizer.ts";

const root = join(import.meta.dirname, "..", "..", "..");
const grammarFile = join(root, "editors", "vscode", "syntaxes", "weir.tmLanguage.json");
const grammar = weirTextMateGrammar() as unknown as TextMateGrammar;

describe("editors/vscode/syntaxes/weir.tmLanguage.json", () => {
  it("is the grammar generated from the lexer's tokens", () => {
    const generated = `${JSON.stringify(weirTextMateGrammar(), null, 2)}\n`;
    if (process.env.UPDATE_SNAPSHOTS) writeFileSync(grammarFile, generated);
    expect(readFileSync(grammarFile, "utf8"), "UPDATE_SNAPSHOTS=1 npx vitest run test/src/lsp/textmate-grammar.test.ts regenerates it").toBe(generated);
  });

  it("gives every keyword of the lexer a scope", () => {
    for (const token of [...T.softKeywords, ...T.hardKeywords]) expect(keywordScopes[keywordWord(token.LABEL)], token.name).toBeDefined();
  });
});

const functions = new Set([...Object.keys(builtinFunctions), ...Object.keys(aggregateFunctions)]);
const keywordTokens = new Set<TokenType>([...T.softKeywords, ...T.hardKeywords]);
const operatorScopes = new Map<TokenType, string>([
  [T.Pipe, "keyword.operator.pipe.weir"],
  [T.Equals, "keyword.operator.assignment.weir"],
  ...[T.EqualsEquals, T.NotEquals, T.LessEquals, T.GreaterEquals, T.LessThan, T.GreaterThan].map((t) => [t, "keyword.operator.comparison.weir"] as [TokenType, string]),
  ...[T.Plus, T.Minus, T.Star, T.Slash, T.Percent].map((t) => [t, "keyword.operator.arithmetic.weir"] as [TokenType, string]),
  [T.Comma, "punctuation.separator.comma.weir"],
  [T.Colon, "punctuation.separator.colon.weir"],
  [T.Dot, "punctuation.accessor.weir"],
  [T.Question, "keyword.operator.optional.weir"],
]);

/** The kind of token a test expects a scope for: "comment", "keyword", ... */
type Kind = "comment" | "string" | "number" | "keyword" | "name" | "declared name" | "function" | "operator" | "bracket";

/** The scope the lexer's reading of a token calls for; undefined: no scope at all (a plain name, a bracket). */
function expectedScope(tokens: readonly IToken[], index: number): { kind: Kind; scope: string | undefined } {
  const token = tokens[index]!;
  const type = token.tokenType;
  const next = tokens[index + 1];
  const previous = tokens[index - 1];
  if (type === T.LineComment || type === T.BlockComment) return { kind: "comment", scope: type === T.LineComment ? "comment.line.double-slash.weir" : "comment.block.weir" };
  if (type === T.StringLiteral) return { kind: "string", scope: "string.quoted.double.weir" };
  if (type === T.NumberLiteral) return { kind: "number", scope: "constant.numeric.weir" };
  const isWord = keywordTokens.has(type) || type === T.Identifier;
  if (isWord && next?.tokenType === T.LParen) return { kind: "function", scope: functions.has(token.image) ? "support.function.builtin.weir" : "entity.name.function.weir" };
  if (isWord && previous && (previous.tokenType === T.StreamKw || previous.tokenType === T.TableKw)) return { kind: "declared name", scope: "entity.name.variable.weir" };
  if (isWord && previous?.tokenType === T.SchemaKw) return { kind: "declared name", scope: "entity.name.type.weir" };
  if (keywordTokens.has(type)) return { kind: "keyword", scope: keywordScopes[token.image] };
  if (type === T.Identifier) return { kind: "name", scope: undefined };
  const operator = operatorScopes.get(type);
  if (operator) return { kind: "operator", scope: operator };
  return { kind: "bracket", scope: undefined };
}

/** The examples, the golden fixtures and the docs' weir blocks: those that lex without a problem. */
const sources = [
  ...readdirSync(join(root, "examples")).filter((f) => f.endsWith(".weir")).map((f) => join("examples", f)),
  ...readdirSync(join(root, "test", "fixtures")).map((d) => join("test", "fixtures", d, "input.weir")),
]
  .map((path) => ({ name: path, text: readFileSync(join(root, path), "utf8") }))
  .concat(
    readdirSync(join(root, "docs"))
      .filter((f) => f.endsWith(".md"))
      .flatMap((f) => [...readFileSync(join(root, "docs", f), "utf8").matchAll(/^```weir\n([\s\S]*?)^```/gm)].map((m, i) => ({ name: `docs/${f} block ${i + 1}`, text: m[1]! }))),
  )
  .filter((source) => tokenize(source.text).problems.length === 0);

describe("the grammar on the examples", () => {
  const kindsSeen = new Set<Kind>();

  for (const { name, text } of sources) {
    it(`highlights each token of ${name} as the lexer reads it`, () => {
      const lexed = tokenize(text);
      const scopes = scopesOfText(grammar, text);
      const all = [...lexed.tokens, ...lexed.comments].sort((a, b) => a.startOffset - b.startOffset);
      const words = lexed.tokens;
      const problems: string[] = [];
      for (const token of all) {
        const index = words.indexOf(token);
        const { kind, scope } = index >= 0 ? expectedScope(words, index) : expectedScope([token], 0);
        kindsSeen.add(kind);
        const end = token.endOffset! + 1;
        for (let offset = token.startOffset; offset < end; offset++) {
          const here = scopes[offset] ?? [];
          // a string's escapes and a comment's text are inside the string's or the comment's scope
          const ok = scope === undefined ? here.length === 0 : here[0] === scope || here.includes(scope);
          if (!ok) {
            problems.push(`${token.image} (${kind}) at ${token.startLine}:${token.startColumn}: expected ${scope ?? "no scope"}, found ${here.join(" ") || "no scope"}`);
            break;
          }
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it("meets tokens of each kind", () => {
    expect(sources.length).toBeGreaterThanOrEqual(20);
    expect([...kindsSeen].sort()).toEqual(["bracket", "comment", "declared name", "function", "keyword", "name", "number", "operator", "string"]);
  });
});
