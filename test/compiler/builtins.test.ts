import { describe, expect, it } from "vitest";
import { builtinFunctions } from "../../compiler/builtins.ts";
import { fn } from "../../runtime/functions.ts";

describe("built-in functions", () => {
  it("has a weir signature for every runtime function and the other way round", () => {
    expect(Object.keys(builtinFunctions).sort()).toEqual(Object.keys(fn).sort());
  });

  it("behave as documented", () => {
    expect(fn.extractAll("don't stop-me NOW", "[a-z]+")).toEqual(["don", "t", "stop", "me"]);
    expect(fn.split("", ",")).toEqual([]);
    expect(fn.replace("a.b.c", ".", "-")).toBe("a-b-c");
    expect(fn.coalesce(null, 3)).toBe(3);
    expect(fn.toNumber(" 12.5 ")).toBe(12.5);
    expect(() => fn.toNumber("twelve")).toThrow(/not a number/);
  });
});
