// Planning a store reset (runtime/application-reset.ts, planStoreReset) over
// the golden fixtures' real topologies — joins of every kind, foreign-key
// joins whose repartition topics go both ways, windows, dedups, merges —
// for every store, with and without the repartition topics' history: the
// plan's invariants, which are what makes a store reset count nothing twice.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkNamedStores, planStoreReset } from "../../runtime/application-reset.ts";
import { StoreResetError } from "../../runtime/errors.ts";
import type { Topology } from "../../runtime/topology/graph.ts";
import { loadTopology } from "../../src/compiled-module.ts";

const fixtures = ["shop", "tables", "windows", "stream-joins", "right-joins", "dedup-branch-merge", "wordcount"];

async function fixture(name: string): Promise<Topology> {
  const path = join(import.meta.dirname, "..", "fixtures", name, "input.weir");
  const loaded = await loadTopology(path, readFileSync(path, "utf8"));
  return loaded.topology!;
}

function writersOf(topology: Topology, topic: string): number[] {
  return topology.subtopologies.filter((sub) => sub.nodes.some((node) => node.kind === "sink" && node.internal && node.topic === topic)).map((sub) => sub.id);
}

describe("planStoreReset", () => {
  for (const name of fixtures) {
    it(`${name}: every store's plan rewinds whole sub-topologies and reads nothing twice`, async () => {
      const topology = await fixture(name);
      expect(topology.stores.length).toBeGreaterThan(0);
      for (const withHistory of [true, false]) {
        for (const store of topology.stores) {
          const plan = planStoreReset(topology, [store.name], () => withHistory);
          const context = `${name}, ${store.name}, history: ${withHistory}`;
          expect(plan.stores, context).toContain(store.name);
          // Every store of a rewound sub-topology is reset, and only those.
          const rewound = topology.subtopologies.filter((sub) => plan.subtopologies.includes(sub.id));
          expect([...plan.stores].sort(), context).toEqual(rewound.flatMap((sub) => sub.stores.map((s) => s.name)).sort());
          expect(plan.alsoStores, context).toEqual(plan.stores.filter((s) => s !== store.name));
          for (const sub of rewound) {
            for (const topic of sub.sourceTopics) {
              const input = plan.inputs.find((i) => i.topic === topic);
              expect(input, `${context}: ${topic}`).toBeDefined();
              const writers = writersOf(topology, topic);
              if (!input!.internal) {
                expect(input!.from).toBe("beginning");
                continue;
              }
              // Read from its end: every writer writes it again. From its beginning: no writer does, and it has its history.
              if (input!.from === "end") expect(writers.every((id) => plan.subtopologies.includes(id)), `${context}: ${topic}`).toBe(true);
              else {
                expect(writers.some((id) => plan.subtopologies.includes(id)), `${context}: ${topic}`).toBe(false);
                expect(withHistory).toBe(true);
              }
            }
            // Whoever reads what a rewound sub-topology writes is rewound too.
            for (const node of sub.nodes) {
              if (node.kind !== "sink" || !node.internal) continue;
              const readers = topology.subtopologies.filter((other) => other.sourceTopics.includes(node.topic!));
              expect(readers.every((reader) => plan.subtopologies.includes(reader.id)), `${context}: readers of ${node.topic}`).toBe(true);
            }
          }
        }
      }
    }, 60_000);
  }

  it("names an unknown store with a did-you-mean, and a reset that would empty stores not named with all of them", async () => {
    const topology = await fixture("shop");
    const [first] = topology.stores;
    expect(() => planStoreReset(topology, [`${first!.name}x`], () => true)).toThrow(new StoreResetError(`application 'shop' has no store '${first!.name}x': did you mean '${first!.name}'?`));
    expect(() => planStoreReset(topology, ["zzzzzzzzzzzz"], () => true)).toThrow(/has no store 'zzzzzzzzzzzz': its stores are /);
    const everything = planStoreReset(topology, topology.stores.map((s) => s.name), () => false);
    expect(() => checkNamedStores(everything)).not.toThrow();
  }, 60_000);
});
