import { Partitioners } from "kafkajs";
import { describe, expect, it } from "vitest";
import { murmur2, partitionForKey, RoundRobinPartitioner, toPositive } from "../../../runtime/internal/partitioner.ts";

const bytes = (text: string): Buffer => Buffer.from(text, "utf8");

describe("murmur2", () => {
  // From Kafka's own UtilsTest.testMurmur2 (the Java implementation).
  it.each([
    ["21", -973932308],
    ["foobar", -790332482],
    ["a-little-bit-long-string", -985981536],
    ["a-little-bit-longer-string", -1486304829],
    ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
    ["abc", 479470107],
  ])("hashes %j as Kafka's Java client does", (key, expected) => {
    expect(murmur2(bytes(key))).toBe(expected);
  });

  // Values produced by Java's Utils.murmur2, as checked by other Kafka-compatible clients.
  it.each([
    ["1", -1993445489],
    ["12", 126087238],
    ["123", -267702483],
    ["1234", -1614185708],
    ["12345", -1188365604],
  ])("hashes %j (every tail length) as Java does", (key, expected) => {
    expect(murmur2(bytes(key))).toBe(expected);
  });
});

describe("partitionForKey", () => {
  it("masks the sign bit rather than taking the absolute value", () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-973932308)).toBe(-973932308 & 0x7fffffff);
    expect(partitionForKey(bytes("21"), 7)).toBe((-973932308 & 0x7fffffff) % 7);
  });

  it("agrees with kafkajs' DefaultPartitioner (Java-compatible) on many keys and partition counts", () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    let checked = 0;
    for (const partitions of [1, 2, 3, 6, 7, 12, 50]) {
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
      for (let i = 0; i < 500; i++) {
        // i = 17 gives the empty key.
        const key = bytes(i % 3 === 0 ? `user-${i}` : i % 3 === 1 ? JSON.stringify({ id: i, name: "ä€" }) : "x".repeat(i % 17));
        const expected = kafkajs({ topic: "t", partitionMetadata, message: { key, value: null } });
        expect(partitionForKey(key, partitions)).toBe(expected);
        checked++;
      }
    }
    expect(checked).toBe(3500);
  });
});

describe("RoundRobinPartitioner", () => {
  it("cycles through partitions per topic, starting at 0", () => {
    const rr = new RoundRobinPartitioner();
    expect([0, 1, 2, 3].map(() => rr.partition("a", 3))).toEqual([0, 1, 2, 0]);
    expect(rr.partition("b", 3)).toBe(0);
  });
});
