// `weir diff OLD NEW`: what starting NEW over the state OLD left would do, per
// store and per internal topic (docs/state.md, "Upgrades"). It compares two
// topologies as the runtime sees them, with the runtime's own facts: a
// store's shape is compared by shapeChange, the one function the start-time
// check uses, so that diff says "refused at start" exactly when a start is
// refused; what a reset reads again is planStoreReset's plan, the one
// `weir reset --store` carries out.
import { planStoreReset, type RewoundInput } from "./application-reset.ts";
import { shapeChange, type StoreShape } from "./store-shape.ts";
import type { SubTopology, Topology } from "./topology/graph.ts";
import type { SinkNode } from "./topology/nodes.ts";
import type { StoreDescription } from "./topology/stores.ts";

/**
 * - `compatible`: NEW runs on the state as it is.
 * - `reset`: NEW needs the named stores reset first (`weir reset NEW --store ...`).
 * - `incompatible`: no store reset is enough: reset the whole application (`weir reset NEW`).
 */
export type Verdict = "compatible" | "reset" | "incompatible";

/** Why a store or topic is not compatible as it is, in the words of the list. */
export type ReasonKind =
  | "changed kind"
  | "re-keyed"
  | "changed value"
  | "changed window"
  | "renamed"
  | "changed input"
  | "changed partitioning"
  | "changed key encoding";

export interface Reason {
  readonly kind: ReasonKind;
  readonly detail: string;
}

export interface StoreDiff {
  /** The store's name in NEW (in OLD for a removed store). */
  readonly store: string;
  /** Its name in OLD when it was renamed. */
  readonly renamedFrom?: string;
  readonly change: "unchanged" | "changed" | "added" | "removed" | "renamed";
  readonly verdict: Verdict;
  /** The start of NEW over OLD's state refuses this store (exit code 3): its shape changed. */
  readonly refusedAtStart: boolean;
  /** For a store refused at start: what changed, in the refusal's own words ("store 'x' was written ..."). */
  readonly shapeChange?: string;
  readonly reasons: readonly Reason[];
  /** What else to know: a new store starts empty, a removed one leaves its changelog... */
  readonly notes: readonly string[];
  /** Whether the state could be carried over without recomputing it, and why (or why not); only for a changed aggregation. */
  readonly migration?: string;
}

export interface TopicDiff {
  readonly topic: string;
  readonly role: "repartition" | "changelog";
  /** A changelog's store. */
  readonly store?: string;
  readonly change: "unchanged" | "changed" | "added" | "removed";
  readonly verdict: Verdict;
  readonly reasons: readonly Reason[];
  readonly notes: readonly string[];
}

export interface TopologyDiff {
  readonly application: string;
  /** The worst verdict of all. */
  readonly verdict: Verdict;
  readonly stores: readonly StoreDiff[];
  readonly topics: readonly TopicDiff[];
  /** For `reset`: the stores `weir reset --store` must name (those needing it, and those sharing their inputs). */
  readonly resetStores: readonly string[];
  /** For `reset`: what the next run reads again, and from where. */
  readonly reprocessed: readonly RewoundInput[];
  /** For `reset`: the topics that receive their records a second time. */
  readonly reemittedTo: readonly string[];
}

const rank: Record<Verdict, number> = { compatible: 0, reset: 1, incompatible: 2 };
const worst = (verdicts: readonly Verdict[]): Verdict => verdicts.reduce<Verdict>((a, b) => (rank[b] > rank[a] ? b : a), "compatible");

