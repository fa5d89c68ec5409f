// The weir types of the built-in functions (their code is runtime/functions.ts)
// and of the aggregate functions allowed inside `aggregate { ... }`.
import { Types, describeType, isNullable, isNumeric, nonNull, unify, type Type } from "./types.ts";

export interface ParameterSpec {
  readonly name: string;
  /** What the argument must be, in words, for messages. */
  readonly expected: string;
  readonly accepts: (type: Type) => boolean;
}

export interface FunctionSignature {
  readonly parameters: readonly ParameterSpec[];
  /** How many leading parameters are required; the rest are optional. */
  readonly required: number;
  readonly result: (args: readonly Type[]) => Type;
  /** Which arguments are regular expressions, to be checked when they are literals. */
  readonly patternArguments?: readonly number[];
  /** For arguments whose types depend on each other: the first one that does not fit, and what it should be. */
  readonly relate?: (args: readonly Type[]) => { readonly index: number; readonly expected: string } | undefined;
  readonly summary: string;
}

const is = (kind: Type["kind"]) => (type: Type) => type.kind === kind;
const string: ParameterSpec = { name: "text", expected: "a string", accepts: is("string") };
const numeric = (name: string): ParameterSpec => ({ name, expected: "a number", accepts: isNumeric });
const textNamed = (name: string): ParameterSpec => ({ ...string, name });
const anything = (name: string): ParameterSpec => ({ name, expected: "any value", accepts: () => true });

/** An integer for an integer argument, else a number (`abs`, `sum`: as in ksqlDB, the argument's kind is kept). */
const integerIfInteger = ([argument]: readonly Type[]): Type => (argument?.kind === "integer" ? Types.integer : Types.number);

function fixed(summary: string, parameters: ParameterSpec[], result: Type, extra: Partial<FunctionSignature> = {}): FunctionSignature {
  return { parameters, required: parameters.length, result: () => result, summary, ...extra };
}

export const builtinFunctions: Readonly<Record<string, FunctionSignature>> = {
  lower: fixed("the text in lower case", [string], Types.string),
  upper: fixed("the text in upper case", [string], Types.string),
  trim: fixed("the text without leading and trailing white space", [string], Types.string),
  length: {
    summary: "the number of characters of a string, or of elements of a list",
    parameters: [{ name: "value", expected: "a string or a list", accepts: (t) => t.kind === "string" || t.kind === "list" }],
    required: 1,
    result: () => Types.integer,
  },
  contains: fixed("whether the text contains the part", [string, textNamed("part")], Types.boolean),
  startsWith: fixed("whether the text starts with the prefix", [string, textNamed("prefix")], Types.boolean),
  endsWith: fixed("whether the text ends with the suffix", [string, textNamed("suffix")], Types.boolean),
  replace: fixed("the text with every occurrence of search replaced", [string, textNamed("search"), textNamed("replacement")], Types.string),
  substring: {
    summary: "the characters from start (0-based) up to end (default: the end)",
    parameters: [string, numeric("start"), numeric("end")],
    required: 2,
    result: () => Types.string,
  },
  split: fixed("the parts of the text between separators", [string, textNamed("separator")], Types.list(Types.string)),
  extractAll: fixed("every match of a regular expression in the text", [string, textNamed("pattern")], Types.list(Types.string), {
    patternArguments: [1],
  }),
  matches: fixed("whether the text contains a match of a regular expression", [string, textNamed("pattern")], Types.boolean, {
    patternArguments: [1],
  }),
  toString: fixed("the value as text (JSON for anything but a string)", [anything("value")], Types.string),
  toNumber: fixed("the number a text holds (an error for any other text)", [string], Types.number),
  toInteger: fixed(
    "the integer part of a number, or of the number a text holds, truncated toward zero (an error for text that is not a number, NaN, infinities and integers beyond 2^53 - 1)",
    [{ name: "value", expected: "a number or a string", accepts: (t) => isNumeric(t) || t.kind === "string" }],
    Types.integer,
  ),
  abs: { summary: "the absolute value", parameters: [numeric("value")], required: 1, result: integerIfInteger },
  round: fixed("the nearest whole number", [numeric("value")], Types.number),
  floor: fixed("the largest whole number not above the value", [numeric("value")], Types.number),
  ceil: fixed("the smallest whole number not below the value", [numeric("value")], Types.number),
  coalesce: {
    summary: "the value, or the fallback when the value is null",
    parameters: [anything("value"), anything("fallback")],
    required: 2,
    // The fallback must have the value's type; the result is null only when the fallback may be.
    relate: ([value, fallback]) =>
      value && fallback && !unify(nonNull(value), fallback) ? { index: 1, expected: `${describeType(nonNull(value))}, like the value` } : undefined,
    result: ([value, fallback]) => unify(nonNull(value ?? Types.error), fallback ?? Types.error) ?? Types.error,
  },
};

