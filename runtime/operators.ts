// What weir's operators do where JavaScript's own operator would do something else, as
// generated code calls them (`op.quotient(record.value.total, record.value.count)`). The
// compiler chooses them by the operands' types (compiler/emit.ts); everything else is written
// as the JavaScript operator.

/** Thrown for an operation that has no result (an integer divided by zero); the record goes to the dead-letter topic. */
function noResult(message: string): never {
  throw new RangeError(message);
}

/** `a / b` of two integers: truncated toward zero, as in Java and ksqlDB; by zero it is an error, as there. */
function quotient(dividend: number, divisor: number): number {
  if (divisor === 0) noResult(`integer division by zero: ${dividend} / 0`);
  const result = Math.trunc(dividend / divisor);
  return result === 0 ? 0 : result;
}

/** `a % b` of two integers: the sign of the dividend, as JavaScript's and Java's; by zero it is an error. */
function remainder(dividend: number, divisor: number): number {
  if (divisor === 0) noResult(`integer division by zero: ${dividend} % 0`);
  const result = dividend % divisor;
  return result === 0 ? 0 : result;
}

/**
 * `map[key]`: the value of the key, or null when the map has no such key (or is null), as
 * ksqlDB's map access. Only the map's own keys count: `map["constructor"]` is not Object's.
 */
function get<V>(map: Readonly<Record<string, V>> | null | undefined, key: string): V | null {
  if (map === null || map === undefined || !Object.hasOwn(map, key)) return null;
  return map[key] ?? null;
}

/**
 * `value in list`: whether the value `==` an element (`===`, with an absent field read as
 * null, as `==` reads it): so null is in a list that holds null.
 */
function isIn<T>(value: T | null | undefined, list: readonly (T | null | undefined)[]): boolean {
  const wanted = value ?? null;
  return list.some((element) => (element ?? null) === wanted);
}

/** `value between low and high`: inclusive at both ends, as in SQL; each operand is evaluated once. */
function between<T extends number | string>(value: T, low: T, high: T): boolean {
  return low <= value && value <= high;
}

export const op = {
  quotient,
  remainder,
  get,
  isIn,
  between,
};