/** What changed from OLD to NEW, per store and internal topic, and what to do about it. */
export function diffTopologies(oldTopology: Topology, newTopology: Topology): TopologyDiff {
  const oldView = view(oldTopology);
  const newView = view(newTopology);

  const topics = diffRepartitionTopics(oldView, newView);
  const brokenTopics = new Set(topics.filter((topic) => topic.verdict === "incompatible").map((topic) => topic.topic));

  const stores: StoreDiff[] = [];
  const oldStores = new Map(oldTopology.stores.map((store) => [store.name, store]));
  const newNames = new Set(newTopology.stores.map((store) => store.name));
  const renamed = new Map<string, StoreDescription>();
  for (const store of newTopology.stores) {
    const before = oldStores.get(store.name);
    if (before) {
      stores.push(diffStore(before, store, oldView, newView, brokenTopics));
      continue;
    }
    // The same shape under a name OLD had and NEW has not: the table was renamed, and its state stays under the old name.
    const previous = oldTopology.stores.find(
      (candidate) => !newNames.has(candidate.name) && !renamed.has(candidate.name) && candidate.shape !== undefined && candidate.shape.fingerprint === store.shape?.fingerprint,
    );
    if (previous) {
      renamed.set(previous.name, store);
      stores.push({
        store: store.name,
        renamedFrom: previous.name,
        change: "renamed",
        verdict: "reset",
        refusedAtStart: false,
        reasons: [
          {
            kind: "renamed",
            detail: `renamed from '${previous.name}': its state is kept under the old name (${previous.changelogTopic}), and '${store.name}' would start empty without a word at start`,
          },
        ],
        notes: [],
      });
      continue;
    }
    stores.push({
      store: store.name,
      change: "added",
      verdict: "compatible",
      refusedAtStart: false,
      reasons: [],
      notes: ["new: starts empty and holds what its inputs bring from now on (reset it to compute it from their history)"],
    });
  }
  for (const store of oldTopology.stores) {
    if (newNames.has(store.name) || renamed.has(store.name)) continue;
    stores.push({
      store: store.name,
      change: "removed",
      verdict: "compatible",
      refusedAtStart: false,
      reasons: [],
      notes: [`removed: its changelog ${store.changelogTopic} is left as it is (delete it by hand)`],
    });
  }

  const changelogs = changelogDiffs(stores, oldTopology, newTopology);
  const allTopics = [...topics, ...changelogs];
  const verdict = worst([...stores.map((store) => store.verdict), ...allTopics.map((topic) => topic.verdict)]);
  const needed = stores.filter((store) => store.verdict === "reset").map((store) => store.store);
  if (verdict !== "reset") return { application: newTopology.application, verdict, stores, topics: allTopics, resetStores: [], reprocessed: [], reemittedTo: [] };

  // What `weir reset NEW --store ...` would do, on a log where OLD ran: a
  // repartition topic holds its history when OLD had it, unchanged.
  const withHistory = new Set(topics.filter((topic) => topic.change === "unchanged").map((topic) => topic.topic));
  const plan = planStoreReset(newTopology, needed, (topic) => withHistory.has(topic));
  const also = new Set(plan.alsoStores);
  const withAlso = stores.map((store) =>
    also.has(store.store)
      ? { ...store, verdict: "reset" as const, notes: [...store.notes, "reset with the others: its inputs are read again, and it would count them twice"] }
      : store,
  );
  return { application: newTopology.application, verdict, stores: withAlso, topics: allTopics, resetStores: plan.stores, reprocessed: plan.inputs, reemittedTo: plan.reemittedTo };
}

/** What diff needs of a topology: where each store's records come from, and how each internal topic is partitioned. */
interface View {
  readonly topology: Topology;
  /** The topics a sub-topology reads, by sub-topology id. */
  readonly inputs: ReadonlyMap<number, readonly string[]>;
  /** The application's input topics whose partition count decides a sub-topology's (topic-manager.ts). */
  readonly countFrom: ReadonlyMap<number, readonly string[]>;
  readonly repartitionWriters: ReadonlyMap<string, readonly SinkNode[]>;
  readonly repartitionReaders: ReadonlyMap<string, readonly SubTopology[]>;
}

function view(topology: Topology): View {
  const writers = new Map<string, SinkNode[]>();
  const writerSubs = new Map<string, SubTopology[]>();
  const readers = new Map<string, SubTopology[]>();
  for (const sub of topology.subtopologies) {
    for (const node of sub.nodes) {
      if (node.kind === "sink" && node.internal && node.topic !== undefined) {
        writers.set(node.topic, [...(writers.get(node.topic) ?? []), node]);
        writerSubs.set(node.topic, [...(writerSubs.get(node.topic) ?? []), sub]);
      }
      if (node.kind === "source" && node.internal) readers.set(node.topic, [...(readers.get(node.topic) ?? []), sub]);
    }
  }
  // As topic-manager.ts decides it: a sub-topology has as many tasks as its
  // inputs have partitions, a repartition topic as many as its writer's tasks.
  const countFrom = new Map<number, string[]>();
  const decide = (sub: SubTopology, visiting: Set<number>): string[] => {
    const known = countFrom.get(sub.id);
    if (known) return known;
    if (visiting.has(sub.id)) return [];
    visiting.add(sub.id);
    const external = sub.sourceTopics.filter((topic) => !writers.has(topic));
    const from = external.length > 0 ? external : sub.sourceTopics.flatMap((topic) => (writerSubs.get(topic) ?? []).flatMap((writer) => decide(writer, visiting)));
    const result = [...new Set(from)].sort();
    countFrom.set(sub.id, result);
    return result;
  };
  for (const sub of topology.subtopologies) decide(sub, new Set());
  return {
    topology,
    inputs: new Map(topology.subtopologies.map((sub) => [sub.id, [...new Set(sub.sourceTopics)].sort()])),
    countFrom,
    repartitionWriters: writers,
    repartitionReaders: readers,
  };
}

