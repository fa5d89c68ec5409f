// The aggregate functions: what each keeps, what it emits, and how two
// sessions' accumulators merge.
import { describe, expect, it } from "vitest";
import { aggregations, aggregationsFor, type Aggregator } from "../../runtime/aggregations.ts";
import type { StreamRecord } from "../../runtime/topology/nodes.ts";

type R = StreamRecord<string, { amount: number; tag: string | null }>;
const r = (amount: number, tag: string | null, timestamp: number): R => ({ key: "k", value: { amount, tag }, timestamp });

function run<A, Out>(aggregator: Aggregator<R, A, Out>, records: R[]): Out {
  // Through JSON, as the state store keeps accumulators.
  const accumulator = records.reduce((acc, record) => JSON.parse(JSON.stringify(aggregator.adder(acc, record))) as A, aggregator.initializer());
  return aggregator.result(accumulator);
}

const amount = (record: R) => record.value.amount;
const tag = (record: R) => record.value.tag;
const records = [r(5, "a", 30), r(2, null, 10), r(9, "b", 30), r(2, "a", 20)];

describe("aggregations", () => {
  it("compute what they say over a group's records", () => {
    expect(run(aggregations.count(), records)).toBe(4);
    expect(run(aggregations.sum(amount), records)).toBe(18);
    expect(run(aggregations.min(amount), records)).toBe(2);
    expect(run(aggregations.max(amount), records)).toBe(9);
    expect(run(aggregations.max((rec: R) => rec.value.tag ?? ""), records)).toBe("b");
    expect(run(aggregations.avg(amount), records)).toBe(4.5);
    expect(run(aggregations.countDistinct(amount), records)).toBe(3);
    // Nulls are skipped, as SQL's aggregates skip them.
    expect(run(aggregations.collectList(tag), records)).toEqual(["a", "b", "a"]);
    expect(run(aggregations.collectSet(tag), records)).toEqual(["a", "b"]);
    expect(run(aggregations.countDistinct(tag), records)).toBe(2);
    // By timestamp, not by arrival; ties: latest takes the later record, earliest the first.
    expect(run(aggregations.latest(amount), records)).toBe(9);
    expect(run(aggregations.earliest(amount), records)).toBe(2);
    expect(run(aggregations.earliest(amount), [r(1, null, 5), r(2, null, 5)])).toBe(1);
  });

  it("keep avg as a sum and a count, so that merging two groups is exact", () => {
    const avg = aggregations.avg(amount);
    const a = [r(1, null, 0), r(2, null, 1)].reduce(avg.adder, avg.initializer());
    const b = [r(9, null, 2)].reduce(avg.adder, avg.initializer());
    expect(a).toEqual({ sum: 3, count: 2 });
    expect(avg.result(avg.merger!(a, b))).toBe(4);
  });

  it("merge records of aggregates field by field, earlier session first", () => {
    const fns = aggregationsFor<R>();
    const agg = fns.record({ n: fns.count(), tags: fns.collectList(tag), last: fns.latest(amount), low: fns.min(amount) });
    const earlier = [r(5, "x", 10)].reduce(agg.adder, agg.initializer());
    const later = [r(7, "y", 50), r(1, "z", 40)].reduce(agg.adder, agg.initializer());
    expect(agg.result(agg.merger!(earlier, later))).toEqual({ n: 3, tags: ["x", "y", "z"], last: 7, low: 1 });
    expect(agg.result(agg.merger!(agg.initializer(), earlier))).toEqual({ n: 1, tags: ["x"], last: 5, low: 5 });
  });
});

