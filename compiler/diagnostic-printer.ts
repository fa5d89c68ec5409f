// Turns diagnostics into the text a person reads in a terminal:
//   examples/shop.weir:12:9: error WEIR2003: unknown stream or table 'ordrs'
//     stream big = ordrs | where amount > 100
//                  ^^^^^
//     hint: did you mean 'orders'?
import type { Diagnostic } from "./diagnostics.ts";

export interface LineColumn {
  /** 1-based */
  readonly line: number;
  /** 1-based, in characters */
  readonly column: number;
}

/** Maps offsets to lines and columns for one text; built once per file. */
export class LineMap {
  private readonly lineStarts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      if (text[i] === "\n") this.lineStarts.push(i + 1);
    }
  }

  position(offset: number): LineColumn {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.lineStarts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - this.lineStarts[low]! + 1 };
  }

  lineText(line: number): string {
    const start = this.lineStarts[line - 1] ?? this.text.length;
    const next = this.lineStarts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, "");
  }
}

export function formatDiagnostic(diagnostic: Diagnostic, text: string, lineMap = new LineMap(text)): string {
  const { line, column } = lineMap.position(diagnostic.start);
  const lines = [`${diagnostic.file}:${line}:${column}: ${diagnostic.severity} ${diagnostic.code}: ${diagnostic.message}`];
  const source = lineMap.lineText(line);
  // A span that runs past its first line is underlined to the end of that line.
  const width = Math.max(1, Math.min(diagnostic.length, source.length - (column - 1)));
  const tabsKept = source.slice(0, column - 1).replace(/[^\t]/g, " ");
  lines.push(`  ${source}`);
  lines.push(`  ${tabsKept}${"^".repeat(width)}`);
  if (diagnostic.hint) lines.push(`  hint: ${diagnostic.hint}`);
  for (const related of diagnostic.related ?? []) {
    const at = lineMap.position(related.start);
    lines.push(`  ${related.file}:${at.line}:${at.column}: ${related.message}`);
  }
  return lines.join("\n");
}

export function formatDiagnostics(diagnostics: readonly Diagnostic[], text: string): string {
  const lineMap = new LineMap(text);
  const sorted = [...diagnostics].sort((a, b) => a.start - b.start);
  return sorted.map((d) => formatDiagnostic(d, text, lineMap)).join("\n");
}
