// Where parsing fails on a word, the problem carries the keywords that could have stood there
// (found with chevrotain's content assist), so that the compiler can suggest the closest.
import { describe, expect, it } from "vitest";
import { parseWeir } from "../../grammar/index.ts";

function misspelt(text: string) {
  const problem = parseWeir(text).problems.find((p) => p.misspelt);
  return problem?.misspelt;
}

const source = 'application a\nstream s from topic "s" key string value string\n';

describe("keywords expected at a parse error", () => {
  it("lists the steps after '|', with the keyword that a step's first one always takes", () => {
    const found = misspelt(`${source}table t = s | grup by value | count\n`);
    expect(found?.found).toBe("grup");
    expect(found?.expected).toEqual(
      expect.arrayContaining([
        { word: "where", phrase: "where" },
        { word: "group", phrase: "group by" },
        { word: "left", phrase: "left join" },
        { word: "window", phrase: "window" },
      ]),
    );
    expect(found?.expected.map((k) => k.word)).not.toContain("stream");
  });

  it("lists the kinds of window after 'window', and the modes after 'emit'", () => {
    expect(misspelt(`${source}table t = s | group by value | window tumblin 1 min | count\n`)?.expected.map((k) => k.word).sort()).toEqual(["hopping", "session", "sliding", "tumbling"]);
    expect(misspelt(`${source}table t = s | group by value | window tumbling 1 min grace 0s emit fnal | count\n`)?.expected.map((k) => k.word).sort()).toEqual(["changes", "final"]);
  });

  it("lists what may follow a complete declaration: its optional parts and the next declarations", () => {
    const words = misspelt(`${source}sink s to topic "x"\nstrem u from topic "u" key string value string\n`)?.expected.map((k) => k.word);
    expect(words).toEqual(expect.arrayContaining(["key", "value", "stream", "table", "sink", "schema", "import"]));
  });

  it("falls back on the rule that failed when the declaration before the word is itself broken", () => {
    const problems = parseWeir('application a\nstream s from topic "s" key strin value jsn\n').problems.filter((p) => p.misspelt);
    expect(problems.map((p) => [p.misspelt!.found, p.misspelt!.expected.map((k) => k.word).sort()])).toEqual([
      ["strin", ["json", "string"]],
      ["jsn", ["json", "string"]],
    ]);
  });

  it("carries nothing when what was found is not a word", () => {
    expect(parseWeir(`${source}stream t = s | 42\n`).problems.map((p) => p.misspelt)).toEqual([undefined]);
  });
});