export type AggregateFunctionName = "count" | "sum" | "min" | "max" | "avg" | "countDistinct" | "collectList" | "collectSet" | "latest" | "earliest";

/**
 * Aggregates skip null values, as SQL's do (runtime/aggregations.ts): an
 * argument that may be null is checked without its null.
 */
const skippingNull = (parameter: ParameterSpec): ParameterSpec => ({ ...parameter, accepts: (t) => parameter.accepts(nonNull(t)) });

const orderable: ParameterSpec = skippingNull({
  name: "value",
  expected: "a number or a string",
  accepts: (t) => isNumeric(t) || t.kind === "string",
});

/** A result that is null for a group whose records have no value: null only when the argument may be. */
const orNullLike =
  (result: (argument: Type) => Type) =>
  ([argument]: readonly Type[]): Type => {
    const type = argument ?? Types.error;
    return isNullable(type) ? Types.nullable(result(nonNull(type))) : result(type);
  };

function each(summary: string, result: (argument: Type) => Type): FunctionSignature {
  return { summary, parameters: [anything("value")], required: 1, result: ([argument]) => result(argument ?? Types.error) };
}

function ofNumbers(summary: string, result: (argument: Type) => Type): FunctionSignature {
  return { summary, parameters: [skippingNull(numeric("value"))], required: 1, result: orNullLike(result) };
}

// The runtime side is runtime/aggregations.ts; test/compiler/builtins.test.ts keeps the lists in step.
// Every function but count skips null values: see docs/language.md, "Aggregate functions".
export const aggregateFunctions: Readonly<Record<AggregateFunctionName, FunctionSignature>> = {
  count: fixed("the number of records", [], Types.integer),
  // Never null: a group without a value sums to 0, as ksqlDB's SUM (runtime/aggregations.ts).
  sum: { summary: "the sum of a number over the records (0 without one)", parameters: [skippingNull(numeric("value"))], required: 1, result: ([argument]) => integerIfInteger([nonNull(argument ?? Types.error)]) },
  min: { summary: "the smallest value (number or string) over the records", parameters: [orderable], required: 1, result: orNullLike((argument) => argument) },
  max: { summary: "the largest value (number or string) over the records", parameters: [orderable], required: 1, result: orNullLike((argument) => argument) },
  avg: ofNumbers("the mean of a number over the records (kept as a sum and a count)", () => Types.number),
  countDistinct: each("the number of different values over the records", () => Types.integer),
  collectList: each("every value, in the order the records were processed", (argument) => Types.list(nonNull(argument))),
  collectSet: each("every different value, in the order first seen", (argument) => Types.list(nonNull(argument))),
  latest: each("the value of the record with the highest timestamp (the last processed, of equal ones)", (argument) => argument),
  earliest: each("the value of the record with the lowest timestamp (the first processed, of equal ones)", (argument) => argument),
};

export function isAggregateFunction(name: string): name is AggregateFunctionName {
  return Object.hasOwn(aggregateFunctions, name);
}

export function isBuiltinFunction(name: string): boolean {
  return Object.hasOwn(builtinFunctions, name);
}
