// docs/diagnostics.md is generated from the catalogue (compiler/diagnostics.ts: code,
// severity, explanation) and the cases of diagnostic-cases.ts (an example of each code,
// printed as `weir check` prints it), so it cannot go stale: a code added, changed or
// reworded fails this test until the page is regenerated with
//   UPDATE_SNAPSHOTS=1 npx vitest run test/compiler/diagnostics-doc.test.ts
// and the diff reviewed.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../../compiler/compile.ts";
import { formatDiagnostic } from "../../compiler/diagnostic-printer.ts";
import { diagnostics } from "../../compiler/diagnostics.ts";
import { caseSource, cases, casePath, type Case } from "./diagnostic-cases.ts";

const page = join(import.meta.dirname, "..", "..", "docs", "diagnostics.md");

const groups: readonly [string, string][] = [
  ["WEIR1", "Lexing and parsing"],
  ["WEIR2", "Names: declarations, references, imports"],
  ["WEIR3", "Types of expressions, formats and event time"],
  ["WEIR4", "The shape of pipelines: grouping, aggregation, windows, joins, sinks"],
];

/** A code's example: its first case with a hint (hints are what teach), else its first case. */
function exampleOf(code: string): Case | undefined {
  const ofCode = cases.filter((c) => c.code === code);
  return ofCode.find((c) => c.hint !== undefined && c.hint !== null) ?? ofCode[0];
}

const examples = new Map<string, { readonly message: string; readonly printed: string } | undefined>();

/** The example's diagnostic, and how `weir check` prints it (each analysed once: imports make it slow). */
function example(code: string): { readonly message: string; readonly printed: string } | undefined {
  if (!examples.has(code)) examples.set(code, analyzeExample(code));
  return examples.get(code);
}

function analyzeExample(code: string): { readonly message: string; readonly printed: string } | undefined {
  const testCase = exampleOf(code);
  if (!testCase) return undefined;
  const source = caseSource(testCase);
  const found = analyze(source, { path: casePath }).diagnostics.find((d) => d.code === code);
  if (!found) throw new Error(`the case for ${code} does not report it`);
  const shown = { ...found, file: "example.weir", related: found.related?.map((r) => ({ ...r, file: "example.weir" })) };
  // Paths in hints (where an import was looked for) are the checkout's: the page shows a stand-in, the same on every machine.
  const printed = formatDiagnostic(shown, source).replaceAll(dirname(casePath), "/home/you/project");
  return { message: found.message, printed };
}

/** Text for a Markdown table cell. */
function cell(text: string): string {
  return text.replaceAll("|", "\\|");
}

export function generatePage(): string {
  const entries = Object.values(diagnostics).sort((a, b) => a.code.localeCompare(b.code));
  const lines = [
    "# Diagnostics",
    "",
    "<!-- Generated from compiler/diagnostics.ts and test/compiler/diagnostic-cases.ts by",
    "     test/compiler/diagnostics-doc.test.ts: do not edit by hand; regenerate with",
    "     UPDATE_SNAPSHOTS=1 npx vitest run test/compiler/diagnostics-doc.test.ts -->",
    "",
    "`weir check` prints every problem as `FILE:LINE:COL: SEVERITY CODE: MESSAGE`, then the line,",
    "a caret under the span and, where one helps, a hint. Codes are stable: a code keeps its",
    "meaning once released. Errors stop compilation; warnings do not.",
    "",
    "Where a name is unknown, the hint suggests the closest known names (edit distance, ignoring",
    "case, up to three of them), or lists the names there are when the list is short.",
    "",
    "| code | severity | for example |",
    "| --- | --- | --- |",
    ...entries.map((d) => `| [${d.code}](#${d.code.toLowerCase()}) | ${d.severity} | ${cell(example(d.code)?.message ?? "")} |`),
  ];
  for (const [prefix, title] of groups) {
    lines.push("", `## ${title}`);
    for (const definition of entries.filter((d) => d.code.startsWith(prefix))) {
      lines.push("", `### ${definition.code}`, "", `${definition.severity === "warning" ? "A warning. " : ""}${definition.explanation ?? ""}`);
      const shown = example(definition.code);
      if (shown) lines.push("", "```text", shown.printed, "```");
    }
  }
  return `${lines.join("\n")}\n`;
}

describe("docs/diagnostics.md", () => {
  it("explains every code", () => {
    const unexplained = Object.values(diagnostics).filter((d) => !d.explanation).map((d) => d.code);
    expect(unexplained, "add an explanation to the code's define(...) in compiler/diagnostics.ts").toEqual([]);
  });

  // One analysis per code, each reading the TypeScript module the cases import.
  it("is generated from the catalogue and the cases", { timeout: 120_000 }, () => {
    const expected = generatePage();
    if (process.env["UPDATE_SNAPSHOTS"]) writeFileSync(page, expected);
    expect(readFileSync(page, "utf8"), "UPDATE_SNAPSHOTS=1 npx vitest run test/compiler/diagnostics-doc.test.ts regenerates it").toBe(expected);
  });
});
