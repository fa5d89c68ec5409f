// The keywords the grammar could have taken where a parse error is, so that a misspelt
// keyword (`| grup by x`, `window tumblin 1 min`, `strem s from ...`) gets a "did you mean"
// from the compiler. Computed with chevrotain's content assist over the tokens of the
// declaration the error is in: what may follow them, whatever the rest of the file says.

import type { IToken, TokenType } from "chevrotain";
import { EOF } from "./chevrotain.ts";
import { looksLikeDeclarationAt, weirParser } from "./parser.ts";
import { AndKw, ByKw, EventKw, GroupKw, JoinKw, LeftKw, TimeKw } from "./tokens.ts";

export interface ExpectedKeyword {
  /** The keyword as written: `group`. */
  readonly word: string;
  /** What to write: `group by` (a keyword always written with a second one brings it along). */
  readonly phrase: string;
}

/** Keywords that are only ever written followed by another: a hint names both. */
const keywordPairs: ReadonlyMap<TokenType, TokenType> = new Map([
  [GroupKw, ByKw],
  [LeftKw, JoinKw],
  [EventKw, TimeKw],
]);

/** A keyword's label is the word in quotes (`'group'`); punctuation has symbols in quotes, other tokens words without. */
function keywordOf(tokenType: TokenType): string | undefined {
  return /^'([a-z]+)'$/.exec(tokenType.LABEL ?? "")?.[1];
}

/**
 * Rules that are a choice from their first token: when the declaration before an error in one
 * of them is itself broken (so content assist cannot follow it), the rule alone says what
 * could have stood there.
 */
const choiceRules: ReadonlySet<string> = new Set(["declaration", "step", "format"]);

/**
 * The keywords that could stand at `tokens[index]`, given the tokens of its declaration before
 * it; `ruleStack` is the parser's rule stack at the error.
 */
export function keywordsExpectedAt(tokens: readonly IToken[], index: number, ruleStack: readonly string[]): ExpectedKeyword[] {
  let next = nextTokenTypes("file", tokens.slice(declarationStart(tokens, index), index));
  const rule = ruleStack[ruleStack.length - 1];
  if (next.length === 0 && rule !== undefined && choiceRules.has(rule)) next = nextTokenTypes(rule, []);
  const expected: ExpectedKeyword[] = [];
  for (const tokenType of next) {
    const word = keywordOf(tokenType);
    if (word === undefined || expected.some((e) => e.word === word)) continue;
    const second = keywordPairs.get(tokenType);
    expected.push({ word, phrase: second === undefined ? word : `${word} ${keywordOf(second)}` });
  }
  return expected;
}

/** Whether the tokens of its declaration before `tokens[index]` end an expression: `and` could follow them. */
export function endsAnExpression(tokens: readonly IToken[], index: number): boolean {
  return nextTokenTypes("file", tokens.slice(declarationStart(tokens, index), index)).includes(AndKw);
}

function nextTokenTypes(rule: string, prefix: readonly IToken[]): TokenType[] {
  const paths = weirParser.computeContentAssist(rule, [...prefix]);
  return [...new Set(paths.map((path) => path.nextTokenType))];
}

/** The last token before `index` where a declaration starts (or the file's first). */
function declarationStart(tokens: readonly IToken[], index: number): number {
  for (let start = Math.min(index, tokens.length) - 1; start > 0; start--) {
    if (looksLikeDeclarationAt((offset) => tokens[start + offset - 1] ?? endOfFile, 1)) return start;
  }
  return 0;
}

const endOfFile = syntheticToken(EOF, "");

function syntheticToken(tokenType: TokenType, image: string): IToken {
  return { image, startOffset: NaN, tokenType, tokenTypeIdx: tokenType.tokenTypeIdx! } as IToken;
}
