// The dead-letter record for an input record that could not be decoded or
// processed: its key is the original key bytes, its value JSON that says why
// and where the record came from, with the original key and value as text.
import type { LogRecord, ProducerRecord } from "./log-client.ts";

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

/** At most one dead-letter line per this many milliseconds: a topic full of bad records must not flood the log. */
const deadLetterLogIntervalMs = 10_000;

/**
 * Says in the run's log why records were set aside, as their dead letters are
 * committed (the reason of a failed expression names its place in the .weir
 * file): the first at once, then at most one a `deadLetterLogIntervalMs`,
 * with how many were not shown since the last line.
 */
export class DeadLetterLog {
  private lastLine = Number.NEGATIVE_INFINITY;
  private notShown = 0;

  constructor(
    private readonly deadLetterTopic: string,
    private readonly logger: (message: string) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The records of a commit: its dead letters among them. */
  committed(records: readonly ProducerRecord[]): void {
    for (const record of records) {
      if (record.topic !== this.deadLetterTopic || record.value === null) continue;
      const now = this.now();
      if (now - this.lastLine < deadLetterLogIntervalMs) {
        this.notShown++;
        continue;
      }
      const letter = JSON.parse(record.value.toString("utf8")) as DeadLetter;
      const more = this.notShown > 0 ? ` (${this.notShown} more since the last one shown)` : "";
      const node = letter.node === undefined ? "" : `, node ${letter.node}`;
      this.logger(`dead letter to ${this.deadLetterTopic}: ${letter.reason}${letter.detail ? ` (${letter.detail})` : ""}; record ${letter.topic}-${letter.partition} offset ${letter.offset}${node}${more}`);
      this.lastLine = now;
      this.notShown = 0;
    }
  }
}
