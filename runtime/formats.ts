// Formats turn keys and values into the bytes a topic holds, and back.
// A null value is a tombstone and is never encoded: it stays null on the log.
import type { z } from "zod";
import { WeirRuntimeError } from "./errors.ts";

/** Thrown by `decode` when bytes are not a valid value of the format; the record goes to the dead-letter topic. */
export class FormatError extends WeirRuntimeError {
  override readonly name = "FormatError";
}

export interface Format<T> {
  /** `string` or `json`: recorded on topics so that tools can print their records. */
  readonly name: "string" | "json";
  encode(value: T): Buffer;
  decode(bytes: Buffer): T;
}

function stringFormat(): Format<string> {
  return {
    name: "string",
    encode: (value) => Buffer.from(value, "utf8"),
    decode: (bytes) => bytes.toString("utf8"),
  };
}

/** JSON, validated against a schema when one is given (a `json Order` format in the .weir file). */
function jsonFormat<T = unknown>(schema?: z.ZodType<T>): Format<T> {
  return {
    name: "json",
    encode: (value) => Buffer.from(JSON.stringify(value), "utf8"),
    decode: (bytes) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(bytes.toString("utf8"));
      } catch (error) {
        throw new FormatError(`is not valid JSON: ${(error as Error).message}`);
      }
      if (!schema) return parsed as T;
      const result = schema.safeParse(parsed);
      if (!result.success) {
        const problems = result.error.issues.map((issue) => {
          const path = issue.path.length > 0 ? issue.path.join(".") : "(value)";
          return `${path}: ${issue.message}`;
        });
        throw new FormatError(`does not match its schema: ${problems.join("; ")}`);
      }
      return result.data;
    },
  };
}

export const formats = {
  string: stringFormat,
  json: jsonFormat,
};