describe("null values", () => {
  type N = StreamRecord<string, { amount: number | null; coupon: string | null }>;
  const n = (amount: number | null, coupon: string | null, timestamp: number): N => ({ key: "k", value: { amount, coupon }, timestamp });
  const amountOf = (record: N) => record.value.amount;
  const couponOf = (record: N) => record.value.coupon;
  function over<A, Out>(aggregator: Aggregator<N, A, Out>, input: N[]): Out {
    const accumulator = input.reduce((acc, record) => JSON.parse(JSON.stringify(aggregator.adder(acc, record))) as A, aggregator.initializer());
    return aggregator.result(accumulator);
  }
  // An absent field reads as undefined in a hand-written topology: skipped like null.
  const absent = { key: "k", value: { amount: 4 } as unknown as N["value"], timestamp: 2 } satisfies N;
  const someNull = [n(null, "SAVE10", 1), absent, n(3, null, 3), n(null, null, 4)];
  const allNull = [n(null, null, 1), n(null, null, 2)];

  it("are skipped by every aggregate but count (countDistinct of SAVE10, absent, null is 1)", () => {
    expect(over(aggregations.countDistinct(couponOf), someNull)).toBe(1);
    expect(over(aggregations.count(), someNull)).toBe(4);
    expect(over(aggregations.sum(amountOf), someNull)).toBe(7);
    // A value typed a number (plain json is checked only at run time) that is null after all: skipped too.
    expect(over(aggregations.sum(amountOf as (record: N) => number), someNull)).toBe(7);
    expect(over(aggregations.avg(amountOf), someNull)).toBe(3.5);
    expect(over(aggregations.min(amountOf), someNull)).toBe(3);
    expect(over(aggregations.max(amountOf), someNull)).toBe(4);
    expect(over(aggregations.collectList(couponOf), someNull)).toEqual(["SAVE10"]);
    expect(over(aggregations.collectSet(couponOf), someNull)).toEqual(["SAVE10"]);
    // The latest record with a value, not the latest record (ksqlDB's LATEST_BY_OFFSET ignores nulls too).
    expect(over(aggregations.latest(couponOf), someNull)).toBe("SAVE10");
    expect(over(aggregations.earliest(amountOf), someNull)).toBe(4);
  });

  it("leave a group without values 0 (sum, as ksqlDB's SUM; countDistinct), null (avg, min, max, latest, earliest) or [] (collect)", () => {
    expect(over(aggregations.sum(amountOf), allNull)).toBe(0);
    expect(over(aggregations.avg(amountOf), allNull)).toBeNull();
    expect(over(aggregations.min(amountOf), allNull)).toBeNull();
    expect(over(aggregations.max(couponOf), allNull)).toBeNull();
    expect(over(aggregations.latest(couponOf), allNull)).toBeNull();
    expect(over(aggregations.earliest(amountOf), allNull)).toBeNull();
    expect(over(aggregations.countDistinct(couponOf), allNull)).toBe(0);
    expect(over(aggregations.collectList(couponOf), allNull)).toEqual([]);
    expect(over(aggregations.collectSet(couponOf), allNull)).toEqual([]);
  });

  it("merge sessions without values as no values", () => {
    const fns = aggregationsFor<N>();
    const agg = fns.record({ total: fns.sum(amountOf), mean: fns.avg(amountOf), last: fns.latest(couponOf), coupons: fns.countDistinct(couponOf) });
    const empty = allNull.reduce(agg.adder, agg.initializer());
    const some = [n(2, "A", 5)].reduce(agg.adder, agg.initializer());
    expect(agg.result(agg.merger!(empty, empty))).toEqual({ total: 0, mean: null, last: null, coupons: 0 });
    expect(agg.result(agg.merger!(empty, some))).toEqual({ total: 2, mean: 2, last: "A", coupons: 1 });
    expect(agg.result(agg.merger!(some, empty))).toEqual({ total: 2, mean: 2, last: "A", coupons: 1 });
  });

  it("subtract as they add: a null is taken out of nothing, the sum is 0 again and the mean null when the last value leaves", () => {
    const sum = aggregations.sum(amountOf);
    const avg = aggregations.avg(amountOf);
    const added = [n(5, null, 1), n(null, null, 2)].reduce(sum.adder, sum.initializer());
    expect(sum.result(added)).toBe(5);
    expect(sum.result(sum.subtractor!(added, n(null, null, 3)))).toBe(5);
    expect(sum.result(sum.subtractor!(added, n(5, null, 3)))).toBe(0);
    const mean = [n(5, null, 1), n(null, null, 2), n(7, null, 3)].reduce(avg.adder, avg.initializer());
    expect(avg.result(avg.subtractor!(mean, n(null, null, 4)))).toBe(6);
    expect(avg.result(avg.subtractor!(mean, n(7, null, 4)))).toBe(5);
  });
});

describe("subtracting (a grouped table's changed rows)", () => {
  it("takes a record back out of count, sum and avg; avg of no records is null", () => {
    const count = aggregations.count<R>();
    const sum = aggregations.sum<R>((record) => record.value.amount);
    const avg = aggregations.avg<R>((record) => record.value.amount);
    expect(count.subtractor!(count.adder(count.adder(0, r(3, null, 1)), r(4, null, 2)), r(3, null, 3))).toBe(1);
    expect(sum.subtractor!(sum.adder(sum.adder(0, r(3, null, 1)), r(4, null, 2)), r(3, null, 3))).toBe(4);
    const both = avg.adder(avg.adder(avg.initializer(), r(3, null, 1)), r(5, null, 2));
    expect(avg.result(avg.subtractor!(both, r(5, null, 3)))).toBe(3);
    expect(avg.result(avg.subtractor!(avg.subtractor!(both, r(5, null, 3)), r(3, null, 4)))).toBeNull();
  });
});

describe("user aggregates", () => {
  const sumOfSquares = {
    init: (): number => 0,
    add: (acc: number, x: number): number => acc + x * x,
    subtract: (acc: number, x: number): number => acc - x * x,
  };

  it("add the arguments the record gives, and subtract them back out", () => {
    const agg = aggregations.user(sumOfSquares, (record: R) => [record.value.amount] as const);
    expect(run(agg, records)).toBe(25 + 4 + 81 + 4);
    expect(agg.subtractor!(agg.adder(agg.adder(0, r(3, null, 1)), r(4, null, 2)), r(3, null, 3))).toBe(16);
  });

  it("have no merger without merge, and make a record of aggregates that cannot merge or subtract unless each field can", () => {
    const agg = aggregations.user(sumOfSquares, (record: R) => [record.value.amount] as const);
    expect(agg.merger).toBeUndefined();
    const both = aggregations.record<R, { squares: typeof agg; n: Aggregator<R, number, number> }>({ squares: agg, n: aggregations.count<R>() });
    expect(both.merger).toBeUndefined();
    expect(both.subtractor!({ squares: 25, n: 2 }, r(3, null, 1))).toEqual({ squares: 16, n: 1 });
    // max keeps only the largest value: it cannot take one back out, nor can a record holding it.
    const withMax = aggregations.record<R, { squares: typeof agg; top: Aggregator<R, number | null, number> }>({ squares: agg, top: aggregations.max<R, number>((record) => record.value.amount) });
    expect(withMax.subtractor).toBeUndefined();
    const onlyUser = aggregations.record<R, { squares: typeof agg }>({ squares: agg });
    expect(onlyUser.subtractor!({ squares: 25 }, r(3, null, 1))).toEqual({ squares: 16 });
  });
});
