import { describe, expect, it } from "vitest";
import { aggregateFunctions, builtinFunctions } from "../../compiler/builtins.ts";
import { aggregations } from "../../runtime/aggregations.ts";
import { fn } from "../../runtime/functions.ts";

describe("built-in functions", () => {
  it("has a weir signature for every runtime function and the other way round", () => {
    expect(Object.keys(builtinFunctions).sort()).toEqual(Object.keys(fn).sort());
  });

  it("has a weir signature for every runtime aggregate function and the other way round", () => {
    // record and user combine aggregates (the fields of `aggregate { }`, imported aggregates): no weir function of their own.
    const runtime = Object.keys(aggregations).filter((name) => name !== "record" && name !== "user");
    expect(Object.keys(aggregateFunctions).sort()).toEqual(runtime.sort());
  });

  it("behave as documented", () => {
    expect(fn.extractAll("don't stop-me NOW", "[a-z]+")).toEqual(["don", "t", "stop", "me"]);
    expect(fn.split("", ",")).toEqual([]);
    expect(fn.replace("a.b.c", ".", "-")).toBe("a-b-c");
    expect(fn.coalesce(null, 3)).toBe(3);
    expect(fn.toNumber(" 12.5 ")).toBe(12.5);
    expect(() => fn.toNumber("twelve")).toThrow(/not a number/);
    expect([fn.toInteger(2.9), fn.toInteger(-2.9), fn.toInteger(-0.2), fn.toInteger(" 12.5 "), fn.toInteger(2 ** 53 - 1)]).toEqual([2, -2, 0, 12, 2 ** 53 - 1]);
    expect(Object.is(fn.toInteger(-0.2), 0)).toBe(true);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, "abc"]) expect(() => fn.toInteger(bad)).toThrow(RangeError);
  });
});
