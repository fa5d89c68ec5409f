// The grammar's public API: text in, AST and problems out. Parsing never throws and always
// yields a WeirFile; with problems, parts of it are placeholders (see ast-builder.ts).

import type { CstNode, IToken } from "chevrotain";
import { EOF, tokenMatcher } from "./chevrotain.ts";
import type { SourceRange, WeirFile } from "./ast.ts";
import { buildAst } from "./ast-builder.ts";
import { weirParser } from "./parser.ts";
import { decodeString } from "./strings.ts";
import { explainComparisonProblem } from "./comparison-problems.ts";
import { keywordsExpectedAt, type ExpectedKeyword } from "./expected-keywords.ts";
import { Identifier, MalformedStringLiteral, tokenRange, UnterminatedBlockComment, weirLexer } from "./tokens.ts";

export type * from "./ast.ts";
export type { ExpectedKeyword } from "./expected-keywords.ts";
export { allTokens } from "./tokens.ts";

export interface ParseProblem {
  /** "lex": the text could not be cut into tokens; "parse": the tokens do not follow the grammar. */
  readonly kind: "lex" | "parse";
  readonly message: string;
  readonly range: SourceRange;
  /**
   * When a word was found where the grammar wanted something else: the word and the keywords
   * that could have stood there, so that a misspelt keyword gets a "did you mean".
   */
  readonly misspelt?: { readonly found: string; readonly expected: readonly ExpectedKeyword[] };
  /** What to do about it, where the grammar knows (a comparison that chains, SQL's `in (a, b)`). */
  readonly hint?: string;
}

export interface ParseResult {
  readonly file: WeirFile;
  /** In source order. */
  readonly problems: ParseProblem[];
}

export interface TokenizeResult {
  /** The tokens the parser reads (no white space, no comments). */
  readonly tokens: readonly IToken[];
  /** Line and block comments, in source order. */
  readonly comments: readonly IToken[];
  readonly problems: readonly ParseProblem[];
}

/** Cuts text into tokens. Lexing carries on past bad characters, reporting each run of them. */
export function tokenize(text: string): TokenizeResult {
  const lexed = weirLexer.tokenize(text);
  const comments = lexed.groups["comments"] ?? [];
  const problems: ParseProblem[] = lexed.errors.map((error) => ({
    kind: "lex",
    message: error.message,
    range: { start: error.offset, end: error.offset + error.length },
  }));
  for (const token of lexed.tokens) {
    if (token.tokenType !== MalformedStringLiteral) continue;
    for (const issue of decodeString(token.image).issues) {
      problems.push({ kind: "lex", message: issue.message, range: { start: token.startOffset + issue.range.start, end: token.startOffset + issue.range.end } });
    }
  }
  for (const token of comments) {
    if (token.tokenType === UnterminatedBlockComment) {
      problems.push({ kind: "lex", message: "unterminated comment: '/*' without '*/'", range: { start: token.startOffset, end: token.startOffset + 2 } });
    }
  }
  return { tokens: lexed.tokens, comments, problems };
}

/** Parses a .weir file. Never throws: syntax errors become problems, and parsing recovers past them. */
export function parseWeir(text: string): ParseResult {
  const lexed = tokenize(text);
  weirParser.input = [...lexed.tokens];
  let cst: CstNode;
  try {
    cst = weirParser.file();
  } catch (error) {
    // Only a stack overflow gets here (expressions nested some hundred levels deep): the
    // parser recovers from every syntax error itself.
    if (!(error instanceof RangeError)) throw error;
    const problem: ParseProblem = { kind: "parse", message: "the file is nested too deeply to parse", range: { start: 0, end: 0 } };
    return { file: buildAst(undefined, lexed.comments, text.length), problems: [...lexed.problems, problem] };
  }
  const parseProblems = weirParser.errors.map((error): ParseProblem => {
    const at = lexed.tokens.indexOf(error.token);
    const explained = at < 0 ? undefined : explainComparisonProblem(lexed.tokens, at, error.context.ruleStack);
    const problem: ParseProblem = {
      kind: "parse",
      message: explained?.message ?? error.message,
      range: error.token.tokenType === EOF || Number.isNaN(error.token.startOffset) ? { start: text.length, end: text.length } : tokenRange(error.token),
      ...(explained?.hint === undefined ? {} : { hint: explained.hint }),
    };
    if (explained?.hint !== undefined || at < 0 || !tokenMatcher(error.token, Identifier)) return problem;
    return { ...problem, misspelt: { found: error.token.image, expected: keywordsExpectedAt(lexed.tokens, at, error.context.ruleStack) } };
  });
  const file = buildAst(cst, lexed.comments, text.length);
  return { file, problems: inSourceOrder([...lexed.problems, ...parseProblems]) };
}

/**
 * Sorted by position (stable, so lexing problems come first at one spot). Only the first parse
 * problem at a position is kept: recovery can insert a missing token and then trip over the same
 * token again (`if a then b` + newline + `sink …` is "expected 'else' but found 'sink'", and then
 * the inserted else's missing expression), and the first one says what is wrong.
 */
function inSourceOrder(problems: readonly ParseProblem[]): ParseProblem[] {
  const parseProblemAt = new Set<number>();
  return [...problems]
    .sort((a, b) => a.range.start - b.range.start)
    .filter((problem) => {
      if (problem.kind === "lex") return true;
      if (parseProblemAt.has(problem.range.start)) return false;
      parseProblemAt.add(problem.range.start);
      return true;
    });
}
