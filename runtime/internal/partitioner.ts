// Kafka's default partitioner for keyed records, bit for bit: murmur2 of the
// serialized key, made positive by masking the sign bit (not Math.abs), modulo
// the partition count. Keeping it identical means a key lands on the same
// partition whether the embedded engine, kafkajs or a Java client wrote it,
// which co-partitioning (joins, aggregates after a repartition) depends on.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** Kafka's `Utils.murmur2` (a signed 32-bit result, as in Java). */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    // Math.imul multiplies modulo 2^32 like Java's int arithmetic.
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  // The last one to three bytes (Java's switch falls through these cases).
  const tail = length & ~3;
  const rest = length % 4;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive`: clears the sign bit, so -1 maps to 2^31 - 1, not 1. */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Kafka's default partitioner picks for a non-null serialized key. */
export function partitionForKey(key: Uint8Array, partitions: number): number {
  return toPositive(murmur2(key)) % partitions;
}

/**
 * Picks partitions for records without a key: round-robin per topic. It starts
 * at a fixed place (not a random one, as kafkajs does) so that a run is
 * reproducible; only keyed records have a partition anyone may rely on.
 */
export class RoundRobinPartitioner {
  private readonly next = new Map<string, number>();

  partition(topic: string, partitions: number): number {
    const counter = this.next.get(topic) ?? 0;
    this.next.set(topic, counter + 1);
    return counter % partitions;
  }
}
