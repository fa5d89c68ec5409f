// The aggregate functions of `aggregate { ... }` (and the `count` and `sum`
// steps), as generated code calls them. Each keeps an accumulator in the state
// store — a JSON value — and says how to start it, add a record to it, merge
// two of them (when session windows merge) and read the result from it: avg
// keeps a sum and a count, latest keeps a value and its timestamp. Their weir
// types live in compiler/builtins.ts; test/compiler/builtins.test.ts keeps the
// two lists in step.
//
// Every function but count skips null (and absent) values, as SQL's
// aggregates do: adding, subtracting or merging leaves the accumulator as if
// the record had not been there, so the accumulator holds only values and
// restores from the changelog as it is. A group with no value is null for
// sum, avg, min, max, latest and earliest, 0 for countDistinct, [] for the
// collect functions.
import type { StreamRecord } from "./topology/nodes.ts";

export interface Aggregator<R, A, Out> {
  readonly initializer: () => A;
  readonly adder: (accumulator: A, record: R) => A;
  /**
   * Combines the accumulators of two sessions; `earlier` holds the older
   * records. Every built-in has one; a user aggregate without `merge` has
   * none, and cannot be used in session windows.
   */
  readonly merger?: (earlier: A, later: A) => A;
  /**
   * Takes a record back out of an accumulator: what aggregating a table needs
   * when a row changes (Kafka Streams' subtractor). Only user aggregates with
   * `subtract` have one, and count, sum and avg: the aggregates of a grouped
   * table (`KGroupedTable`) must have one.
   */
  readonly subtractor?: (accumulator: A, record: R) => A;
  readonly result: (accumulator: A) => Out;
}

/**
 * An aggregate written in TypeScript and imported into a .weir file: an
 * object with these functions. The accumulator A is kept in a state store as
 * JSON. Each function gets its own copy of the accumulator, so changing it in
 * place is safe.
 */
export interface UserAggregate<A, Args extends readonly unknown[], Out = A> {
  init(): A;
  add(accumulator: A, ...args: Args): A;
  subtract?(accumulator: A, ...args: Args): A;
  merge?(earlier: A, later: A): A;
  result?(accumulator: A): Out;
}

type Extract<R, T> = (record: R) => T;

/** A value with the timestamp of the record it came from. */
export interface Timestamped<T> {
  readonly value: T;
  readonly timestamp: number;
}

function count<R extends StreamRecord<unknown, unknown>>(): Aggregator<R, number, number> {
  return { initializer: () => 0, adder: (n) => n + 1, merger: (a, b) => a + b, subtractor: (n) => n - 1, result: (n) => n };
}

/** Null and undefined (an absent field): what every aggregate but count skips. */
function isMissing(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

/**
 * `sum(x)` skips the records where x is null or absent, and a group with no
 * value sums to 0, as ksqlDB's SUM (initial value 0, nulls skipped) and as a
 * grouped table's group whose rows all left it sums to 0 in Kafka Streams.
 * (SQL's standard says NULL; ksqlDB, which weir's users know, says 0, and
 * a table whose value is a sum would otherwise delete its row: a null value
 * is a delete.)
 */
function sum<R extends StreamRecord<unknown, unknown>>(of: Extract<R, number | null>): Aggregator<R, number, number> {
  return {
    initializer: () => 0,
    adder: (total, record) => addValue(total, of(record)),
    merger: (a, b) => a + b,
    subtractor: (total, record) => addValue(total, of(record), -1),
    result: (total) => total,
  };
}

function addValue(total: number, value: number | null | undefined, sign: 1 | -1 = 1): number {
  return isMissing(value) ? total : total + sign * value;
}

/** A sum and the number of values in it: what avg keeps. */
export interface Summed {
  readonly sum: number;
  readonly count: number;
}

function summed<R extends StreamRecord<unknown, unknown>>(of: Extract<R, number | null>): Required<Omit<Aggregator<R, Summed, never>, "result">> {
  const step = (acc: Summed, value: number | null | undefined, sign: 1 | -1): Summed => (isMissing(value) ? acc : { sum: acc.sum + sign * value, count: acc.count + sign });
  return {
    initializer: () => ({ sum: 0, count: 0 }),
    adder: (acc, record) => step(acc, of(record), 1),
    merger: (a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }),
    subtractor: (acc, record) => step(acc, of(record), -1),
  };
}

/** The result type of an aggregate that is null for a group without values: null only when the argument may be. */
type OrNullLike<T, Out> = null extends T ? Out | null : undefined extends T ? Out | null : Out;

