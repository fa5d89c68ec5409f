// The source map of a generated module back to its .weir file (version 3, as
// in https://sourcemaps.info/spec.html): each expression's start in the
// module points at the expression in the .weir file. Node (with source maps
// on), tsx and esbuild read it, so that an expression or an imported function
// that throws shows up in stack traces at the .weir line and column.
import type { EmittedPosition } from "./emit.ts";

export interface SourceMap {
  readonly version: 3;
  readonly sources: readonly string[];
  readonly sourcesContent: readonly string[];
  readonly names: readonly string[];
  readonly mappings: string;
}

export function sourceMapOf(positions: readonly EmittedPosition[], source: string, sourceName: string): SourceMap {
  const lineStarts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === "\n") lineStarts.push(i + 1);
  const lines: string[] = [];
  // Every field but the generated column is relative to the previous segment's, across lines.
  let previousSourceLine = 0;
  let previousSourceColumn = 0;
  let previousLine = 0;
  let previousColumn = 0;
  for (const position of positions) {
    while (lines.length <= position.line) lines.push("");
    if (position.line !== previousLine) previousColumn = 0;
    previousLine = position.line;
    const sourceLine = lineOf(lineStarts, position.sourceOffset);
    const sourceColumn = position.sourceOffset - lineStarts[sourceLine]!;
    const segment = vlq(position.column - previousColumn) + vlq(0) + vlq(sourceLine - previousSourceLine) + vlq(sourceColumn - previousSourceColumn);
    lines[position.line] += (lines[position.line] === "" ? "" : ",") + segment;
    previousColumn = position.column;
    previousSourceLine = sourceLine;
    previousSourceColumn = sourceColumn;
  }
  return { version: 3, sources: [sourceName], sourcesContent: [source], names: [], mappings: lines.join(";") };
}

/** The module's text with its source map inline, where Node, tsx and esbuild find it. */
export function withInlineSourceMap(code: string, map: SourceMap): string {
  return `${code}//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map), "utf8").toString("base64")}\n`;
}

/** The 0-based line of an offset, by binary search over the lines' start offsets. */
function lineOf(lineStarts: readonly number[], offset: number): number {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (lineStarts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}

const base64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** A base64 VLQ number: 5 bits a digit, least significant first, the sign in the lowest bit. */
function vlq(value: number): string {
  let rest = value < 0 ? (-value << 1) | 1 : value << 1;
  let text = "";
  do {
    let digit = rest & 31;
    rest >>>= 5;
    if (rest > 0) digit |= 32;
    text += base64[digit];
  } while (rest > 0);
  return text;
}
