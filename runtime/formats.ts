// Formats turn keys and values into the bytes a topic holds, and back.
// A null value is a tombstone and is never encoded: it stays null on the log.
import type { z } from "zod";
import { WeirRuntimeError } from "./errors.ts";

/** Thrown by `decode` when bytes are not a valid value of the format; the record goes to the dead-letter topic. */
export class FormatError extends WeirRuntimeError {
  override readonly name = "FormatError";
}

/** What a topic records about its keys or values, so that tools can print its records. */
export type FormatName = "string" | "json" | `${WindowKind}-windowed ${"string" | "json"}`;

export interface Format<T> {
  /** Recorded on topics so that tools can print their records. */
  readonly name: FormatName;
  encode(value: T): Buffer;
  decode(bytes: Buffer): T;
}

/** Time windows (tumbling, hopping, sliding), known by their start; sessions, by their start and end. */
export type WindowKind = "time" | "session";

/** A key and the window of its row: what `key windowed` writes. The bytes of a time window's key hold no end. */
export interface WindowedKey<K> {
  readonly key: K;
  readonly window: { readonly start: number; readonly end?: number };
}

/**
 * Kafka Streams' windowed key formats, around the key's own format. A time
 * window's key is the key's bytes, then the window's start as an 8-byte
 * big-endian integer (TimeWindowedSerializer: WindowKeySchema.toBinary); a
 * session's is the key's bytes, then its end and its start, 8 bytes each
 * (SessionWindowedSerializer: SessionKeySchema.toBinary).
 */
export interface WindowedFormat<K> extends Format<WindowedKey<K>> {
  readonly windows: WindowKind;
  /** The key's own format: its bytes are what a windowed key is partitioned by (Kafka Streams' WindowedStreamPartitioner). */
  readonly inner: Format<K>;
}

export function isWindowedFormat(format: Format<unknown>): format is WindowedFormat<unknown> {
  return "windows" in format && "inner" in format;
}

function windowedFormat<K>(windows: WindowKind, inner: Format<K>): WindowedFormat<K> {
  if (isWindowedFormat(inner as Format<unknown>)) throw new TypeError("a windowed key format wraps the key's own format, not another windowed one");
  const suffix = windows === "time" ? 8 : 16;
  const long = (ms: number): bigint => {
    if (!Number.isSafeInteger(ms)) throw new TypeError(`a window bound must be whole milliseconds, not ${ms}`);
    return BigInt(ms);
  };
  return {
    name: `${windows}-windowed ${inner.name as "string" | "json"}`,
    windows,
    inner,
    encode: ({ key, window }) => {
      const keyBytes = inner.encode(key);
      const bytes = Buffer.alloc(keyBytes.length + suffix);
      keyBytes.copy(bytes);
      if (windows === "time") {
        bytes.writeBigInt64BE(long(window.start), keyBytes.length);
      } else {
        if (window.end === undefined) throw new TypeError("a session's windowed key needs the session's end");
        bytes.writeBigInt64BE(long(window.end), keyBytes.length);
        bytes.writeBigInt64BE(long(window.start), keyBytes.length + 8);
      }
      return bytes;
    },
    decode: (bytes) => {
      if (bytes.length < suffix) throw new FormatError(`is not a ${windows}-windowed key: ${bytes.length} bytes, fewer than the ${suffix} of its window`);
      const keyLength = bytes.length - suffix;
      const key = inner.decode(bytes.subarray(0, keyLength));
      if (windows === "time") return { key, window: { start: Number(bytes.readBigInt64BE(keyLength)) } };
      return { key, window: { start: Number(bytes.readBigInt64BE(keyLength + 8)), end: Number(bytes.readBigInt64BE(keyLength)) } };
    },
  };
}

/** The format a recorded name stands for (`time-windowed string`, ...), for tools that print records. */
export function formatNamed(name: string): Format<unknown> | undefined {
  if (name === "string") return stringFormat();
  if (name === "json") return jsonFormat();
  const windowed = /^(time|session)-windowed (string|json)$/.exec(name);
  return windowed ? windowedFormat(windowed[1] as WindowKind, formatNamed(windowed[2]!)!) : undefined;
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
  /** A time window's key (tumbling, hopping, sliding): the key, then the window's start. */
  timeWindowed: <K>(inner: Format<K>): WindowedFormat<K> => windowedFormat("time", inner),
  /** A session's key: the key, then the session's end and start. */
  sessionWindowed: <K>(inner: Format<K>): WindowedFormat<K> => windowedFormat("session", inner),
};
