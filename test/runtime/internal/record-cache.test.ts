// Record caches (runtime/internal/record-cache.ts): consecutive updates of a
// key collapse until the task's commit or an eviction; a re-grouped table
// still subtracts the right old rows; windowed emit changes collapses and
// emit final does not change; a failure downstream of a flush dead-letters
// the flushed change. Embedded engine, in-memory log; a long commit interval,
// so that a run commits only when it has nothing left to process (one commit
// per sub-topology for these inputs).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTopology } from "../../../src/compiled-module.ts";
import { openEmbeddedLog, runEmbedded, type ConsumedRecord, type EmbeddedLog } from "../../../runtime/embedded.ts";
import type { RunOptions } from "../../../runtime/engine.ts";
import { formats } from "../../../runtime/formats.ts";
import { ENTRY_OVERHEAD_BYTES, NamedCache, RecordCacheBudget } from "../../../runtime/internal/record-cache.ts";
import { InMemoryKeyValueStore } from "../../../runtime/internal/state-store.ts";
import { defineTopology } from "../../../runtime/topology/dsl.ts";
import type { Topology } from "../../../runtime/topology/graph.ts";
import { countWords, generateLines, wordcountTopology } from "../fixtures/wordcount.ts";
import { dedent } from "../../helpers/dedent.ts";

