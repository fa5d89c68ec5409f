// Parse problems around comparisons, said for what they are. A comparison (`==`, `<`, `in`,
// `between`, ...) does not chain, so the parser stops at a second one, where all it can say
// is that a declaration was expected: true, and no help. Here such problems get a message
// (and a hint) about the expression instead.

import type { IToken } from "chevrotain";
import { tokenMatcher } from "./chevrotain.ts";
import { endsAnExpression } from "./expected-keywords.ts";
import { BetweenKw, ComparisonOperator, InKw, LParen, NotKw, RParen } from "./tokens.ts";

export interface Explanation {
  /** Replaces the parser's message, when there is a better one. */
  readonly message?: string;
  readonly hint?: string;
}

/**
 * What to say about the problem at `tokens[index]`, if it is one of these: `ruleStack` is the
 * parser's rule stack where it failed.
 */
export function explainComparisonProblem(tokens: readonly IToken[], index: number, ruleStack: readonly string[]): Explanation | undefined {
  const token = tokens[index];
  if (token === undefined) return undefined;
  const rule = ruleStack[ruleStack.length - 1];
  // Where a declaration was expected: the expression before the token was complete.
  if (rule === "file" && startsAComparison(tokens, index)) {
    const operator = tokenMatcher(token, NotKw) ? `not ${tokens[index + 1]!.image}` : token.image;
    if (endsAnExpression(tokens, index)) {
      return {
        message: `unexpected '${operator}' after a comparison: comparisons do not chain`,
        hint: "join two comparisons with 'and' (a < b and b < c), or put one in parentheses",
      };
    }
    if (!tokenMatcher(token, ComparisonOperator)) {
      const example = tokenMatcher(tokens[index + (tokenMatcher(token, NotKw) ? 1 : 0)]!, InKw) ? 'tier in ["gold", "silver"]' : "amount between 10 and 100";
      return { hint: `'${operator}' belongs inside an expression: | where ${example}` };
    }
    return undefined;
  }
  // `x in ("a", "b")`, as SQL writes it.
  if (rule === "parenExpr") {
    const before = tokens[openingParenthesis(tokens, index) - 1];
    if (before !== undefined && tokenMatcher(before, InKw)) return { hint: 'a list is written in brackets: x in ["a", "b"]' };
  }
  return undefined;
}

/** `==`, `<`, ..., `in`, `between`, `not in`, `not between`: what may follow a value in a comparison. */
function startsAComparison(tokens: readonly IToken[], index: number): boolean {
  const token = tokens[index]!;
  if (tokenMatcher(token, ComparisonOperator) || tokenMatcher(token, InKw) || tokenMatcher(token, BetweenKw)) return true;
  const next = tokens[index + 1];
  return tokenMatcher(token, NotKw) && next !== undefined && (tokenMatcher(next, InKw) || tokenMatcher(next, BetweenKw));
}

/** The index of the `(` left open before `tokens[index]` (-1 if none). */
function openingParenthesis(tokens: readonly IToken[], index: number): number {
  let depth = 0;
  for (let at = index - 1; at >= 0; at--) {
    if (tokenMatcher(tokens[at]!, RParen)) depth++;
    else if (tokenMatcher(tokens[at]!, LParen)) {
      if (depth === 0) return at;
      depth--;
    }
  }
  return -1;
}