const subOf = (v: View, store: StoreDescription): SubTopology => v.topology.subtopologies.find((sub) => sub.stores.some((s) => s.name === store.name))!;
const list = (topics: readonly string[]) => (topics.length > 0 ? topics.join(", ") : "nothing");

function diffStore(before: StoreDescription, after: StoreDescription, oldView: View, newView: View, brokenTopics: ReadonlySet<string>): StoreDiff {
  const reasons: Reason[] = [];
  const notes: string[] = [];
  let migration: string | undefined;
  let refusedAtStart = false;
  let change: string | undefined;
  if (before.shape && after.shape) {
    change = shapeChange(before.shape, after.shape);
    if (change !== undefined) {
      refusedAtStart = true;
      reasons.push(...shapeReasons(before.shape, after.shape, change));
      migration = migrationOf(before.shape, after.shape);
    }
  } else if (before.shape || after.shape) {
    notes.push("one version declares no shape: the start checks nothing");
  }

  const oldSub = subOf(oldView, before);
  const newSub = subOf(newView, after);
  const oldInputs = oldView.inputs.get(oldSub.id)!;
  const newInputs = newView.inputs.get(newSub.id)!;
  const removedInputs = oldInputs.filter((topic) => !newInputs.includes(topic));
  const addedInputs = newInputs.filter((topic) => !oldInputs.includes(topic));
  if (removedInputs.length > 0) {
    reasons.push({
      kind: "changed input",
      detail: `its records now come through ${list(newInputs)} instead of ${list(oldInputs)} (a join or repartition added or removed upstream): what ${list(removedInputs)} still holds unread is never read, and its state was built from the old path`,
    });
  } else if (addedInputs.length > 0) {
    notes.push(`its sub-topology now also reads ${list(addedInputs)}`);
  }
  const oldCount = oldView.countFrom.get(oldSub.id)!;
  const newCount = newView.countFrom.get(newSub.id)!;
  if (oldCount.join() !== newCount.join()) {
    reasons.push({
      kind: "changed partitioning",
      detail: `its partition count follows ${list(newCount)} instead of ${list(oldCount)}: where those differ in partitions, its changelog (${after.changelogTopic}) has the wrong count and keys sit in other partitions (the start refuses the changelog's count)`,
    });
  }
  const broken = newInputs.filter((topic) => brokenTopics.has(topic));
  const verdict: Verdict = broken.length > 0 ? "incompatible" : reasons.length > 0 ? "reset" : "compatible";
  if (broken.length > 0) notes.push(`reads ${list(broken)}, which must be recreated: reset the application`);
  return {
    store: after.name,
    change: reasons.length > 0 ? "changed" : "unchanged",
    verdict,
    refusedAtStart,
    ...(change !== undefined ? { shapeChange: change } : {}),
    reasons,
    notes,
    ...(migration !== undefined ? { migration } : {}),
  };
}

/** The parts of a shape that changed, each as a reason; the detail is the start-time refusal's own words. */
function shapeReasons(before: StoreShape, after: StoreShape, change: string): Reason[] {
  const reasons: Reason[] = [];
  if (before.kind !== after.kind) reasons.push({ kind: "changed kind", detail: `${before.kind} → ${after.kind}` });
  if (before.key !== after.key) reasons.push({ kind: "re-keyed", detail: `key ${before.key} → ${after.key}` });
  if (before.window !== after.window) reasons.push({ kind: "changed window", detail: `${before.window ?? "no window"} → ${after.window ?? "no window"}` });
  if (before.value !== after.value || before.valueType !== after.valueType) {
    reasons.push({ kind: "changed value", detail: before.value !== after.value ? `${before.value} → ${after.value}` : `value type ${before.valueType} → ${after.valueType}` });
  }
  // Fingerprints differ with every listed part equal: say it as the start would.
  if (reasons.length === 0) reasons.push({ kind: "changed value", detail: change });
  return reasons;
}

