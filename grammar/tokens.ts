// weir's tokens, in the one ordered list the lexer tries them in (first match wins,
// so longer operators come before their prefixes and keywords before Identifier).
//
// Every token has a `label`: the text error messages use to name it ("'='", "a name").
//
// Keywords come in two kinds:
//   - soft keywords belong to the Identifier category, so wherever the grammar consumes an
//     Identifier they are accepted as plain names (a field called `key`, `value`, `count`…);
//   - hard keywords (true false null and or not if then else) are never names.

import type { ILexerErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { createToken, Lexer } from "./chevrotain.ts";
import type { SourceRange } from "./ast.ts";

// ---------------------------------------------------------------- trivia

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /\s+/, group: Lexer.SKIPPED, label: "white space" });

/** Comments are kept, in the "comments" group, so a formatter can put them back. */
export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\n\r]*/, group: "comments", label: "a comment" });
export const BlockComment = createToken({ name: "BlockComment", pattern: /\/\*[\s\S]*?\*\//, group: "comments", label: "a comment" });
/** A `/*` that never closes: still a comment (to end of file), reported as a lexing problem. */
export const UnterminatedBlockComment = createToken({
  name: "UnterminatedBlockComment",
  pattern: /\/\*[\s\S]*/,
  group: "comments",
  label: "a comment",
});

// ---------------------------------------------------------------- literals and names

export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: "a name" });

/** A double-quoted string with JSON's escapes and no raw control characters. */
export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: /"(?:[^"\\\u0000-\u001F]|\\(?:["\\/bfnrt]|u[0-9A-Fa-f]{4}))*"/,
  label: "a string",
});

/**
 * A string that is not well formed: a bad escape, a raw control character or no closing quote
 * on its line. It is in the StringLiteral category so the parser carries on as if it were a
 * string; the lexing problem is reported from the token (see index.ts).
 */
export const MalformedStringLiteral = createToken({
  name: "MalformedStringLiteral",
  pattern: /"(?:[^"\\\n\r]|\\[^\n\r]?)*"?/,
  categories: [StringLiteral],
  label: "a string",
});

export const NumberLiteral = createToken({ name: "NumberLiteral", pattern: /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/, label: "a number" });

// ---------------------------------------------------------------- keywords

function softKeyword(name: string, word: string): TokenType {
  return createToken({ name, pattern: word, longer_alt: Identifier, categories: [Identifier], label: `'${word}'` });
}

function hardKeyword(name: string, word: string): TokenType {
  return createToken({ name, pattern: word, longer_alt: Identifier, label: `'${word}'` });
}

