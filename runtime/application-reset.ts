// Resetting an application, as Kafka Streams' kafka-streams-application-reset
// does: its internal topics (store changelogs, repartition topics) are deleted
// and its committed input offsets go back to the beginning, so that its next
// run starts with empty stores and recomputes them from its inputs. The
// engines do it (embedded.ts: resetEmbedded, kafka.ts: resetKafka); this says
// what both do. See docs/state.md.
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