/** min and max start at null and stay null until a record has a value. */
function extreme<R extends StreamRecord<unknown, unknown>, T extends number | string | null>(
  of: Extract<R, T>,
  better: (candidate: NonNullable<T>, current: NonNullable<T>) => boolean,
): Aggregator<R, NonNullable<T> | null, T> {
  type V = NonNullable<T>;
  const pick = (current: V | null, candidate: V | null | undefined): V | null =>
    isMissing(candidate) ? current : current === null || better(candidate, current) ? candidate : current;
  return { initializer: () => null, adder: (current, record) => pick(current, of(record) as V | null), merger: pick, result: (current) => current as T };
}

function min<R extends StreamRecord<unknown, unknown>, T extends number | string | null>(of: Extract<R, T>): Aggregator<R, NonNullable<T> | null, T> {
  return extreme(of, (candidate, current) => candidate < current);
}

function max<R extends StreamRecord<unknown, unknown>, T extends number | string | null>(of: Extract<R, T>): Aggregator<R, NonNullable<T> | null, T> {
  return extreme(of, (candidate, current) => candidate > current);
}

function avg<R extends StreamRecord<unknown, unknown>, T extends number | null = number>(of: Extract<R, T>): Aggregator<R, Summed, OrNullLike<T, number>> {
  return {
    ...summed(of),
    // No value to average (all null, or a grouped table's group whose rows all left it): null, not NaN, which JSON cannot hold.
    result: (acc) => (acc.count === 0 ? null : acc.sum / acc.count) as OrNullLike<T, number>,
  };
}

/** Distinct values are told apart by their JSON text, as store keys are. */
function addDistinct<T>(list: readonly NonNullable<T>[], value: T): NonNullable<T>[] {
  if (isMissing(value)) return [...list];
  const text = JSON.stringify(value);
  return list.some((item) => JSON.stringify(item) === text) ? [...list] : [...list, value as NonNullable<T>];
}

function collectSet<R extends StreamRecord<unknown, unknown>, T>(of: Extract<R, T>): Aggregator<R, NonNullable<T>[], NonNullable<T>[]> {
  return {
    initializer: () => [],
    adder: (list, record) => addDistinct(list, of(record)),
    merger: (a, b) => b.reduce(addDistinct, a),
    result: (list) => list,
  };
}

function countDistinct<R extends StreamRecord<unknown, unknown>, T>(of: Extract<R, T>): Aggregator<R, NonNullable<T>[], number> {
  return { ...collectSet(of), result: (list) => list.length };
}

function collectList<R extends StreamRecord<unknown, unknown>, T>(of: Extract<R, T>): Aggregator<R, NonNullable<T>[], NonNullable<T>[]> {
  return {
    initializer: () => [],
    adder: (list, record) => {
      const value = of(record);
      return isMissing(value) ? [...list] : [...list, value as NonNullable<T>];
    },
    merger: (a, b) => [...a, ...b],
    result: (list) => list,
  };
}

/**
 * latest and earliest keep the chosen value with its timestamp. A null value
 * is skipped, as ksqlDB's LATEST_BY_OFFSET and EARLIEST_BY_OFFSET do by default.
 */
function byTimestamp<R extends StreamRecord<unknown, unknown>, T>(
  of: Extract<R, T>,
  replaces: (candidate: number, current: number) => boolean,
): Aggregator<R, Timestamped<NonNullable<T>> | null, T> {
  type Chosen = Timestamped<NonNullable<T>> | null;
  const pick = (current: Chosen, candidate: Chosen): Chosen => (current === null || (candidate !== null && replaces(candidate.timestamp, current.timestamp)) ? candidate : current);
  return {
    initializer: () => null,
    adder: (current, record) => {
      const value = of(record);
      return isMissing(value) ? current : pick(current, { value: value as NonNullable<T>, timestamp: record.timestamp });
    },
    merger: pick,
    result: (current) => (current === null ? null : current.value) as T,
  };
}

/** The value of the record with the highest timestamp; of equal timestamps, the one processed last. */
function latest<R extends StreamRecord<unknown, unknown>, T>(of: Extract<R, T>): Aggregator<R, Timestamped<NonNullable<T>> | null, T> {
  return byTimestamp(of, (candidate, current) => candidate >= current);
}

/** The value of the record with the lowest timestamp; of equal timestamps, the one processed first. */
function earliest<R extends StreamRecord<unknown, unknown>, T>(of: Extract<R, T>): Aggregator<R, Timestamped<NonNullable<T>> | null, T> {
  return byTimestamp(of, (candidate, current) => candidate < current);
}

