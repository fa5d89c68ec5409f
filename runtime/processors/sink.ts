// A sink: encodes each record and hands it to the task's record collector,
// which writes it to its topic at the commit.
import { isWindowedFormat } from "../formats.ts";
import type { HeaderValues, SinkNode } from "../topology/nodes.ts";
import type { RecordHeaders } from "../internal/log-client.ts";
import { isTombstone, type Forward, type ProcessorBuilders, type ProcessorContext } from "./processor.ts";

export const sinkProcessors = {
  sink: (node, { context }) => sink(node, context),
} satisfies Partial<ProcessorBuilders>;

/**
 * A record whose sink picked a topic it cannot write to: one that does not
 * exist (reason "unknown-topic"), or one of the application's own topics,
 * whose records weir alone writes (reason "reserved-topic").
 */
export class PickedTopicError extends Error {
  override readonly name = "PickedTopicError";
  constructor(
    readonly reason: "unknown-topic" | "reserved-topic",
    readonly topic: string,
  ) {
    super(reason === "unknown-topic" ? `the topic "${topic}" does not exist` : `the topic "${topic}" is one of the application's own`);
  }
}

/**
 * Encodes and sends; the topic is fixed or picked per record, the headers
 * computed per record. A tombstone is written as one (a null value), without
 * headers: the value and headers are computed from a value it does not have.
 * A tombstone whose topic is computed from the value has no topic: this sink
 * leaves it (dead-lettered, reason "tombstone-topic"), the others write it.
 * A windowed key format writes the key with the record's window, and the record is
 * partitioned by the key's own bytes, so that all windows of a key share a partition
 * (Kafka Streams' WindowedStreamPartitioner).
 */
function sink(node: SinkNode, context: ProcessorContext): Forward {
  const reserved = node.topicOf ? context.reservedTopics() : new Set<string>();
  const windowedKey = isWindowedFormat(node.keyFormat) ? node.keyFormat : undefined;
  return (record) => {
    const tombstone = isTombstone(record);
    if (tombstone && node.topicOf && !node.topicOfTombstones) {
      context.leftBehind(node.name, "tombstone-topic", "the topic is computed from the value, and a tombstone (a null value) has none");
      return;
    }
    const topic = node.topicOf ? pickedTopic(node.topicOf(record)) : node.topic!;
    const headers = node.headers && !tombstone ? textHeaders(node.headers(record)) : undefined;
    const written = node.project && !tombstone ? node.project(record) : record.value;
    let key: Buffer | null = null;
    let partitionKey: Buffer | undefined;
    if (record.key !== null && record.key !== undefined && windowedKey) {
      if (!record.window) throw new TypeError("a windowed key needs the record's window: this record has none");
      key = windowedKey.encode({ key: record.key, window: record.window });
      partitionKey = windowedKey.inner.encode(record.key);
    } else if (record.key !== null && record.key !== undefined) {
      key = node.keyFormat.encode(record.key);
    }
    const value = written === null || written === undefined ? null : node.valueFormat.encode(written);
    if (node.topicOf && reserved.has(topic)) throw new PickedTopicError("reserved-topic", topic);
    if (node.topicOf && !context.collector.knows(topic)) throw new PickedTopicError("unknown-topic", topic);
    context.collector.send(topic, key, value, record.timestamp, headers, partitionKey);
  };
}

function pickedTopic(topic: unknown): string {
  if (typeof topic !== "string" || topic === "") throw new TypeError(`a topic name must be a non-empty string, not ${JSON.stringify(topic)}`);
  return topic;
}

/** Null and undefined values leave a header out; a record with no header left has none. */
function textHeaders(values: HeaderValues): RecordHeaders | undefined {
  const entries = Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== null && entry[1] !== undefined);
  for (const [name, text] of entries) if (typeof text !== "string") throw new TypeError(`the header ${name} must be a string, not ${JSON.stringify(text)}`);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

