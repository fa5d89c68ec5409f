// The choice a task with several inputs makes: which record next, and whether
// to wait for an input that has nothing buffered (Kafka Streams'
// PartitionGroup.readyToProcess with max.task.idle.ms).
import { describe, expect, it } from "vitest";
import type { LogRecord } from "../../../runtime/internal/log-client.ts";
import { PartitionGroup, RecordQueue } from "../../../runtime/internal/partition-group.ts";
import type { SourceRecord } from "../../../runtime/internal/processors.ts";

function queue(topic: string, order: number): RecordQueue {
  const prepare = (raw: LogRecord): SourceRecord => ({ kind: "record", raw, source: topic, record: { key: raw.key, value: raw.value, timestamp: raw.timestamp } });
  return new RecordQueue({ topic, partition: 0 }, order, prepare, 0);
}

/** Appends records at the given timestamps; `atEnd`: the fetch reached the partition's end. */
function fetched(target: RecordQueue, timestamps: readonly number[], atEnd: boolean): void {
  const first = target.fetchPosition;
  target.add(
    timestamps.map((timestamp, i) => ({ topic: target.partition.topic, partition: 0, offset: first + i, key: null, value: null, timestamp })),
    atEnd,
  );
}

function topicOf(record: SourceRecord | undefined): string | undefined {
  return record?.raw.topic;
}

describe("PartitionGroup", () => {
  it("takes the lowest timestamp across inputs, ties to the lower-ranked input", () => {
    const table = queue("table", 0);
    const stream = queue("stream", 1);
    // No wait at an end: the last table record goes after the stream ran out.
    const group = new PartitionGroup([table, stream], 0);
    fetched(table, [5, 20], true);
    fetched(stream, [5, 10], true);
    const order = Array.from({ length: 4 }, () => {
      const next = group.next(0);
      return `${topicOf(next)}@${next?.kind === "record" ? next.raw.timestamp : "?"}`;
    });
    expect(order).toEqual(["table@5", "stream@5", "stream@10", "table@20"]);
  });

  it("waits, without a bound, for an empty input that is not at its end", () => {
    const table = queue("table", 0);
    const stream = queue("stream", 1);
    const group = new PartitionGroup([table, stream], 100);
    fetched(stream, [10], true);
    fetched(table, [], false);
    expect(group.readiness(0)).toEqual({ ready: false });
    expect(group.next(1_000_000)).toBeUndefined();
    expect(group.enforcedProcessing).toBe(0);
  });

  it("waits maxTaskIdleMs for an empty input at its end, then goes ahead once and counts it", () => {
    const table = queue("table", 0);
    const stream = queue("stream", 1);
    const group = new PartitionGroup([table, stream], 100);
    fetched(stream, [10, 11], true);
    fetched(table, [], true);
    expect(group.next(1000)).toBeUndefined();
    expect(group.next(1099)).toBeUndefined();
    expect(group.readiness(1100)).toEqual({ ready: true, enforced: [table] });
    expect(topicOf(group.next(1100))).toBe("stream");
    // Still the same wait: no second count.
    expect(group.readiness(1101)).toEqual({ ready: true, enforced: [] });
    expect(topicOf(group.next(1101))).toBe("stream");
    expect(group.enforcedProcessing).toBe(1);
  });

  it("a record that arrives during the wait is taken in timestamp order, and the next wait starts afresh", () => {
    const table = queue("table", 0);
    const stream = queue("stream", 1);
    const group = new PartitionGroup([table, stream], 100);
    fetched(stream, [10, 30], true);
    fetched(table, [], true);
    expect(group.next(0)).toBeUndefined();
    fetched(table, [5], true);
    expect(topicOf(group.next(50))).toBe("table");
    // The table is empty at its end again: a new wait of 100 ms from when it holds the task up (120), not the first one's end (100).
    expect(group.next(120)).toBeUndefined();
    expect(group.next(219)).toBeUndefined();
    expect(topicOf(group.next(220))).toBe("stream");
    expect(group.enforcedProcessing).toBe(1);
  });

  it("a fetch that says nothing of the empty input (left out of the response: not at its end, no records) holds the task but does not restart the wait", () => {
    const table = queue("table", 0);
    const stream = queue("stream", 1);
    const group = new PartitionGroup([table, stream], 100);
    fetched(stream, [10], true);
    fetched(table, [], true);
    expect(group.next(0)).toBeUndefined();
    fetched(table, [], false);
    expect(group.next(150)).toBeUndefined();
    fetched(table, [], true);
    expect(topicOf(group.next(150))).toBe("stream");
    expect(group.enforcedProcessing).toBe(1);
  });

  it("does not wait for an input that is finished, nor with maxTaskIdleMs 0, nor when nothing is buffered", () => {
    const table = queue("table", 0);
    const stream = queue("stream", 1);
    fetched(stream, [10], true);
    fetched(table, [], true);
    table.markFinished();
    expect(new PartitionGroup([table, stream], 100).readiness(0)).toEqual({ ready: true, enforced: [] });
    table.reset();
    fetched(table, [], true);
    expect(new PartitionGroup([table, stream], 0).readiness(0)).toEqual({ ready: true, enforced: [] });

    const idle = new PartitionGroup([queue("a", 0), queue("b", 1)], 100);
    for (const q of idle.queues) fetched(q, [], true);
    expect(idle.readiness(0)).toEqual({ ready: false });
  });

  it("a task with one input never waits", () => {
    const only = queue("stream", 0);
    const group = new PartitionGroup([only], 100);
    fetched(only, [1], true);
    expect(topicOf(group.next(0))).toBe("stream");
  });
});
