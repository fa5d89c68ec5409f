// The dead-letter lines of a run's log: why records were set aside, without
// flooding the log when many are.
import { describe, expect, it } from "vitest";
import { DeadLetterLog, deadLetterValue } from "../../../runtime/internal/dead-letters.ts";
import type { ProducerRecord } from "../../../runtime/internal/log-client.ts";

function letter(offset: number, reason: string, node?: string): ProducerRecord {
  const raw = { topic: "orders", partition: 1, offset, key: Buffer.from(`o${offset}`), value: Buffer.from("{}"), timestamp: 5, headers: undefined };
  return { topic: "shop-dlq", partition: 0, key: raw.key, value: deadLetterValue(raw as never, reason, node), timestamp: 5 };
}

const output: ProducerRecord = { topic: "scored", partition: 0, key: null, value: Buffer.from("{}"), timestamp: 5 };

describe("DeadLetterLog", () => {
  it("logs the first dead letter at once, then at most one every 10 seconds with how many were not shown", () => {
    const lines: string[] = [];
    let now = 1_000;
    const log = new DeadLetterLog("shop-dlq", (line) => lines.push(line), () => now);
    log.committed([output, letter(3, "processing failed: RangeError: negative amount -5 (at shop.weir:11:24)", "scored-1-select")]);
    expect(lines).toEqual(["dead letter to shop-dlq: processing failed: RangeError: negative amount -5 (at shop.weir:11:24); record orders-1 offset 3, node scored-1-select"]);
    now += 5_000;
    log.committed([letter(4, "value is not valid JSON"), letter(5, "value is not valid JSON")]);
    expect(lines).toHaveLength(1);
    now += 5_000;
    log.committed([letter(6, "value is not valid JSON")]);
    expect(lines.at(-1)).toBe("dead letter to shop-dlq: value is not valid JSON; record orders-1 offset 6 (2 more since the last one shown)");
  });

  it("ignores the commit's other records", () => {
    const lines: string[] = [];
    new DeadLetterLog("shop-dlq", (line) => lines.push(line)).committed([output, output]);
    expect(lines).toEqual([]);
  });
});
