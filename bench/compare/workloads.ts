// The three topologies the benchmark runs on both systems (examples/*.weir and
// bench/kafka-streams), their generated inputs, and the final results each
// must reach: a run counts only once its read_committed output holds exactly
// these (a fast wrong run must not count).
import { partitionForKey } from "../../runtime/internal/partitioner.ts";

export type WorkloadName = "wordcount" | "revenue" | "enrich";
export const workloadNames: readonly WorkloadName[] = ["wordcount", "revenue", "enrich"];

/** Every topic of the benchmark has this many partitions (the baseline). */
export const PARTITIONS = 4;

export interface InputRecord {
  readonly topic: string;
  readonly key: string;
  readonly value: string;
  readonly timestamp: number;
  /** Set where the partition must not follow the key (see revenue). */
  readonly partition?: number;
}

/** The final result a run must reach, by result key, as canonical text. */
export interface Model {
  add(record: InputRecord): void;
  readonly expected: ReadonlyMap<string, string>;
}

export interface Workload {
  readonly name: WorkloadName;
  /** The .weir file, relative to the repository root. */
  readonly weirFile: string;
  /** Logical topic names (as in the .weir file): inputs first, then the output. */
  readonly inputTopics: readonly string[];
  readonly outputTopic: string;
  /** What "records" counts in records/s. */
  readonly unit: string;
  /** Records written before the run that are not part of the measured stream (enrich's customers). */
  tables(): InputRecord[];
  /** The `index`-th record of the measured stream, stamped `timestamp`. */
  record(index: number, timestamp: number): InputRecord;
  /** Throughput runs: the timestamp of the `index`-th of `count` preloaded records. */
  preloadTimestamp(index: number, count: number): number;
  model(): Model;
  /** An output record as [result key, canonical value]. */
  canonical(key: string, value: string): [string, string];
}

/** A fixed start for preloaded inputs: 2023-11-14T22:13:00Z, on a minute. */
const BASE_TIME = 1_699_999_980_000;

