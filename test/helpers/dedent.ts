// A tagged template for inline DSL in tests:
//
//   const source = dedent`
//     stream words = lines
//       | where length(value) > 0
//   `;
//
// drops the first line when it is empty and the last line when it is only white space, then
// removes the indentation common to all non-blank lines. Interpolated values are inserted as
// they are (after the indentation is measured, so a multi-line value is not re-indented).

export function dedent(strings: TemplateStringsArray | string, ...values: unknown[]): string {
  const raw = typeof strings === "string" ? [strings] : strings;
  // Placeholders keep interpolations out of the indentation measurement.
  const placeholder = (i: number) => `\u0000${i}\u0000`;
  let text = raw.reduce((all, part, i) => all + part + (i < values.length ? placeholder(i) : ""), "");

  const lines = text.split("\n");
  if (lines.length > 1 && lines[0]!.trim() === "") lines.shift();
  if (lines.length > 1 && lines[lines.length - 1]!.trim() === "") lines.pop();

  const indents = lines.filter((line) => line.trim() !== "").map((line) => /^[ \t]*/.exec(line)![0].length);
  const common = indents.length === 0 ? 0 : Math.min(...indents);
  text = lines.map((line) => line.slice(Math.min(common, /^[ \t]*/.exec(line)![0].length))).join("\n");

  return text.replace(/\u0000(\d+)\u0000/g, (_, i: string) => String(values[Number(i)]));
}
