// The graph of a compiled topology (`weir graph`): the same topology `weir
// describe` prints (runtime/topology/graph.ts), as nodes and edges that the
// renderers (mermaid.ts, dot.ts, svg.ts) draw and that `--format json` prints
// as it is. The key and value types on the edges are the compiler's (see
// record-types.ts). This model is the JSON a tool reads: its shape is
// documented in docs/graph.md and versioned by `version`.
import type { TopologyPlan } from "../../compiler/plan.ts";
import type { Topology } from "../../runtime/index.ts";
import { describeNode, describeStoreKind } from "../../runtime/topology/graph.ts";
import { parentsOf, type SinkNode, type SourceNode, type TopologyNode } from "../../runtime/topology/nodes.ts";
import { storesReadBy, type StoreKind } from "../../runtime/topology/stores.ts";
import { plannedRecordTypes, type RecordTypes } from "./record-types.ts";

/**
 * The version of the model's JSON. Fields may be added within a version; a field
 * that changes meaning or goes away makes a new one.
 */
export const graphModelVersion = 1;

export interface GraphModel {
  readonly version: typeof graphModelVersion;
  readonly application: string;
  /** In `weir describe`'s order; each lists the ids of its sources, processors, sinks and stores. */
  readonly subtopologies: readonly GraphSubtopology[];
  /** Every node once: a sub-topology's members in `weir describe`'s order, then the topics. */
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

export interface GraphSubtopology {
  readonly id: number;
  readonly nodes: readonly string[];
}

/**
 * `source`, `processor` and `sink` are the topology's nodes, as `weir describe`
 * names them; `store` a state store; `topic` a topic of the user's, a
 * repartition topic or a store's changelog; `dlq` the dead-letter topic.
 */
export type GraphNodeKind = "source" | "processor" | "sink" | "store" | "topic" | "dlq";

export type TopicRole = "external" | "repartition" | "changelog";

export interface GraphNode {
  /**
   * Unique in the model and stable across runs: `node:NAME` for sources,
   * processors and sinks (their names are unique together), `store:NAME`,
   * `topic:NAME` (the dead-letter topic too).
   */
  readonly id: string;
  readonly kind: GraphNodeKind;
  readonly name: string;
  /** What it is or does, in words: for a topology node, the text `weir describe` puts in brackets after its name. */
  readonly detail: string;
  /** For a source, processor or sink: its kind in the runtime's topology (`source`, `flatMap`, `aggregate`, `sink`, ...). */
  readonly operation?: string;
  /** For a store: which kind (`keyValue`, `window`, `dedup`, `joinBuffer`, `subscriptions`). */
  readonly storeKind?: StoreKind;
  /** For a topic: a topic of the user's (read or written), a repartition topic, or a store's changelog. */
  readonly role?: TopicRole;
}

/**
 * `records`: records flow from `from` to `to`, with their key and value types
 * where the compiler decided them (a foreign-key join's internal records have
 * none); `owns-store`: the processor `from` keeps the store `to` (reads and
 * writes it); `reads-store`: the processor `from` looks keys up in the store
 * `to`, which another node keeps; `changelog`: the store `from` is backed by
 * the topic `to`.
 */
export type GraphEdgeKind = "records" | "owns-store" | "reads-store" | "changelog";

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: GraphEdgeKind;
  /** For `records` edges: the key's type, as the language writes types (`windowed<string>` for a windowed key). */
  readonly key?: string;
  /** For `records` edges: the value's type. */
  readonly value?: string;
}

const nodeId = (name: string) => `node:${name}`;
const storeId = (name: string) => `store:${name}`;
const topicId = (name: string) => `topic:${name}`;

/** The graph of a topology, with the record types its plan decided. Pure: the same topology and plan give the same model. */
export function graphModel(topology: Topology, plan: TopologyPlan): GraphModel {
  const types = plannedRecordTypes(plan);
  const typesOf = (node: TopologyNode): RecordTypes | undefined => {
    const planned = types.output.get(node.name);
    if (planned) return planned;
    // The two ends of a repartition topic carry what the node before them sent.
    if (node.kind === "sink" && node.internal) return typesOf(topology.node(node.parent));
    if (node.kind === "source" && node.internal) {
      const writer = topology.nodes.find((n): n is SinkNode => n.kind === "sink" && n.topic === node.topic);
      return writer && typesOf(writer);
    }
    return undefined;
  };

  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const records = (from: string, to: string, recordTypes: RecordTypes | undefined): void => {
    edges.push({ from, to, kind: "records", ...(recordTypes ? { key: recordTypes.key, value: recordTypes.value } : {}) });
  };

  const subtopologies = topology.subtopologies.map((sub): GraphSubtopology => {
    const members: string[] = [];
    for (const node of sub.nodes) {
      const { role, detail } = describeNode(node);
      nodes.push({ id: nodeId(node.name), kind: kindOfRole[role], name: node.name, detail, operation: node.kind });
      members.push(nodeId(node.name));
      if (node.kind === "source") records(topicId(node.topic), nodeId(node.name), typesOf(node));
      for (const parent of parentsOf(node)) records(nodeId(parent), nodeId(node.name), typesOf(topology.node(parent)));
      if (node.kind === "sink" && node.topic !== undefined) records(nodeId(node.name), topicId(node.topic), node.internal ? typesOf(node) : types.written.get(node.name));
      for (const store of topology.stores.filter((s) => s.node === node.name)) {
        nodes.push({ id: storeId(store.name), kind: "store", name: store.name, detail: describeStoreKind(store) || "key-value store", storeKind: store.kind });
        members.push(storeId(store.name));
        edges.push({ from: nodeId(node.name), to: storeId(store.name), kind: "owns-store" });
      }
      for (const store of storesReadBy(node)) edges.push({ from: nodeId(node.name), to: storeId(store), kind: "reads-store" });
    }
    return { id: sub.id, nodes: members };
  });

  for (const topic of externalTopics(topology)) {
    const read = topology.sourceTopics.includes(topic);
    const written = topology.sinkTopics.includes(topic);
    nodes.push({ id: topicId(topic), kind: "topic", name: topic, detail: read && written ? "input and output topic" : read ? "input topic" : "output topic", role: "external" });
  }
  for (const topic of topology.repartitionTopics) nodes.push({ id: topicId(topic), kind: "topic", name: topic, detail: "repartition topic", role: "repartition" });
  for (const store of topology.stores) {
    nodes.push({ id: topicId(store.changelogTopic), kind: "topic", name: store.changelogTopic, detail: `changelog of ${store.name}`, role: "changelog" });
    edges.push({ from: storeId(store.name), to: topicId(store.changelogTopic), kind: "changelog" });
  }
  nodes.push({ id: topicId(topology.deadLetterTopic), kind: "dlq", name: topology.deadLetterTopic, detail: "dead-letter topic" });

  return { version: graphModelVersion, application: topology.application, subtopologies, nodes, edges };
}

const kindOfRole = { Source: "source", Processor: "processor", Sink: "sink" } as const satisfies Record<ReturnType<typeof describeNode>["role"], GraphNodeKind>;

/** The user's topics, read or written, in the order the topology first names them. */
function externalTopics(topology: Topology): string[] {
  const topics = topology.nodes.flatMap((node) => (isExternal(node) && node.topic !== undefined ? [node.topic] : []));
  return [...new Set(topics)];
}

function isExternal(node: TopologyNode): node is SourceNode | SinkNode {
  return (node.kind === "source" || node.kind === "sink") && !node.internal;
}