async function compileWeir(source: string): Promise<Topology> {
  const loaded = await loadTopology(join(import.meta.dirname, "record-cache.weir"), source);
  if (!loaded.topology) throw new Error(loaded.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return loaded.topology;
}

/** Runs on a fresh log holding `inputs`; returns the log (closed by the caller). */
async function runOver(topology: Topology, inputs: Record<string, { key?: unknown; value: unknown; timestamp: number }[]>, options: RunOptions = {}): Promise<EmbeddedLog> {
  const log = openEmbeddedLog(":memory:");
  for (const [topic, records] of Object.entries(inputs)) {
    log.createTopic(topic, 1);
    log.produce(topic, records.map((r) => ({ key: r.key === undefined ? null : typeof r.key === "string" ? r.key : JSON.stringify(r.key), value: r.value === null ? null : typeof r.value === "string" ? r.value : JSON.stringify(r.value), timestamp: r.timestamp })));
  }
  await runEmbedded(topology, { log, commitIntervalMs: 60_000, ...options });
  return log;
}

const rows = (records: readonly ConsumedRecord[]) => records.map((r) => [r.key, r.value, r.timestamp]);

/** Each key's last value. */
const lastByKey = (records: readonly ConsumedRecord[]) => new Map(records.map((r) => [JSON.stringify(r.key), r.value]));

describe("a record cache", () => {
  it("collapses a key's updates until the commit: its latest value, with its latest update's timestamp, keys in the order of their latest update", async () => {
    const lines = [
      { value: "a b", timestamp: 1 },
      { value: "b c", timestamp: 2 },
      { value: "a", timestamp: 3 },
    ];
    const cached = await runOver(wordcountTopology(), { "text-lines": lines });
    expect(rows(cached.consume("word-counts"))).toEqual([
      ["b", 2, 2],
      ["c", 1, 2],
      ["a", 2, 3],
    ]);
    // The changelog gets what went downstream, in the same commit.
    expect(cached.consume("wordcount-counts-changelog").map((r) => [r.key, r.value])).toEqual([
      ["b", 2],
      ["c", 1],
      ["a", 2],
    ]);
    // Another commit: the cache starts again from the committed values.
    cached.produce("text-lines", [{ key: null, value: "c a c", timestamp: 4 }]);
    await runEmbedded(wordcountTopology(), { log: cached, commitIntervalMs: 60_000 });
    expect(rows(cached.consume("word-counts")).slice(3)).toEqual([
      ["a", 3, 4],
      ["c", 3, 4],
    ]);
    cached.close();

    // 0 bytes: every update, as it happens.
    const uncached = await runOver(wordcountTopology(), { "text-lines": lines }, { cacheMaxBytes: 0 });
    expect(rows(uncached.consume("word-counts"))).toEqual([
      ["a", 1, 1],
      ["b", 1, 1],
      ["b", 2, 2],
      ["c", 1, 2],
      ["a", 2, 3],
    ]);
    uncached.close();
  });

  it("evicts when the run's caches are over budget: results stay exact, with more updates the smaller the budget", async () => {
    const lines = generateLines(300, 60).map((value, i) => ({ value, timestamp: i }));
    const expected = countWords(lines.map((l) => l.value));
    const outputs = new Map<number, number>();
    for (const cacheMaxBytes of [0, 1, 2_000, 10_485_760]) {
      const log = await runOver(wordcountTopology(), { "text-lines": lines }, { cacheMaxBytes });
      const output = log.consume("word-counts");
      const counts = new Map<string, number[]>();
      for (const r of output) counts.set(r.key as string, [...(counts.get(r.key as string) ?? []), r.value as number]);
      for (const [word, seen] of counts) expect(seen, `${word} with ${cacheMaxBytes} bytes`).toEqual([...new Set(seen)].sort((a, b) => a - b));
      expect(new Map([...counts].map(([word, seen]) => [word, seen.at(-1)])), `${cacheMaxBytes} bytes`).toEqual(expected);
      // The changelog ends where the output does.
      expect(lastByKey(log.consume("wordcount-counts-changelog"))).toEqual(lastByKey(output));
      outputs.set(cacheMaxBytes, output.length);
      log.close();
    }
    const words = [...expected.values()].reduce((a, b) => a + b, 0);
    expect(outputs.get(0)).toBe(words);
    // 1 byte: a cache is flushed after each record put into it; the counting task's records are words, one update each.
    expect(outputs.get(1)).toBe(words);
    expect(outputs.get(2_000)).toBeLessThan(outputs.get(1)!);
    // Everything fits: one update per word, at the commit.
    expect(outputs.get(2_000)).toBeGreaterThan(expected.size);
    expect(outputs.get(10_485_760)).toBe(expected.size);
  });

  const tiers = dedent`
    application tiers
    schema Customer { name: string, tier: string, credit: number }
    table customers from topic "customers" key string value json Customer
    table perTier = customers
      | group by tier
      | aggregate { total: sum(credit), customers: count() }
    sink perTier to topic "per-tier"
  `;

  it("forwards a re-grouped table's change with its row's value before the first update since the last flush: the groups' totals stay exact", async () => {
    const customer = (tier: string, credit: number) => ({ name: "x", tier, credit });
    const changes = [
      { key: "a", value: customer("gold", 10), timestamp: 1 },
      { key: "b", value: customer("gold", 30), timestamp: 2 },
      { key: "c", value: customer("silver", 5), timestamp: 3 },
      // Ann goes gold → silver → bronze in one commit: gold loses her once, silver never sees her.
      { key: "a", value: customer("silver", 20), timestamp: 4 },
      { key: "a", value: customer("bronze", 25), timestamp: 5 },
      { key: "b", value: customer("gold", 50), timestamp: 6 },
      // Cy is deleted, Dan added and deleted: a delete of a row downstream never saw is no change.
      { key: "c", value: null, timestamp: 7 },
      { key: "d", value: customer("silver", 1), timestamp: 8 },
      { key: "d", value: null, timestamp: 9 },
    ];
    const topology = await compileWeir(tiers);
    const final = new Map([
      ['"gold"', { total: 50, customers: 1 }],
      ['"silver"', { total: 0, customers: 0 }],
      ['"bronze"', { total: 25, customers: 1 }],
    ]);
    /** Each tier's last total; a tier no change reached downstream is empty. */
    const totals = (records: readonly ConsumedRecord[]) => new Map([...final.keys()].map((tier) => [tier, lastByKey(records).get(tier) ?? { total: 0, customers: 0 }]));
    const uncached = await runOver(topology, { customers: changes }, { cacheMaxBytes: 0 });
    expect(lastByKey(uncached.consume("per-tier"))).toEqual(final);
    uncached.close();

    // One commit per sub-topology: Ann is added to bronze only; Cy and Dan, never flushed, are no change: silver is never updated.
    const cached = await runOver(topology, { customers: changes });
    expect(cached.consume("per-tier").map((r) => [r.key, r.value])).toEqual([
      ["bronze", { total: 25, customers: 1 }],
      ["gold", { total: 50, customers: 1 }],
    ]);
    cached.close();

    // A commit every 2 records, and a stop every 3 commits: the old rows then come from caches, flushes and restored stores.
    const log = await runOver(topology, { customers: [] });
    log.produce("customers", changes.map((c) => ({ key: c.key, value: c.value === null ? null : JSON.stringify(c.value), timestamp: c.timestamp })));
    for (let runs = 0; runs < 100; runs++) {
      const stop = new AbortController();
      let commits = 0;
      const summary = await runEmbedded(topology, { log, maxRecordsPerCommit: 2, signal: stop.signal, onCommit: () => ++commits === 3 && stop.abort() });
      if (summary.stoppedBy === "drained") break;
    }
    expect(totals(log.consume("per-tier"))).toEqual(final);
    log.close();
  });

  const revenue = (emit: string) => dedent`
    application revenue
    schema Order { customer: string, amount: number, ts: timestamp }
    stream orders from topic "orders" key string value json Order event time ts
    table revenue = orders
      | group by customer
      | window tumbling 1 minute grace 0 s ${emit}
      | aggregate { total: sum(amount), n: count() }
    sink revenue to topic "revenue"
      value { customer: key, start: window.start, total, n }
  `;
  const order = (customer: string, amount: number, ts: number) => ({ key: customer, value: { customer, amount, ts }, timestamp: ts });
  const orders = [order("ann", 1, 0), order("bob", 2, 5_000), order("ann", 3, 10_000), order("bob", 5, 20_000), order("ann", 4, 61_000), order("ann", 6, 130_000), order("ann", 7, 125_000)];

  it("collapses a windowed aggregation's changes per window (emit changes)", async () => {
    const cached = await runOver(await compileWeir(revenue("emit changes")), { orders });
    expect(cached.consume("revenue").map((r) => r.value)).toEqual([
      { customer: "ann", start: 0, total: 4, n: 2 },
      { customer: "bob", start: 0, total: 7, n: 2 },
      { customer: "ann", start: 60_000, total: 4, n: 1 },
      { customer: "ann", start: 120_000, total: 13, n: 2 },
    ]);
    cached.close();
  });

  it("changes nothing of emit final: one result per window, as without caches", async () => {
    const topology = await compileWeir(revenue("emit final"));
    const uncached = await runOver(topology, { orders }, { cacheMaxBytes: 0 });
    const cached = await runOver(topology, { orders });
    const expected = rows(uncached.consume("revenue"));
    expect(expected.length).toBe(3);
    expect(rows(cached.consume("revenue"))).toEqual(expected);
    uncached.close();
    cached.close();
  });

  it("forwards no tombstone for a session merged away before it was flushed, and one for a session flushed before", async () => {
    const sessions = dedent`
      application sessions
      schema Click { user: string, ts: timestamp }
      stream clicks from topic "clicks" key string value json Click event time ts
      table visits = clicks
        | group by user
        | window session 10 minutes grace 1 hour
        | aggregate { clicks: count() }
      sink visits to topic "visits"
    `;
    const click = (ts: number) => ({ key: "u", value: { user: "u", ts }, timestamp: ts });
    const minute = 60_000;
    const log = await runOver(await compileWeir(sessions), { clicks: [click(0), click(20 * minute), click(10 * minute)] });
    // Sessions [0, 0] and [20, 20] merged into [0, 20] before the commit: only the merged one.
    const windowed = (records: readonly ConsumedRecord[]) => records.map((r) => [r.value, r.timestamp]);
    expect(windowed(log.consume("visits"))).toEqual([[{ clicks: 3 }, 20 * minute]]);
    log.produce("clicks", [{ key: "u", value: JSON.stringify({ user: "u", ts: 25 * minute }), timestamp: 25 * minute }]);
    await runEmbedded(await compileWeir(sessions), { log, commitIntervalMs: 60_000 });
    // [0, 20] was flushed: extending it withdraws it.
    expect(windowed(log.consume("visits")).slice(1)).toEqual([
      [null, 20 * minute],
      [{ clicks: 4 }, 25 * minute],
    ]);
    log.close();
  });

  it("dead-letters a flushed change that fails downstream, as a record of the store's changelog, and goes on", async () => {
    const topology = defineTopology("atomic", (builder) => {
      builder
        .stream("in", { topic: "in", key: formats.string(), value: formats.string() })
        .flatMapValues("split", (r) => r.value.split(" "))
        .selectKey("by-word", (r) => r.value)
        .aggregate("count", { store: "counts", initializer: () => 0, adder: (n: number) => n + 1 })
        .toStream()
        .mapValues("check", (r) => {
          if (r.key === "boom") throw new Error("boom");
          return r.value;
        })
        .to("out", { topic: "out", key: formats.string(), value: formats.json() });
    });
    const log = await runOver(topology, { in: [{ value: "x y", timestamp: 1 }, { value: "x boom y", timestamp: 2 }] });
    // The record that counted boom succeeded: the failure comes at the flush, and takes only boom's change.
    expect(log.consume("out").map((r) => `${r.key}=${r.value}`)).toEqual(["x=2", "y=2"]);
    const letters = log.consume("atomic-dlq").map((r) => r.value as Record<string, unknown>);
    expect(letters).toEqual([
      { reason: "processing failed: Error: boom", topic: "atomic-counts-changelog", partition: 0, offset: -1, timestamp: 2, key: '"boom"', value: "1", node: "check" },
    ]);
    // The store keeps the count, as a record that failed downstream of an aggregation without a cache would not: the update was done.
    expect(lastByKey(log.consume("atomic-counts-changelog"))).toEqual(new Map([['"x"', 2], ['"boom"', 1], ['"y"', 2]]));
    log.close();
  });
});

describe("NamedCache", () => {
  function setup(maxBytes = 1_000) {
    const store = new InMemoryKeyValueStore("s");
    const budget = new RecordCacheBudget(maxBytes);
    const cache = new NamedCache("s", "rows", store, budget);
    const put = (key: string, value: number | null, timestamp: number) => {
      const oldValue = store.get(key);
      if (value === null) store.delete(key);
      else store.put(key, value);
      cache.put({ key, value, timestamp, oldValue } as never);
    };
    return { store, budget, cache, put };
  }

  it("counts each pending key once, by its key's and value's JSON text and a fixed overhead, and gives the bytes back when flushed", () => {
    const { budget, cache, store, put } = setup();
    store.beginRecord(1);
    cache.beginRecord();
    put("a", 1, 1);
    put("a", 22, 2);
    put("bb", 3, 3);
    expect(budget.used).toBe('"a"'.length + "22".length + ENTRY_OVERHEAD_BYTES + '"bb"'.length + "3".length + ENTRY_OVERHEAD_BYTES);
    expect(cache.takeFlushed()).toEqual([
      { key: "a", value: 22, timestamp: 2, oldValue: undefined },
      { key: "bb", value: 3, timestamp: 3, oldValue: undefined },
    ]);
    expect(budget.used).toBe(0);
  });

  it("undoes a record's puts, keeping what earlier records put", () => {
    const { budget, cache, store, put } = setup();
    store.beginRecord(1);
    cache.beginRecord();
    put("a", 1, 1);
    const before = budget.used;
    store.beginRecord(2);
    cache.beginRecord();
    put("a", 2, 2);
    put("b", 5, 2);
    store.rollback();
    cache.rollback();
    expect(budget.used).toBe(before);
    expect(cache.takeFlushed()).toEqual([{ key: "a", value: 1, timestamp: 1, oldValue: undefined }]);
  });

  it("flushes keys in the order of their latest update, each with its value before the first update since the last flush", () => {
    const { cache, store, put } = setup();
    store.beginRecord(1);
    cache.beginRecord();
    put("a", 1, 1);
    put("b", 1, 1);
    cache.takeFlushed();
    put("a", 2, 2);
    put("b", 2, 3);
    put("a", 3, 4);
    expect(cache.takeFlushed()).toEqual([
      { key: "b", value: 2, timestamp: 3, oldValue: 1 },
      { key: "a", value: 3, timestamp: 4, oldValue: 1 },
    ]);
  });
});
