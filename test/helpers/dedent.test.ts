import { describe, expect, it } from "vitest";
import { dedent } from "./dedent.ts";

describe("dedent", () => {
  it("strips the common indentation and the blank first and last lines", () => {
    const text = dedent`
      stream a = b
        | where c

      sink a to topic "t"
    `;
    expect(text).toBe('stream a = b\n  | where c\n\nsink a to topic "t"');
  });

  it("keeps text without indentation as it is", () => {
    expect(dedent`a\n  b`).toBe("a\n  b");
    expect(dedent("x")).toBe("x");
  });

  it("inserts interpolated values after measuring the indentation", () => {
    const multiLine = "one\ntwo";
    expect(dedent`
        first ${42}
          ${multiLine}
    `).toBe("first 42\n  one\ntwo");
  });

  it("measures indentation on non-blank lines only", () => {
    expect(dedent`
      a
  
      b
    `).toBe("a\n\nb");
  });
});
