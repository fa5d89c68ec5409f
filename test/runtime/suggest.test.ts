import { describe, expect, it } from "vitest";
import { allowedDistance, didYouMean, editDistance, orList, shortList, suggest } from "../../runtime/suggest.ts";

describe("editDistance", () => {
  it("counts insertions, deletions and substitutions", () => {
    expect(editDistance("amont", "amount")).toBe(1);
    expect(editDistance("amount", "amont")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
  });

  it("counts a swap of two neighbours as one edit", () => {
    expect(editDistance("cutsomerId", "customerId")).toBe(1);
    expect(editDistance("ab", "ba")).toBe(1);
  });
});

describe("suggest", () => {
  it("finds the one closest name", () => {
    expect(suggest("amont", ["id", "amount", "customerId"])).toEqual(["amount"]);
    expect(suggest("ordrs", ["orders", "lines"])).toEqual(["orders"]);
  });

  it("prefers a name that differs only in case", () => {
    expect(suggest("customerid", ["customerIds", "customerId", "customer"])).toEqual(["customerId"]);
  });

  it("names every candidate at the best distance, in the order given, at most three", () => {
    expect(suggest("minuts", ["ms", "minute", "minutes"])).toEqual(["minute", "minutes"]);
    expect(suggest("ab", ["Ab", "aB", "AB", "ab_"])).toEqual(["Ab", "aB", "AB"]);
  });

  it("allows more edits in longer names", () => {
    expect(allowedDistance(2)).toBe(0);
    expect(allowedDistance(4)).toBe(1);
    expect(allowedDistance(6)).toBe(2);
    expect(allowedDistance(12)).toBe(4);
    expect(suggest("id", ["ts", "ID"])).toEqual(["ID"]);
    expect(suggest("lowr", ["lower", "flower"])).toEqual(["lower"]);
    expect(suggest("customerIdentifer", ["customerIdentifier"])).toEqual(["customerIdentifier"]);
  });

  it("suggests nothing when nothing is close, and never the name itself", () => {
    expect(suggest("zzz", ["amount", "id"])).toEqual([]);
    expect(suggest("amount", ["amount"])).toEqual([]);
    expect(suggest("abc", [])).toEqual([]);
  });
});

describe("hint text", () => {
  it("asks about one or several names", () => {
    expect(didYouMean("amont", ["amount"])).toBe("did you mean 'amount'?");
    expect(didYouMean("minuts", ["minute", "minutes"])).toBe("did you mean 'minute' or 'minutes'?");
    expect(didYouMean("zzz", ["amount"])).toBeUndefined();
  });

  it("lists names", () => {
    expect(orList(["'a'", "'b'", "'c'"])).toBe("'a', 'b' or 'c'");
    expect(shortList(["a"])).toBe("a");
    expect(shortList(["a", "b", "c"])).toBe("a, b and c");
    expect(shortList([])).toBeUndefined();
    expect(shortList(Array.from({ length: 9 }, (_, i) => `f${i}`))).toBeUndefined();
  });
});
