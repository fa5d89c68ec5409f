// Records as the tools write and read them, the same on both logs: what
// `weir produce` and `weir consume` take and print (EmbeddedLog.produce and
// consume, produceKafka and consumeKafka), and what weir/testing reads back.
// The bytes a record has on a log are internal/log-client.ts's business.

/**
 * A record to produce, as read from a JSONL line. A string key or value is
 * stored as its UTF-8 text, a Buffer as its bytes, anything else as its JSON
 * text; null or absent stays null (a null value is a tombstone).
 */
export interface ProduceRecord {
  readonly key?: unknown;
  readonly value: unknown;
  /** Epoch milliseconds; default now. */
  readonly timestamp?: number;
  /** Default: by key as Kafka's producer does (murmur2), round-robin without a key. */
  readonly partition?: number;
}

/** Where a produced record landed. */
export interface ProducedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** A record read back, its key and value decoded by the topic's recorded formats (json: parsed; a windowed key: `{ key, window: { start, end } }`; otherwise text). */
export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: unknown;
  readonly value: unknown;
  readonly timestamp: number;
  /** Present only when the record has headers (text values). */
  readonly headers?: Readonly<Record<string, string>>;
}
