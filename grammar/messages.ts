// Parse error messages written for people: "expected '}' but found 'stream'", never
// chevrotain's "Expecting: one of these possible Token sequences" dumps.
//
// Tokens are named by their label ("'='", "a name", "a string"); the end of input is
// "end of file". Alternations (OR) carry their own description in ERR_MSG ("a step (where, …)"),
// which becomes "expected <description> after '<previous token>' but found '<token>'".

import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { EOF } from "./chevrotain.ts";
import { LBrace, LBracket, LParen, Comma, RBrace, RBracket, RParen } from "./tokens.ts";

export const expectedDeclaration = "a declaration (stream, table, branch, sink, schema, import)";

const longestShownToken = 24;

/** How a token found in the input is shown: `'foo'`, or `end of file`. */
export function describeToken(token: IToken | undefined): string {
  if (token === undefined || token.tokenType === EOF) return "end of file";
  const image = token.image.length > longestShownToken ? `${token.image.slice(0, longestShownToken - 1)}…` : token.image;
  return `'${image}'`;
}

/** How an expected kind of token is named: its label (`'='`, `a name`). */
export function describeTokenType(tokenType: TokenType): string {
  if (tokenType === EOF) return "end of file";
  return tokenType.LABEL ?? `'${tokenType.name}'`;
}

function isRealToken(token: IToken | undefined): token is IToken {
  return token !== undefined && token.tokenType !== EOF && token.image !== "";
}

function after(previous: IToken | undefined): string {
  return isRealToken(previous) ? ` after '${previous.image}'` : "";
}

function oneOf(descriptions: readonly string[]): string {
  const unique = [...new Set(descriptions)];
  if (unique.length <= 1) return unique[0] ?? "something else";
  return `${unique.slice(0, -1).join(", ")} or ${unique[unique.length - 1]}`;
}

/**
 * Comma-separated lists closed by a bracket: when the closer is missing, a ',' would have done
 * as well, unless the list was just opened or a ',' was just written (then an item would).
 */
const bracketedLists: Readonly<Record<string, { opener: TokenType; closer: TokenType; item: string }>> = {
  importDecl: { opener: LBrace, closer: RBrace, item: "a name" },
  schemaDecl: { opener: LBrace, closer: RBrace, item: "a field" },
  recordExpr: { opener: LBrace, closer: RBrace, item: "a field" },
  listExpr: { opener: LBracket, closer: RBracket, item: "an expression" },
  callOrName: { opener: LParen, closer: RParen, item: "an argument" },
};

export const weirErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous, ruleName }) {
    const found = describeToken(actual);
    // Only the top-level declaration loop expects the end of the file.
    if (expected === EOF) return `expected ${expectedDeclaration} but found ${found}`;
    const list = bracketedLists[ruleName];
    if (list !== undefined && expected === list.closer && isRealToken(previous)) {
      const justOpenedOrComma = previous.tokenType === list.opener || previous.tokenType === Comma;
      const alternative = justOpenedOrComma ? list.item : "','";
      return `expected ${alternative} or ${describeTokenType(expected)} but found ${found}`;
    }
    return `expected ${describeTokenType(expected)} but found ${found}`;
  },

  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected ${expectedDeclaration} but found ${describeToken(firstRedundant)}`;
  },

  buildNoViableAltMessage({ expectedPathsPerAlt, actual, previous, customUserDescription }) {
    const expected = customUserDescription ?? oneOf(expectedPathsPerAlt.flatMap((paths) => paths.map((path) => describeTokenType(path[0] ?? EOF))));
    return `expected ${expected}${after(previous)} but found ${describeToken(actual[0])}`;
  },

  buildEarlyExitMessage({ expectedIterationPaths, actual, previous, customUserDescription }) {
    const expected = customUserDescription ?? oneOf(expectedIterationPaths.map((path) => describeTokenType(path[0] ?? EOF)));
    return `expected ${expected}${after(previous)} but found ${describeToken(actual[0])}`;
  },
};
