// Resetting an application, as Kafka Streams' kafka-streams-application-reset
// does: its internal topics (store changelogs, repartition topics) are deleted
// and its committed input offsets go back to the beginning, so that its next
// run starts with empty stores and recomputes them from its inputs. The
// engines do it (embedded.ts: resetEmbedded, kafka.ts: resetKafka); this says
// what both do. See docs/state.md.
import { StoreResetError } from "./errors.ts";
import { didYouMean, shortList } from "./suggest.ts";
import type { Topology } from "./topology/graph.ts";

/** What a reset did. */
export interface ApplicationReset {
  readonly application: string;
  /** The application's internal topics that existed, now deleted: changelogs and repartition topics. */
  readonly deletedTopics: readonly string[];
  /** The input topics (that exist) the next run reads again from their beginning. */
  readonly inputTopics: readonly string[];
  /** Topics the application writes that exist and are left as they are: its sinks' fixed topics and its dead-letter topic. */
  readonly keptTopics: readonly string[];
}

/**
 * The internal topics a reset deletes: those of this topology (its stores'
 * changelogs and its repartition topics), not every topic named like them, so
 * that resetting `shop` cannot touch `shop-eu`'s. A store the topology no
 * longer has keeps its changelog (delete it by hand).
 */
export function internalTopicsOf(topology: Topology): string[] {
  return [...new Set([...topology.stores.map((store) => store.changelogTopic), ...topology.repartitionTopics])];
}

/** The topics a reset leaves alone, for the record. */
export function keptTopicsOf(topology: Topology): string[] {
  return [...new Set([...topology.sinkTopics, topology.deadLetterTopic])];
}

/** Where a reset leaves an input partition's committed offset. */
export type ResetPosition = "beginning" | "end";

/** A topic that a rewound sub-topology reads, and where it reads it from after the reset. */
export interface RewoundInput {
  readonly topic: string;
  /** An internal topic (a repartition topic) rather than one of the application's inputs. */
  readonly internal: boolean;
  /**
   * `beginning`: read again from its first record still there. `end`: a
   * repartition topic whose writer is rewound too; what it holds was written
   * from inputs that are read again, and is written again, so it is skipped.
   */
  readonly from: ResetPosition;
}

/**
 * What resetting some stores does (`weir reset FILE --store NAME`): which
 * sub-topologies read their inputs again, from where, and so which stores
 * must start empty and which topics get their records again. Decided from
 * the topology alone, with one fact of the log: whether a repartition topic
 * has the history to be read again (`hasHistory`).
 */
export interface StoreResetPlan {
  /** Every store the reset empties, named or not, in the topology's order. */
  readonly stores: readonly string[];
  /** Stores emptied without being named: they share a rewound sub-topology (or are fed by one) and would count their inputs twice. */
  readonly alsoStores: readonly string[];
  /** Their changelogs, deleted. */
  readonly changelogs: readonly string[];
  /** The sub-topologies that read their inputs again, by id. */
  readonly subtopologies: readonly number[];
  /** Their inputs and where each is read from next. */
  readonly inputs: readonly RewoundInput[];
  /** Topics that receive again what they received before: the sinks' topics of the rewound sub-topologies (and the dead-letter topic). */
  readonly reemittedTo: readonly string[];
}


/**
 * Plans resetting the named stores. Resetting a store empties it, so its
 * sub-topology must read its inputs again from their beginning; reading them
 * again has consequences that the plan follows to a fixed point:
 *
 *  - every other store of a rewound sub-topology gets those records a second
 *    time, so it is emptied too;
 *  - whatever a rewound sub-topology writes to a repartition topic is written
 *    again, so every reader of that topic is rewound too (its stores emptied)
 *    and skips what the topic held (it reads it from its end);
 *  - a repartition topic read from its beginning must hold its history: one
 *    that does not (new, or `hasHistory` says so) has its writers rewound,
 *    and so does one with several writers of which one is rewound.
 *
 * Nothing is left that would count a record twice or miss one, but for what
 * the inputs no longer hold (retention) and the outputs, which receive their
 * records again (`reemittedTo`).
 */
