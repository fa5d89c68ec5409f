import { tokenMatcher } from "../../grammar/chevrotain.ts";
import { describe, expect, it } from "vitest";
import { parseWeir, tokenize } from "../../grammar/index.ts";
import { hardKeywords, Identifier, softKeywords } from "../../grammar/tokens.ts";
import { describeProblems, parseExpr } from "./support.ts";

function tokenNames(text: string): string[] {
  const { tokens, problems } = tokenize(text);
  expect(problems).toEqual([]);
  return tokens.map((token) => token.tokenType.name);
}

describe("tokens", () => {
  it("tells keywords from names that merely start like one", () => {
    expect(tokenNames("stream streams _x x1 key keys count counter")).toEqual([
      "StreamKw", "Identifier", "Identifier", "Identifier", "KeyKw", "Identifier", "CountKw", "Identifier",
    ]);
  });

  it("puts every soft keyword, and no hard keyword, in the Identifier category", () => {
    const words = "application import from schema stream table topic key value json string number boolean timestamp integer list map event time sink to where select flatmap rekey group by count sum aggregate windowed window tumbling hopping sliding session advance grace emit final changes join left right outer on within before after dedup merge branch headers in between";
    const { tokens } = tokenize(words);
    expect(tokens.map((token) => token.tokenType)).toEqual(softKeywords);
    expect(tokens.every((token) => tokenMatcher(token, Identifier))).toBe(true);

    const hard = tokenize("true false null and or not if then else").tokens;
    expect(hard.map((token) => token.tokenType)).toEqual(hardKeywords);
    expect(hard.some((token) => tokenMatcher(token, Identifier))).toBe(false);
  });

  it("reads two-character operators as one token", () => {
    expect(tokenNames("== != <= >= < > = | + - * / % ( ) { } [ ] , : . ?")).toEqual([
      "EqualsEquals", "NotEquals", "LessEquals", "GreaterEquals", "LessThan", "GreaterThan", "Equals", "Pipe",
      "Plus", "Minus", "Star", "Slash", "Percent", "LParen", "RParen", "LBrace", "RBrace", "LBracket", "RBracket",
      "Comma", "Colon", "Dot", "Question",
    ]);
    expect(tokenNames("a<=b")).toEqual(["Identifier", "LessEquals", "Identifier"]);
  });

  it("reads numbers with fractions and exponents", () => {
    const { tokens } = tokenize("0 42 3.14 1e10 2.5E-3 6e+2");
    expect(tokens.map((token) => [token.tokenType.name, token.image])).toEqual([
      ["NumberLiteral", "0"], ["NumberLiteral", "42"], ["NumberLiteral", "3.14"],
      ["NumberLiteral", "1e10"], ["NumberLiteral", "2.5E-3"], ["NumberLiteral", "6e+2"],
    ]);
    // A dot without digits after it is a member access, not part of the number.
    expect(tokenNames("1.x")).toEqual(["NumberLiteral", "Dot", "Identifier"]);
  });

  it("keeps comments apart from the tokens, in source order", () => {
    const text = "a // to the end\n/* over\n two lines */ b /**/";
    const { tokens, comments, problems } = tokenize(text);
    expect(problems).toEqual([]);
    expect(tokens.map((token) => token.image)).toEqual(["a", "b"]);
    expect(comments.map((token) => token.image)).toEqual(["// to the end", "/* over\n two lines */", "/**/"]);
  });
});

describe("string literals", () => {
  it("decodes JSON escapes", () => {
    const { expr } = parseExpr(String.raw`"q\"b\\s\/n\nt\tu\u0041\u00e9 \b\f\r"`);
    expect(expr).toMatchObject({ kind: "StringLiteral", value: 'q"b\\s/n\nt\tuAé \b\f\r' });
  });

  it("decodes surrogate pairs written as two escapes", () => {
    expect(parseExpr(String.raw`"\ud83d\ude00"`).expr).toMatchObject({ value: "😀" });
  });

  it("covers the quotes in its range", () => {
    const { expr, at } = parseExpr(`"a\\tb"`);
    expect(at(expr.range)).toBe(`"a\\tb"`);
  });

  it("reports a bad escape at the escape, and still parses a string", () => {
    const text = String.raw`stream s = x | select "a\qb\u12"`;
    const { file, problems } = parseWeir(text);
    expect(describeProblems(text, problems)).toEqual([
      String.raw`lex: invalid escape '\q' in string @ "\\q"`,
      String.raw`lex: invalid escape '\u12' in string @ "\\u12"`,
    ]);
    const declaration = file.declarations[0];
    expect(declaration).toMatchObject({ kind: "Pipeline", steps: [{ kind: "Select", value: { kind: "StringLiteral", value: "aqbu12" } }] });
  });

  it("reports an unterminated string and carries on with the next line", () => {
    const text = 'sink s to topic "orders\nsink t to topic "ok"';
    const { file, problems } = parseWeir(text);
    expect(describeProblems(text, problems)).toEqual([`lex: unterminated string: a string ends with '"' on the line it starts @ "\\"orders"`]);
    expect(file.declarations).toMatchObject([
      { kind: "Sink", input: { name: "s" }, topic: { value: "orders" } },
      { kind: "Sink", input: { name: "t" }, topic: { value: "ok" } },
    ]);
  });

  it("reports a raw control character", () => {
    const text = 'sink s to topic "a\tb"';
    expect(describeProblems(text, parseWeir(text).problems)).toEqual([`lex: control character U+0009 in string: write it as an escape @ "\\t"`]);
  });
});

describe("lexing problems", () => {
  it("reports an unexpected character and lexes on past it", () => {
    const text = "stream s = x | where a @ b == 1";
    const { tokens, problems } = tokenize(text);
    expect(describeProblems(text, problems)).toEqual([`lex: unexpected character '@' @ "@"`]);
    expect(tokens.map((token) => token.image).slice(-4)).toEqual(["a", "b", "==", "1"]);
  });

  it("reports a run of unexpected characters once", () => {
    const text = "a @#$ b";
    expect(describeProblems(text, tokenize(text).problems)).toEqual([`lex: unexpected characters '@#$' @ "@#$"`]);
  });

  it("reports characters outside the language, such as '!' alone or non-ASCII letters", () => {
    const text = "a ! b café";
    expect(describeProblems(text, tokenize(text).problems)).toEqual([
      `lex: unexpected character '!' @ "!"`,
      `lex: unexpected character 'é' @ "é"`,
    ]);
  });

  it("reports an unterminated block comment at its opening, keeping it as a comment", () => {
    const text = "sink s to topic \"t\" /* never closed\nsink u to topic \"v\"";
    const { file, problems } = parseWeir(text);
    expect(describeProblems(text, problems)).toEqual([`lex: unterminated comment: '/*' without '*/' @ "/*"`]);
    expect(file.declarations).toHaveLength(1);
    expect(file.comments).toMatchObject([{ text: "/* never closed\nsink u to topic \"v\"" }]);
  });
});