/**
 * Whether a changed store's state could be carried over instead of recomputed
 * (docs/state.md, "What could be migrated"). weir migrates nothing yet; this
 * says which changes a migration could make exact, so that the reset is known
 * to be the only way or not.
 */
function migrationOf(before: StoreShape, after: StoreShape): string {
  const other = [before.kind !== after.kind ? "kind of store" : "", before.key !== after.key ? "key" : "", before.window !== after.window ? "window" : ""].filter(Boolean);
  if (other.length > 0) return `not migratable: the state was computed by another ${other.join(" and ")}, and only the inputs can compute it for this one`;
  if (!before.fields || !after.fields) return "not migratable: what a key holds is computed otherwise, and only the inputs can compute it anew";
  const nameOf = (field: string) => field.slice(0, field.indexOf(":"));
  const beforeFields = new Map(before.fields.map((field) => [nameOf(field), field]));
  const added = after.fields.filter((field) => beforeFields.get(nameOf(field)) !== field);
  if (added.length > 0) {
    return `not migratable: ${added.join(", ")} has no value for what was already aggregated (every aggregation function, count() included, depends on the records already seen; none starts from nothing)`;
  }
  return "migratable in principle (only fields removed or reordered: each remaining field's value is kept as it is), but weir does not migrate yet: reset";
}

function diffRepartitionTopics(oldView: View, newView: View): TopicDiff[] {
  const diffs: TopicDiff[] = [];
  for (const [topic, writers] of newView.repartitionWriters) {
    const before = oldView.repartitionWriters.get(topic);
    if (!before) {
      diffs.push({ topic, role: "repartition", change: "added", verdict: "compatible", reasons: [], notes: ["new: created at start, holds what is written from now on"] });
      continue;
    }
    const reasons: Reason[] = [];
    const keyOf = (sinks: readonly SinkNode[]) => [...new Set(sinks.map((sink) => sink.keyFormat.name))].sort().join(", ");
    if (keyOf(before) !== keyOf(writers)) {
      reasons.push({ kind: "changed key encoding", detail: `keys written as ${keyOf(writers)} instead of ${keyOf(before)}: the same key now goes to another partition, and the records there are read otherwise` });
    }
    const countOf = (v: View, t: string) =>
      [...new Set((v.repartitionReaders.get(t) ?? []).flatMap((sub) => v.countFrom.get(sub.id) ?? []))].sort();
    const oldCount = countOf(oldView, topic);
    const newCount = countOf(newView, topic);
    if (oldCount.join() !== newCount.join()) {
      reasons.push({
        kind: "changed partitioning",
        detail: `its partition count follows ${list(newCount)} instead of ${list(oldCount)}: where those differ, the start refuses it ("has N partition(s) but the topology needs M")`,
      });
    }
    diffs.push({
      topic,
      role: "repartition",
      change: reasons.length > 0 ? "changed" : "unchanged",
      verdict: reasons.length > 0 ? "incompatible" : "compatible",
      reasons,
      notes: reasons.length > 0 ? ["its records must go: reset the application (weir reset NEW without --store), which deletes it"] : [],
    });
  }
  for (const topic of oldView.repartitionWriters.keys()) {
    if (newView.repartitionWriters.has(topic)) continue;
    diffs.push({ topic, role: "repartition", change: "removed", verdict: "compatible", reasons: [], notes: ["no longer used: left as it is, with what it holds unread (delete it by hand)"] });
  }
  return diffs;
}

/** A changelog goes with its store: its verdict is the store's partitioning reason, if any. */
function changelogDiffs(stores: readonly StoreDiff[], oldTopology: Topology, newTopology: Topology): TopicDiff[] {
  const changelogOf = (topology: Topology, name: string) => topology.stores.find((store) => store.name === name)?.changelogTopic;
  return stores.map((store) => {
    const topic = changelogOf(newTopology, store.store) ?? changelogOf(oldTopology, store.store)!;
    const partitioning = store.reasons.filter((reason) => reason.kind === "changed partitioning");
    const change = store.change === "added" || store.change === "renamed" ? "added" : store.change === "removed" ? "removed" : partitioning.length > 0 ? "changed" : "unchanged";
    return {
      topic,
      role: "changelog" as const,
      store: store.store,
      change,
      verdict: partitioning.length > 0 ? ("reset" as const) : ("compatible" as const),
      reasons: partitioning,
      notes: [],
    };
  });
}