export const ApplicationKw = softKeyword("ApplicationKw", "application");
export const ImportKw = softKeyword("ImportKw", "import");
export const FromKw = softKeyword("FromKw", "from");
export const SchemaKw = softKeyword("SchemaKw", "schema");
export const StreamKw = softKeyword("StreamKw", "stream");
export const TableKw = softKeyword("TableKw", "table");
export const TopicKw = softKeyword("TopicKw", "topic");
export const KeyKw = softKeyword("KeyKw", "key");
export const ValueKw = softKeyword("ValueKw", "value");
export const JsonKw = softKeyword("JsonKw", "json");
export const StringKw = softKeyword("StringKw", "string");
export const NumberKw = softKeyword("NumberKw", "number");
export const BooleanKw = softKeyword("BooleanKw", "boolean");
export const TimestampKw = softKeyword("TimestampKw", "timestamp");
export const IntegerKw = softKeyword("IntegerKw", "integer");
export const ListKw = softKeyword("ListKw", "list");
export const MapKw = softKeyword("MapKw", "map");
export const EventKw = softKeyword("EventKw", "event");
export const TimeKw = softKeyword("TimeKw", "time");
export const SinkKw = softKeyword("SinkKw", "sink");
export const ToKw = softKeyword("ToKw", "to");
export const WhereKw = softKeyword("WhereKw", "where");
export const SelectKw = softKeyword("SelectKw", "select");
export const FlatmapKw = softKeyword("FlatmapKw", "flatmap");
export const RekeyKw = softKeyword("RekeyKw", "rekey");
export const GroupKw = softKeyword("GroupKw", "group");
export const ByKw = softKeyword("ByKw", "by");
export const CountKw = softKeyword("CountKw", "count");
export const SumKw = softKeyword("SumKw", "sum");
export const AggregateKw = softKeyword("AggregateKw", "aggregate");
export const WindowKw = softKeyword("WindowKw", "window");
export const TumblingKw = softKeyword("TumblingKw", "tumbling");
export const HoppingKw = softKeyword("HoppingKw", "hopping");
export const SessionKw = softKeyword("SessionKw", "session");
export const SlidingKw = softKeyword("SlidingKw", "sliding");
export const AdvanceKw = softKeyword("AdvanceKw", "advance");
export const GraceKw = softKeyword("GraceKw", "grace");
export const EmitKw = softKeyword("EmitKw", "emit");
export const FinalKw = softKeyword("FinalKw", "final");
export const ChangesKw = softKeyword("ChangesKw", "changes");
export const JoinKw = softKeyword("JoinKw", "join");
export const LeftKw = softKeyword("LeftKw", "left");
export const RightKw = softKeyword("RightKw", "right");
export const OuterKw = softKeyword("OuterKw", "outer");
export const OnKw = softKeyword("OnKw", "on");
export const WithinKw = softKeyword("WithinKw", "within");
export const BeforeKw = softKeyword("BeforeKw", "before");
export const AfterKw = softKeyword("AfterKw", "after");
export const DedupKw = softKeyword("DedupKw", "dedup");
export const MergeKw = softKeyword("MergeKw", "merge");
export const BranchKw = softKeyword("BranchKw", "branch");
export const HeadersKw = softKeyword("HeadersKw", "headers");
// Operators of expressions that are words: `tier in ["gold"]`, `amount between 1 and 10`.
// Soft, so that a field may still be called `in`; no valid program has a name right after an
// expression, so the parser never takes one for the other.
export const InKw = softKeyword("InKw", "in");
export const BetweenKw = softKeyword("BetweenKw", "between");
export const WindowedKw = softKeyword("WindowedKw", "windowed");

export const TrueKw = hardKeyword("TrueKw", "true");
export const FalseKw = hardKeyword("FalseKw", "false");
export const NullKw = hardKeyword("NullKw", "null");
export const AndKw = hardKeyword("AndKw", "and");
export const OrKw = hardKeyword("OrKw", "or");
export const NotKw = hardKeyword("NotKw", "not");
export const IfKw = hardKeyword("IfKw", "if");
export const ThenKw = hardKeyword("ThenKw", "then");
export const ElseKw = hardKeyword("ElseKw", "else");

/** Soft keywords: accepted as names. */
export const softKeywords: readonly TokenType[] = [
  ApplicationKw, ImportKw, FromKw, SchemaKw, StreamKw, TableKw, TopicKw, KeyKw, ValueKw, JsonKw,
  StringKw, NumberKw, BooleanKw, TimestampKw, IntegerKw, ListKw, MapKw, EventKw, TimeKw, SinkKw, ToKw,
  WhereKw, SelectKw, FlatmapKw, RekeyKw, GroupKw, ByKw, CountKw, SumKw, AggregateKw,
  // `windowed` before `window`, which would otherwise take its first six letters.
  WindowedKw, WindowKw, TumblingKw, HoppingKw, SlidingKw, SessionKw, AdvanceKw, GraceKw, EmitKw, FinalKw, ChangesKw,
  JoinKw, LeftKw, RightKw, OuterKw, OnKw, WithinKw, BeforeKw, AfterKw, DedupKw, MergeKw, BranchKw, HeadersKw,
  // after `integer`, which it is a prefix of (the lexer takes the first keyword that matches)
  InKw, BetweenKw,
];

/** Hard keywords: never names. */
export const hardKeywords: readonly TokenType[] = [TrueKw, FalseKw, NullKw, AndKw, OrKw, NotKw, IfKw, ThenKw, ElseKw];

/** The keywords a declaration starts with. */
export const declarationKeywords: readonly TokenType[] = [ImportKw, SchemaKw, StreamKw, TableKw, SinkKw, BranchKw];

// ---------------------------------------------------------------- operators and punctuation

