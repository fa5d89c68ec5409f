// The dead-letter record for an input record that could not be decoded or
// processed: its key is the original key bytes, its value JSON that says why
// and where the record came from, with the original key and value as text.
import type { LogRecord } from "./log-client.ts";

export interface DeadLetter {
  readonly reason: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: string | null;
  readonly value: string | null;
  /** The node whose processing failed; absent when the record could not be decoded. */
  readonly node?: string;
  /** More about the reason (for "late": the window, the stream time and the grace). */
  readonly detail?: string;
}

export function deadLetterValue(raw: LogRecord, reason: string, node: string | undefined, detail?: string): Buffer {
  const letter: DeadLetter = {
    reason,
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    timestamp: raw.timestamp,
    key: raw.key === null ? null : raw.key.toString("utf8"),
    value: raw.value === null ? null : raw.value.toString("utf8"),
    ...(node === undefined ? {} : { node }),
    ...(detail === undefined ? {} : { detail }),
  };
  return Buffer.from(JSON.stringify(letter), "utf8");
}
