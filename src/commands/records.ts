// Records as the commands read and print them: JSON lines in, JSON lines out,
// and the embedded log of a data folder.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { openEmbeddedLog, type EmbeddedLog, type ProduceRecord } from "../../runtime/index.ts";
import { UsageError, type Output } from "./shared.ts";

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Parses JSONL records; a bad line is reported with its line number and nothing is produced. */
export function parseRecordLines(text: string, origin: string): ProduceRecord[] {
  const records: ProduceRecord[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw new UsageError(`${origin}:${index + 1}: not valid JSON (${(error as Error).message})`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed) || !("value" in parsed)) {
      throw new UsageError(`${origin}:${index + 1}: expected an object such as {"key": "k", "value": ..., "timestamp": 1700000000000}`);
    }
    const record = parsed as { key?: unknown; value: unknown; timestamp?: unknown };
    if (record.timestamp !== undefined && (typeof record.timestamp !== "number" || !Number.isFinite(record.timestamp))) {
      throw new UsageError(`${origin}:${index + 1}: "timestamp" must be a number of epoch milliseconds`);
    }
    records.push({ key: record.key, value: record.value, ...(record.timestamp !== undefined ? { timestamp: record.timestamp as number } : {}) });
  });
  return records;
}

/** The embedded log of a data folder, created if needed. */
export function openLog(data: string): EmbeddedLog {
  mkdirSync(resolve(data), { recursive: true });
  return openEmbeddedLog(join(resolve(data), "weir.db"));
}

/**
 * Appends to the embedded log. A new topic gets `partitions` (default 1); an
 * existing one keeps its own, and asking for another count is an error.
 */
export function produceRecords(log: EmbeddedLog, topic: string, records: readonly ProduceRecord[], partitions: number | undefined): number {
  const existing = log.topics().find((t) => t.name === topic);
  if (!existing || partitions !== undefined) log.createTopic(topic, partitions ?? 1);
  log.produce(topic, records);
  return records.length;
}

export function printRecords(log: EmbeddedLog, topic: string, io: Output): void {
  for (const record of log.consume(topic)) io.out(`${JSON.stringify(record)}\n`);
}