// Categories group operators of one precedence level, so a rule consumes "any additive
// operator" in one CONSUME and the CST keeps them in source order.
export const ComparisonOperator = createToken({ name: "ComparisonOperator", pattern: Lexer.NA, label: "a comparison" });
export const AdditiveOperator = createToken({ name: "AdditiveOperator", pattern: Lexer.NA, label: "'+' or '-'" });
export const MultiplicativeOperator = createToken({ name: "MultiplicativeOperator", pattern: Lexer.NA, label: "'*', '/' or '%'" });

function punctuation(name: string, text: string, categories: TokenType[] = []): TokenType {
  return createToken({ name, pattern: text, categories, label: `'${text}'` });
}

export const EqualsEquals = punctuation("EqualsEquals", "==", [ComparisonOperator]);
export const NotEquals = punctuation("NotEquals", "!=", [ComparisonOperator]);
export const LessEquals = punctuation("LessEquals", "<=", [ComparisonOperator]);
export const GreaterEquals = punctuation("GreaterEquals", ">=", [ComparisonOperator]);
export const LessThan = punctuation("LessThan", "<", [ComparisonOperator]);
export const GreaterThan = punctuation("GreaterThan", ">", [ComparisonOperator]);
export const Equals = punctuation("Equals", "=");
export const Pipe = punctuation("Pipe", "|");
export const Plus = punctuation("Plus", "+", [AdditiveOperator]);
export const Minus = punctuation("Minus", "-", [AdditiveOperator]);
export const Star = punctuation("Star", "*", [MultiplicativeOperator]);
export const Slash = punctuation("Slash", "/", [MultiplicativeOperator]);
export const Percent = punctuation("Percent", "%", [MultiplicativeOperator]);
export const LParen = punctuation("LParen", "(");
export const RParen = punctuation("RParen", ")");
export const LBrace = punctuation("LBrace", "{");
export const RBrace = punctuation("RBrace", "}");
export const LBracket = punctuation("LBracket", "[");
export const RBracket = punctuation("RBracket", "]");
export const Comma = punctuation("Comma", ",");
export const Colon = punctuation("Colon", ":");
export const Dot = punctuation("Dot", ".");
export const Question = punctuation("Question", "?");

// ---------------------------------------------------------------- the ordered list

export const allTokens: readonly TokenType[] = [
  WhiteSpace,
  // comments before Slash
  LineComment,
  BlockComment,
  UnterminatedBlockComment,
  StringLiteral,
  MalformedStringLiteral,
  NumberLiteral,
  // keywords before Identifier (each with longer_alt: Identifier, so `keys` is a name)
  ...softKeywords,
  ...hardKeywords,
  Identifier,
  // two-character operators before their one-character prefixes
  EqualsEquals,
  NotEquals,
  LessEquals,
  GreaterEquals,
  LessThan,
  GreaterThan,
  Equals,
  Pipe,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  LParen,
  RParen,
  LBrace,
  RBrace,
  LBracket,
  RBracket,
  Comma,
  Colon,
  Dot,
  Question,
  ComparisonOperator,
  AdditiveOperator,
  MultiplicativeOperator,
];

// ---------------------------------------------------------------- the lexer

function showCharacters(text: string): string {
  return JSON.stringify(text).slice(1, -1).replace(/'/g, "\\'");
}

const lexerErrorMessages: ILexerErrorMessageProvider = {
  buildUnexpectedCharactersMessage(fullText, startOffset, length) {
    const text = fullText.slice(startOffset, startOffset + length);
    return length === 1 ? `unexpected character '${showCharacters(text)}'` : `unexpected characters '${showCharacters(text)}'`;
  },
  // weir's lexer has a single mode, so popping one cannot happen.
  buildUnableToPopLexerModeMessage(token) {
    return `unexpected '${token.image}'`;
  },
};

export const weirLexer = new Lexer(allTokens as TokenType[], {
  errorMessageProvider: lexerErrorMessages,
  positionTracking: "full",
  // Fail at load time if a token ever stops the lexer from dispatching on the first character.
  ensureOptimizations: true,
});

/** The range of a token, end exclusive. Tokens inserted by error recovery have zero length. */
export function tokenRange(token: IToken): SourceRange {
  const end = token.endOffset === undefined || Number.isNaN(token.endOffset) ? token.startOffset - 1 : token.endOffset;
  return { start: token.startOffset, end: end + 1 };
}
