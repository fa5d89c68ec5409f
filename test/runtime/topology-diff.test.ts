// `weir diff`'s verdicts (runtime/topology-diff.ts) over a table of edit kinds,
// each a real .weir file compiled and loaded, and the pin that diff and the
// start-time check cannot disagree: each edit is run for real on the embedded
// engine, OLD then NEW over one data folder, and the start is refused exactly
// when diff says so, with diff's own words for the change.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { embeddedDatabasePath, openEmbeddedLog, runEmbedded } from "../../runtime/embedded.ts";
import { StoreShapeError } from "../../runtime/errors.ts";
import { diffTopologies, type TopologyDiff } from "../../runtime/topology-diff.ts";
import type { Topology } from "../../runtime/topology/graph.ts";
import { loadTopology } from "../../src/compiled-module.ts";
import { diffText } from "../../src/commands/diff.ts";

const base = `application shop

schema Order { id: string, customer: string, region: string, amount: number, ts: timestamp }
schema Customer { id: string, name: string }

stream orders from topic "orders" key string value json Order event time ts
table customers from topic "customers" key string value json Customer

table stats = orders
  | group by customer
  | aggregate { total: sum(amount) }

table perMinute = orders
  | group by customer
  | window tumbling 1 minute grace 0s
  | count

table perOrder = orders
  | group by key
  | count

sink stats to topic "stats-out"
sink perMinute to topic "per-minute" value { customer: key, start: window.start, orders: value }
sink perOrder to topic "per-order"
sink customers to topic "customers-out"
`;

/** An edit: the text replaced, and what `weir diff` says of it. */
interface EditKind {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  /** Replace every occurrence of `from`, not only the first. */
  readonly everywhere?: true;
  /** The old file, when not the base (the edit goes from it). */
  readonly old?: string;
  readonly verdict: TopologyDiff["verdict"];
  /** Store name → the reasons' kinds (stores not listed have none). */
  readonly reasons: Readonly<Record<string, readonly string[]>>;
  /** The stores whose start is refused. */
  readonly refused: readonly string[];
  readonly resetStores?: readonly string[];
}

const withCount = base.replace("{ total: sum(amount) }", "{ total: sum(amount), n: count() }");

const edits: readonly EditKind[] = [
  { name: "nothing but layout and comments", from: "  | group by customer\n  | aggregate", to: "  // totals\n  | group by customer | aggregate", verdict: "compatible", reasons: {}, refused: [] },
  {
    name: "stateless steps before a store, a new stream and sink",
    from: "table stats = orders\n",
    to: 'table stats = orders\n  | where amount > 0\n  | select { id, customer, region, amount: amount * 1, ts }\n',
    verdict: "compatible",
    reasons: {},
    refused: [],
  },
  { name: "new stateless stream and sink", from: "sink stats ", to: 'stream big = orders | where amount > 100\nsink big to topic "big"\nsink stats ', verdict: "compatible", reasons: {}, refused: [] },
  {
    name: "add an aggregate field",
    from: "{ total: sum(amount) }",
    to: "{ total: sum(amount), n: count() }",
    verdict: "reset",
    reasons: { stats: ["changed value"] },
    refused: ["stats"],
    resetStores: ["stats"],
  },
  { name: "remove an aggregate field", old: withCount, from: "{ total: sum(amount), n: count() }", to: "{ total: sum(amount) }", verdict: "reset", reasons: { stats: ["changed value"] }, refused: ["stats"], resetStores: ["stats"] },
  { name: "change an aggregate function", from: "sum(amount)", to: "max(amount)", verdict: "reset", reasons: { stats: ["changed value"] }, refused: ["stats"], resetStores: ["stats"] },
  { name: "change a window's size", from: "tumbling 1 minute", to: "tumbling 5 minutes", verdict: "reset", reasons: { perMinute: ["changed window"] }, refused: ["perMinute"], resetStores: ["perMinute"] },
  { name: "change a window's grace", from: "grace 0s", to: "grace 10s", verdict: "reset", reasons: { perMinute: ["changed window"] }, refused: ["perMinute"], resetStores: ["perMinute"] },
  {
    name: "change a window's kind",
    from: "tumbling 1 minute grace 0s",
    to: "hopping 1 minute advance 30 seconds grace 0s",
    verdict: "reset",
    reasons: { perMinute: ["changed window"] },
    refused: ["perMinute"],
    resetStores: ["perMinute"],
  },
  {
    name: "change the group-by key (same type)",
    from: "  | group by customer\n  | aggregate",
    to: "  | group by region\n  | aggregate",
    verdict: "reset",
    reasons: { stats: ["re-keyed"] },
    refused: ["stats"],
    resetStores: ["stats"],
  },
  {
    name: "change the group-by key to another type (repartition topic keyed otherwise)",
    from: "  | group by customer\n  | aggregate",
    to: "  | group by amount\n  | aggregate",
    verdict: "incompatible",
    reasons: { stats: ["re-keyed"] },
    refused: ["stats"],
  },
  {
    name: "rename a store",
    from: "stats",
    to: "totals",
    everywhere: true,
    verdict: "reset",
    reasons: { totals: ["renamed"] },
    refused: [],
    // The renamed repartition topic is new, without history: the orders are read again, and the other stores they feed are reset with it.
    resetStores: ["perOrder", "totals", "perMinute"],
  },
  {
    name: "a repartition added upstream of a store (rekey before group by key)",
    from: "table perOrder = orders\n  | group by key",
    to: "table perOrder = orders\n  | rekey customer\n  | group by key",
    verdict: "reset",
    reasons: { perOrder: ["changed input"] },
    refused: [],
  },
  {
    name: "a join added upstream of an aggregation",
    from: "table stats = orders\n  | group by customer",
    to: "table stats = orders\n  | rekey customer\n  | join customers\n  | select { customer: key, amount }\n  | group by customer",
    // The repartition topic before the aggregation is now written by the join's sub-topology, whose partition count follows customers.
    verdict: "incompatible",
    reasons: { stats: ["changed partitioning"] },
    refused: [],
  },
];

