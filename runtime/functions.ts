// The built-in functions of weir's expression language, as generated code calls
// them (`fn.lower(record.value)`). Their weir types live in compiler/builtins.ts;
// the two lists are kept in step by test/compiler/builtins.test.ts.

function lower(text: string): string {
  return text.toLowerCase();
}

function upper(text: string): string {
  return text.toUpperCase();
}

function trim(text: string): string {
  return text.trim();
}

function length(textOrList: string | readonly unknown[]): number {
  return textOrList.length;
}

function contains(text: string, part: string): boolean {
  return text.includes(part);
}

function startsWith(text: string, prefix: string): boolean {
  return text.startsWith(prefix);
}

function endsWith(text: string, suffix: string): boolean {
  return text.endsWith(suffix);
}

/** Replaces every occurrence of `search` (literal text, not a pattern). */
function replace(text: string, search: string, replacement: string): string {
  return text.split(search).join(replacement);
}

/** Characters from `start` (0-based) up to, not including, `end` (default: the end). */
function substring(text: string, start: number, end?: number): string {
  return text.substring(start, end);
}

/** Splits on a literal separator; an empty text gives an empty list. */
function split(text: string, separator: string): string[] {
  return text === "" ? [] : text.split(separator);
}

const patternCache = new Map<string, RegExp>();

/** Every non-overlapping match of a regular expression (JavaScript syntax), in order. */
function extractAll(text: string, pattern: string): string[] {
  let regex = patternCache.get(pattern);
  if (!regex) {
    regex = new RegExp(pattern, "gu");
    patternCache.set(pattern, regex);
  }
  return Array.from(text.matchAll(regex), (match) => match[0]).filter((match) => match !== "");
}

/** Whether the text contains a match of the regular expression. */
function matches(text: string, pattern: string): boolean {
  return new RegExp(pattern, "u").test(text);
}

function toString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Parses a number; text that is not a number is an error (the record goes to the dead-letter topic). */
function toNumber(text: string): number {
  const value = Number(text.trim());
  if (text.trim() === "" || Number.isNaN(value)) throw new RangeError(`toNumber: "${text}" is not a number`);
  return value;
}

/**
 * The integer part of a number, truncated toward zero (`-2.7` is `-2`), as Java's and ksqlDB's
 * casts do; text is read as `toNumber` reads it first. What has no integer part (NaN, the
 * infinities) and what an integer cannot hold exactly (beyond 2^53 - 1) is an error: the
 * record goes to the dead-letter topic.
 */
function toInteger(value: number | string): number {
  const number = typeof value === "string" ? toNumber(value) : value;
  const integer = Math.trunc(number);
  if (!Number.isSafeInteger(integer)) throw new RangeError(`toInteger: ${JSON.stringify(value)} is ${Number.isFinite(number) ? "beyond the integers that are exact (2^53 - 1)" : "not a number"}`);
  // -0 (from -0.5) is 0.
  return integer === 0 ? 0 : integer;
}

function abs(value: number): number {
  return Math.abs(value);
}

function round(value: number): number {
  return Math.round(value);
}

function floor(value: number): number {
  return Math.floor(value);
}

function ceil(value: number): number {
  return Math.ceil(value);
}

/** The first argument that is not null. */
function coalesce<T>(value: T | null | undefined, fallback: T): T {
  return value ?? fallback;
}

export const fn = {
  lower,
  upper,
  trim,
  length,
  contains,
  startsWith,
  endsWith,
  replace,
  substring,
  split,
  extractAll,
  matches,
  toString,
  toNumber,
  toInteger,
  abs,
  round,
  floor,
  ceil,
  coalesce,
};

export type BuiltinFunctionName = keyof typeof fn;
