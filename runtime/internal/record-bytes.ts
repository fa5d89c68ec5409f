// Keys and values as tools write and print them: one rule for the embedded log
// and for Kafka, so that the same JSONL lands on the same partitions in both.

/** A string as its UTF-8 text, a Buffer as its bytes, anything else as its JSON text; null or undefined stays null. */
export function toRecordBytes(value: unknown): Buffer | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === "string") return Buffer.from(value, "utf8");
  return Buffer.from(JSON.stringify(value), "utf8");
}

/**
 * How a tool prints bytes it has no declared format for: `json` parses (text
 * that does not parse stays text), `string` keeps the text, `auto` parses when
 * the text is JSON (so `42` and `"x"` print as JSON, `hello` as a string).
 */
export type PrintFormat = "auto" | "json" | "string";

export function decodeForPrint(bytes: Buffer | null, format: PrintFormat): unknown {
  if (bytes === null) return null;
  const text = bytes.toString("utf8");
  if (format === "string") return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