const loaded = new Map<string, Promise<Topology>>();
async function topologyOf(source: string): Promise<Topology> {
  if (!loaded.has(source)) {
    loaded.set(
      source,
      loadTopology("/tmp/shop.weir", source).then((result) => {
        if (!result.topology) throw new Error(`does not compile: ${JSON.stringify(result.diagnostics.map((d) => d.message))}\n${source}`);
        return result.topology;
      }),
    );
  }
  return loaded.get(source)!;
}

function edited(edit: EditKind): { oldSource: string; newSource: string } {
  const oldSource = edit.old ?? base;
  expect(oldSource).toContain(edit.from);
  return { oldSource, newSource: edit.everywhere ? oldSource.replaceAll(edit.from, edit.to) : oldSource.replace(edit.from, edit.to) };
}

const golden = join(import.meta.dirname, "fixtures", "diff-edit-kinds.txt");
const texts: string[] = [];

describe("weir diff over a table of edit kinds", () => {
  for (const edit of edits) {
    it(edit.name, async () => {
      const { oldSource, newSource } = edited(edit);
      const diff = diffTopologies(await topologyOf(oldSource), await topologyOf(newSource));
      expect(diff.verdict).toBe(edit.verdict);
      const reasons = Object.fromEntries(diff.stores.filter((store) => store.reasons.length > 0).map((store) => [store.store, store.reasons.map((reason) => reason.kind)]));
      expect(reasons).toEqual(edit.reasons);
      expect(diff.stores.filter((store) => store.refusedAtStart).map((store) => store.store)).toEqual(edit.refused);
      if (edit.resetStores) expect([...diff.resetStores].sort()).toEqual([...edit.resetStores].sort());
      texts.push(`## ${edit.name}\n${diffText(diff, "NEW.weir")}`);
    });
  }

  afterAll(() => {
    if (texts.length !== edits.length) return;
    const text = texts.join("\n");
    if (process.env.UPDATE_SNAPSHOTS) writeFileSync(golden, text);
    else expect(text).toBe(readFileSync(golden, "utf8"));
  });
});

describe("weir diff and the start-time check agree", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  for (const edit of edits) {
    it(`${edit.name}: refused at start exactly where diff says, in diff's words`, async () => {
      const { oldSource, newSource } = edited(edit);
      const dir = mkdtempSync(join(tmpdir(), "weir-diff-"));
      dirs.push(dir);
      const log = openEmbeddedLog(embeddedDatabasePath(dir));
      try {
        log.produce("orders", [
          { key: "o1", value: { id: "o1", customer: "a", region: "eu", amount: 5, ts: 1_000 } },
          { key: "o2", value: { id: "o2", customer: "b", region: "us", amount: 7, ts: 2_000 } },
        ]);
        log.produce("customers", [{ key: "a", value: { id: "a", name: "Ann" } }]);
      } finally {
        log.close();
      }
      const oldTopology = await topologyOf(oldSource);
      const newTopology = await topologyOf(newSource);
      await runEmbedded(oldTopology, { data: dir });
      const diff = diffTopologies(oldTopology, newTopology);
      let refusal: StoreShapeError | undefined;
      try {
        await runEmbedded(newTopology, { data: dir });
      } catch (error) {
        if (!(error instanceof StoreShapeError)) throw error;
        refusal = error;
      }
      const refused = diff.stores.filter((store) => store.refusedAtStart);
      if (refused.length === 0) {
        expect(refusal).toBeUndefined();
        return;
      }
      expect(refusal).toBeDefined();
      expect(refused.map((store) => store.store)).toContain(refusal!.store);
      // The refusal's words for the change are the diff's: both come from shapeChange.
      const store = diffTopologies(oldTopology, newTopology).stores.find((s) => s.store === refusal!.store)!;
      expect(store.reasons.length).toBeGreaterThan(0);
      expect(refusal!.message).toBe(`store '${store.store}' was written ${store.shapeChange}`);
    }, 60_000);
  }
});
