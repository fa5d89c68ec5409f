// Where in a .weir file an error happened: read from the stack trace, whose
// frames Node writes at the .weir lines through the compiled module's source map.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { weirLocationOf } from "../../../runtime/internal/source-location.ts";
import { jsonLines, weir } from "../../src/weir-cli.ts";

function errorWithStack(stack: string): Error {
  const error = new RangeError("negative amount -5");
  error.stack = stack;
  return error;
}

describe("weirLocationOf", () => {
  it("is the innermost frame in a .weir file: for an imported function, where the .weir file called it", () => {
    const error = errorWithStack(
      [
        "RangeError: negative amount -5",
        "    at riskScore (/home/me/shop/src/risk.ts:3:25)",
        "    at <anonymous> (/home/me/shop/src/orders.weir:11:24)",
        "    at Object.process (/home/me/shop/lib/orders.js:900:12)",
      ].join("\n"),
    );
    expect(weirLocationOf(error)).toBe("orders.weir:11:24");
  });

  it("reads frames without a function name", () => {
    expect(weirLocationOf(errorWithStack("TypeError: x\n    at /tmp/weir-module-1/stats.weir:4:7\n"))).toBe("stats.weir:4:7");
  });

  it("is undefined without such a frame, and for what is not an Error", () => {
    expect(weirLocationOf(errorWithStack("RangeError: x\n    at f (/app/lib/orders.js:1:2)"))).toBeUndefined();
    expect(weirLocationOf("a string")).toBeUndefined();
    expect(weirLocationOf(undefined)).toBeUndefined();
  });
});

describe("a dead letter's reason", () => {
  it("says where in the .weir file the imported function that failed was called (weir run)", () => {
    const result = weir(["run", "test/src/fixtures/build/orders.weir", "--input", `orders=${join("test", "src", "fixtures", "build", "orders.jsonl")}`]);
    expect(result.status).toBe(0);
    expect(jsonLines(result.stdout).map((r) => r.value)).toEqual([{ id: "o1", risk: 0.25 }]);
    const letter = /^dead letter: (.*)$/m.exec(result.stderr);
    expect(letter, result.stderr).not.toBeNull();
    expect((JSON.parse(letter![1]!) as { value: { reason: string } }).value.reason).toBe("processing failed: RangeError: negative amount -5 (at orders.weir:10:45)");
  });
});
