// Decoding of string literals. Well-formed strings use exactly JSON's syntax; a malformed one
// (bad escape, raw control character, no closing quote) is still decoded as well as it can be,
// and its issues are reported as lexing problems.

import type { SourceRange } from "./ast.ts";

export interface StringIssue {
  readonly message: string;
  /** Relative to the start of the literal's text (its opening quote). */
  readonly range: SourceRange;
}

export interface DecodedString {
  readonly value: string;
  readonly issues: readonly StringIssue[];
}

const simpleEscapes: Readonly<Record<string, string>> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/** Decodes the text of a string literal, quotes included. Never throws. */
export function decodeString(image: string): DecodedString {
  const issues: StringIssue[] = [];
  let value = "";
  let i = 1; // past the opening quote
  let closed = false;
  while (i < image.length) {
    const c = image[i]!;
    if (c === '"') {
      closed = true;
      break;
    }
    if (c === "\\") {
      const next = image[i + 1];
      if (next !== undefined && next in simpleEscapes) {
        value += simpleEscapes[next];
        i += 2;
      } else if (next === "u" && /^[0-9A-Fa-f]{4}$/.test(image.slice(i + 2, i + 6))) {
        value += String.fromCharCode(parseInt(image.slice(i + 2, i + 6), 16));
        i += 6;
      } else {
        const bad = next === "u" ? image.slice(i, i + 6).replace(/["\s].*$/, "") : image.slice(i, i + 2);
        issues.push({ message: `invalid escape '${bad}' in string`, range: { start: i, end: i + bad.length } });
        value += bad.slice(1);
        i += Math.max(bad.length, 1);
      }
      continue;
    }
    if (c < " ") {
      const code = c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
      issues.push({ message: `control character U+${code} in string: write it as an escape`, range: { start: i, end: i + 1 } });
    }
    value += c;
    i += 1;
  }
  if (!closed && image.length > 0) {
    issues.push({ message: "unterminated string: a string ends with '\"' on the line it starts", range: { start: 0, end: image.length } });
  }
  return { value, issues };
}