/** A user aggregate, given `add`'s arguments (after the accumulator) for each record. */
function user<R extends StreamRecord<unknown, unknown>, A, Args extends readonly unknown[], Out = A>(
  aggregate: UserAggregate<A, Args, Out>,
  args: (record: R) => Args,
): Aggregator<R, A, Out> {
  // The store and the sliding windows' neighbours share accumulators: the user's code gets copies.
  const copy = (accumulator: A): A => structuredClone(accumulator);
  const { merge, subtract, result } = aggregate;
  return {
    initializer: () => aggregate.init(),
    adder: (accumulator, record) => aggregate.add(copy(accumulator), ...args(record)),
    ...(merge ? { merger: (earlier: A, later: A) => merge.call(aggregate, copy(earlier), copy(later)) } : {}),
    ...(subtract ? { subtractor: (accumulator: A, record: R) => subtract.call(aggregate, copy(accumulator), ...args(record)) } : {}),
    result: result ? (accumulator) => result.call(aggregate, copy(accumulator)) : (accumulator) => accumulator as unknown as Out,
  };
}

type Fields<R> = Record<string, Aggregator<R, any, any>>;
type Results<F> = { [Name in keyof F]: F[Name] extends Aggregator<any, any, infer Out> ? Out : never };
type Accumulators<F> = { [Name in keyof F]: F[Name] extends Aggregator<any, infer A, any> ? A : never };

/** Several aggregates at once: `aggregate { total: sum(amount), orders: count() }`. */
function record<R extends StreamRecord<unknown, unknown>, F extends Fields<R>>(fields: F): Aggregator<R, Accumulators<F>, Results<F>> {
  const entries = Object.entries(fields);
  const each = <T>(f: (name: string, aggregator: Aggregator<R, any, any>) => T) => Object.fromEntries(entries.map(([name, aggregator]) => [name, f(name, aggregator)]));
  const field = (acc: unknown, name: string) => (acc as Record<string, unknown>)[name];
  // A record merges (or subtracts) only when each of its fields can.
  const all = entries.map(([, a]) => a);
  return {
    initializer: () => each((_, a) => a.initializer()) as Accumulators<F>,
    adder: (acc, r) => each((name, a) => a.adder(field(acc, name), r)) as Accumulators<F>,
    ...(all.every((a) => a.merger) ? { merger: (x: Accumulators<F>, y: Accumulators<F>) => each((name, a) => a.merger!(field(x, name), field(y, name))) as Accumulators<F> } : {}),
    ...(all.every((a) => a.subtractor) ? { subtractor: (acc: Accumulators<F>, r: R) => each((name, a) => a.subtractor!(field(acc, name), r)) as Accumulators<F> } : {}),
    result: (acc) => each((name, a) => a.result(field(acc, name))) as Results<F>,
  };
}

export const aggregations = { count, sum, min, max, avg, countDistinct, collectList, collectSet, latest, earliest, user, record };

export type AggregationName = Exclude<keyof typeof aggregations, "record" | "user">;

/**
 * The aggregate functions for records of type R: what `aggregate(name, {
 * aggregator: (fns) => ... })` hands to its callback, so that the record
 * parameters of the value functions are typed from the stream.
 */
export interface Aggregations<R> {
  count(): Aggregator<R, number, number>;
  /** Nulls skipped; 0 for a group without a value (as ksqlDB's SUM). */
  sum(of: (record: R) => number | null): Aggregator<R, number, number>;
  min<T extends number | string | null>(of: (record: R) => T): Aggregator<R, NonNullable<T> | null, T>;
  max<T extends number | string | null>(of: (record: R) => T): Aggregator<R, NonNullable<T> | null, T>;
  avg<T extends number | null = number>(of: (record: R) => T): Aggregator<R, Summed, OrNullLike<T, number>>;
  countDistinct<T>(of: (record: R) => T): Aggregator<R, NonNullable<T>[], number>;
  collectList<T>(of: (record: R) => T): Aggregator<R, NonNullable<T>[], NonNullable<T>[]>;
  collectSet<T>(of: (record: R) => T): Aggregator<R, NonNullable<T>[], NonNullable<T>[]>;
  latest<T>(of: (record: R) => T): Aggregator<R, Timestamped<NonNullable<T>> | null, T>;
  earliest<T>(of: (record: R) => T): Aggregator<R, Timestamped<NonNullable<T>> | null, T>;
  user<A, Args extends readonly unknown[], Out = A>(aggregate: UserAggregate<A, Args, Out>, args: (record: R) => Args): Aggregator<R, A, Out>;
  record<F extends Record<string, Aggregator<R, any, any>>>(fields: F): Aggregator<R, Accumulators<F>, Results<F>>;
}

export function aggregationsFor<R>(): Aggregations<R> {
  return aggregations as unknown as Aggregations<R>;
}