export function planStoreReset(topology: Topology, storeNames: readonly string[], hasHistory: (repartitionTopic: string) => boolean): StoreResetPlan {
  const known = topology.stores.map((store) => store.name);
  for (const name of storeNames) {
    if (known.includes(name)) continue;
    const hint = didYouMean(name, known);
    const listed = shortList(known.map((store) => `'${store}'`));
    throw new StoreResetError(
      `application '${topology.application}' has no store '${name}'${hint ? `: ${hint}` : listed ? `: its stores are ${listed}` : known.length === 0 ? ": it has no stores" : ""}`,
    );
  }
  const writers = new Map<string, number[]>();
  const readers = new Map<string, number[]>();
  for (const sub of topology.subtopologies) {
    for (const node of sub.nodes) {
      if (node.kind === "sink" && node.internal && node.topic !== undefined) writers.set(node.topic, [...(writers.get(node.topic) ?? []), sub.id]);
      if (node.kind === "source" && node.internal) readers.set(node.topic, [...(readers.get(node.topic) ?? []), sub.id]);
    }
  }
  const rewound = new Set<number>();
  const pending = topology.subtopologies.filter((sub) => sub.stores.some((store) => storeNames.includes(store.name))).map((sub) => sub.id);
  const rewind = (id: number) => {
    if (!rewound.has(id)) pending.push(id);
  };
  // Until nothing changes: a rewind can make a repartition topic's reader or writer need one.
  while (pending.length > 0) {
    while (pending.length > 0) {
      const id = pending.pop()!;
      if (rewound.has(id)) continue;
      rewound.add(id);
      for (const [topic, ids] of writers) if (ids.includes(id)) (readers.get(topic) ?? []).forEach(rewind);
    }
    for (const [topic, ids] of readers) {
      if (!ids.some((id) => rewound.has(id))) continue;
      const topicWriters = writers.get(topic) ?? [];
      if (!hasHistory(topic) || topicWriters.some((id) => rewound.has(id))) topicWriters.forEach(rewind);
    }
  }
  const subs = topology.subtopologies.filter((sub) => rewound.has(sub.id));
  const stores = topology.stores.filter((store) => subs.some((sub) => sub.stores.includes(store)));
  const inputs = new Map<string, RewoundInput>();
  for (const sub of subs) {
    for (const node of sub.nodes) {
      if (node.kind !== "source" || inputs.has(node.topic)) continue;
      const fromEnd = node.internal && (writers.get(node.topic) ?? []).some((id) => rewound.has(id));
      inputs.set(node.topic, { topic: node.topic, internal: node.internal, from: fromEnd ? "end" : "beginning" });
    }
  }
  const sinks = subs.flatMap((sub) => sub.nodes.flatMap((node) => (node.kind === "sink" && !node.internal && node.topic !== undefined ? [node.topic] : [])));
  return {
    stores: stores.map((store) => store.name),
    alsoStores: stores.map((store) => store.name).filter((name) => !storeNames.includes(name)),
    changelogs: stores.map((store) => store.changelogTopic),
    subtopologies: subs.map((sub) => sub.id),
    inputs: [...inputs.values()],
    reemittedTo: [...new Set([...sinks, ...(subs.length > 0 ? [topology.deadLetterTopic] : [])])],
  };
}

/** What a store reset did. */
export interface StoreReset {
  readonly application: string;
  readonly plan: StoreResetPlan;
  /** The changelogs that existed, now deleted. */
  readonly deletedTopics: readonly string[];
}

/**
 * Refuses a store reset that would empty stores not named: the message names
 * them all, so that nothing is emptied by surprise and the next command is
 * the one to run.
 */
export function checkNamedStores(plan: StoreResetPlan): void {
  if (plan.alsoStores.length === 0) return;
  const named = plan.stores.filter((store) => !plan.alsoStores.includes(store));
  const quoted = (stores: readonly string[]) => stores.map((store) => `'${store}'`).join(", ");
  throw new StoreResetError(
    `resetting ${quoted(named)} reads again inputs whose records also reach ${quoted(plan.alsoStores)}, which would count them twice: reset them together (${plan.stores.map((store) => `--store ${store}`).join(" ")})`,
  );
}