/** mulberry32, seeded by the record index: the same input on every run and in both systems. */
function randomFor(index: number, salt: number): () => number {
  let state = (Math.imul(index + 1, 0x9e3779b1) ^ salt) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Words of letters only (wordcount extracts runs of a-z): 0 → "wa", 27 → "wbb". */
function wordFor(n: number): string {
  let word = "";
  do {
    word = String.fromCharCode(97 + (n % 26)) + word;
    n = Math.floor(n / 26);
  } while (n > 0);
  return `w${word}`;
}

const VOCABULARY = 500;
const WORD_RE = /[a-z]+/g;

export const wordcount: Workload = {
  name: "wordcount",
  weirFile: "examples/wordcount.weir",
  inputTopics: ["text-lines"],
  outputTopic: "word-counts",
  unit: "lines",
  tables: () => [],
  record(index, timestamp) {
    const random = randomFor(index, 1);
    const words: string[] = [];
    const length = 3 + Math.floor(random() * 10);
    // Skewed towards low indexes, as natural text is; some capitals and
    // punctuation so that lowercasing and extraction do work.
    for (let w = 0; w < length; w++) words.push(wordFor(Math.floor(random() * random() * VOCABULARY)));
    if (index % 5 === 0) words[0] = words[0]!.toUpperCase();
    return { topic: "text-lines", key: `line-${index}`, value: words.join(index % 7 === 0 ? ", " : " ") + ".", timestamp };
  },
  preloadTimestamp: (index) => BASE_TIME + index,
  model() {
    const counts = new Map<string, string>();
    return {
      expected: counts,
      add(record) {
        for (const word of record.value.toLowerCase().match(WORD_RE) ?? []) counts.set(word, String(Number(counts.get(word) ?? 0) + 1));
      },
    };
  },
  canonical: (key, value) => [key, String(JSON.parse(value))],
};

const CUSTOMERS = 200;
/** Preloaded orders span this many 1-minute windows. */
const PRELOAD_WINDOWS = 20;

function order(index: number, timestamp: number, customers: number): { id: string; customerId: string; amount: number; ts: number } {
  const random = randomFor(index, 2);
  return {
    id: `o-${index}`,
    customerId: `c-${Math.floor(random() * customers)}`,
    amount: Math.round(1 + random() * 9999) / 100,
    ts: timestamp,
  };
}

const textEncoder = new TextEncoder();

export const revenue: Workload = {
  name: "revenue",
  weirFile: "examples/revenue.weir",
  inputTopics: ["orders"],
  outputTopic: "revenue-per-minute",
  unit: "orders",
  tables: () => [],
  record(index, timestamp) {
    const value = order(index, timestamp, CUSTOMERS);
    // Keyed by order id as in the example, but written to the partition the
    // customer id hashes to: the repartition by customer then keeps each
    // partition's order, timestamps never go back within a task, and no order
    // is late (grace 0) — so the final windows do not depend on scheduling.
    const partition = partitionForKey(textEncoder.encode(value.customerId), PARTITIONS);
    return { topic: "orders", key: value.id, value: JSON.stringify(value), timestamp, partition };
  },
  preloadTimestamp: (index, count) => BASE_TIME + Math.floor((index * PRELOAD_WINDOWS * 60_000) / count),
  model() {
    const windows = new Map<string, { total: number; count: number }>();
    const expected = new Map<string, string>();
    return {
      expected,
      add(record) {
        const value = JSON.parse(record.value) as { customerId: string; amount: number; ts: number };
        const start = value.ts - (value.ts % 60_000);
        const key = `${value.customerId}@${start}`;
        const window = windows.get(key) ?? { total: 0, count: 0 };
        window.total += value.amount;
        window.count += 1;
        windows.set(key, window);
        expected.set(key, `${Math.round(window.total * 100)}|${window.count}`);
      },
    };
  },
  canonical(key, value) {
    const v = JSON.parse(value) as { customerId: string; windowStart: number; windowEnd: number; total: number; count: number };
    if (v.customerId !== key || v.windowEnd - v.windowStart !== 60_000) return [`${key}@${v.windowStart}`, `bad window ${value}`];
    return [`${key}@${v.windowStart}`, `${Math.round(v.total * 100)}|${v.count}`];
  },
};

const ENRICH_CUSTOMERS = 1000;
const TIERS = ["gold", "silver", "bronze"];

function customer(k: number): { id: string; name: string; tier: string } {
  return { id: `c-${k}`, name: `Customer ${k}`, tier: TIERS[k % TIERS.length]! };
}

export const enrich: Workload = {
  name: "enrich",
  weirFile: "examples/enrich.weir",
  inputTopics: ["customers", "orders"],
  outputTopic: "orders-enriched",
  unit: "orders",
  // Written before any order, and stamped a minute before the earliest one,
  // so that every order meets its customer whatever the scheduling.
  tables: () =>
    Array.from({ length: ENRICH_CUSTOMERS }, (_, k) => ({
      topic: "customers",
      key: `c-${k}`,
      value: JSON.stringify(customer(k)),
      timestamp: BASE_TIME - 60_000,
    })),
  record(index, timestamp) {
    // One order in eleven names a customer that does not exist: dropped by the inner join.
    const value = order(index, timestamp, Math.round(ENRICH_CUSTOMERS * 1.1));
    return { topic: "orders", key: value.id, value: JSON.stringify(value), timestamp };
  },
  preloadTimestamp: (index) => BASE_TIME + index,
  model() {
    const expected = new Map<string, string>();
    return {
      expected,
      add(record) {
        if (record.topic !== "orders") return;
        const value = JSON.parse(record.value) as { id: string; customerId: string; amount: number };
        const k = Number(value.customerId.slice(2));
        if (k >= ENRICH_CUSTOMERS) return;
        const c = customer(k);
        expected.set(value.id, canonicalEnriched({ orderId: value.id, customerId: value.customerId, amount: value.amount, name: c.name, tier: c.tier }));
      },
    };
  },
  canonical(key, value) {
    const v = JSON.parse(value) as { orderId: string; customerId: string; amount: number; name: string; tier: string };
    if (v.customerId !== key) return [v.orderId, `bad key ${key} for ${value}`];
    return [v.orderId, canonicalEnriched(v)];
  },
};

function canonicalEnriched(v: { orderId: string; customerId: string; amount: number; name: string; tier: string }): string {
  return JSON.stringify([v.orderId, v.customerId, Math.round(v.amount * 100), v.name, v.tier]);
}

export const workloads: Record<WorkloadName, Workload> = { wordcount, revenue, enrich };
