// The Topology: a graph of named nodes (nodes.ts), split into sub-topologies at
// repartition topics, with its state stores (stores.ts) and topics, and its
// description as text (`weir describe`). The DSL (dsl.ts) builds it.
import { WeirRuntimeError } from "../errors.ts";
import type { WindowSpec } from "../windows.ts";
import { parentsOf, type SinkNode, type SourceNode, type StreamJoinNode, type TopologyNode } from "./nodes.ts";
import { storesOwnedBy, type StoreDescription } from "./stores.ts";

/** A connected part of the graph: its sources are read by one task per input partition. */
export interface SubTopology {
  readonly id: number;
  /** Nodes in the order they were added (a parent always before its children). */
  readonly nodes: readonly TopologyNode[];
  readonly sourceTopics: readonly string[];
  readonly stores: readonly StoreDescription[];
}

export class TopologyError extends WeirRuntimeError {
  override readonly name = "TopologyError";
}

export class Topology {
  readonly application: string;
  readonly nodes: readonly TopologyNode[];
  readonly stores: readonly StoreDescription[];
  readonly subtopologies: readonly SubTopology[];

  constructor(application: string, nodes: readonly TopologyNode[]) {
    this.application = application;
    this.nodes = nodes;
    this.stores = nodes.flatMap((node) => storesOwnedBy(application, node));
    this.subtopologies = splitIntoSubtopologies(nodes, this.stores);
  }

  /** Where records that cannot be read or processed go, with the reason. */
  get deadLetterTopic(): string {
    return `${this.application}-dlq`;
  }

  get sourceTopics(): string[] {
    return this.nodes.filter((n): n is SourceNode => n.kind === "source" && !n.internal).map((n) => n.topic);
  }

  get sinkTopics(): string[] {
    return this.nodes.flatMap((n) => (n.kind === "sink" && !n.internal && n.topic !== undefined ? [n.topic] : []));
  }

  get repartitionTopics(): string[] {
    // A foreign-key join's response topic has two writers.
    return [...new Set(this.nodes.flatMap((n) => (n.kind === "sink" && n.internal && n.topic !== undefined ? [n.topic] : [])))];
  }

  node(name: string): TopologyNode {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new TopologyError(`no node named ${name}`);
    return node;
  }

  /** The nodes a node's records flow to; a table-table join is a child of both its tables. */
  children(name: string): TopologyNode[] {
    return this.nodes.filter((n) => parentsOf(n).includes(name));
  }

  /** The topology as text, in the spirit of Kafka Streams' TopologyDescription. */
  describe(): string {
    const lines: string[] = [`Topology: ${this.application}`];
    for (const sub of this.subtopologies) {
      lines.push(`  Sub-topology ${sub.id}`);
      for (const node of sub.nodes) {
        const { role, detail } = describeNode(node);
        const next = this.children(node.name).map((c) => c.name);
        const arrow = next.length > 0 ? ` --> ${next.join(", ")}` : "";
        // A sink has no children; a source has no parents.
        const parents = role === "Source" ? "" : ` <-- ${parentsOf(node).join(", ")}`;
        lines.push(`    ${role}: ${node.name} (${detail})${role === "Sink" ? "" : arrow}${parents}`);
      }
    }
    lines.push("  State stores:");
    if (this.stores.length === 0) lines.push("    (none)");
    for (const store of this.stores) {
      const kind = describeStoreKind(store);
      lines.push(`    ${store.name} (${kind === "" ? "" : `${kind}, `}changelog: ${store.changelogTopic})`);
    }
    lines.push("  Repartition topics:");
    if (this.repartitionTopics.length === 0) lines.push("    (none)");
    for (const topic of this.repartitionTopics) lines.push(`    ${topic}`);
    lines.push(`  Dead-letter topic: ${this.deadLetterTopic}`);
    return lines.join("\n");
  }
}

/** What a node is, as `describe` says it: Source, Processor or Sink, and what it does (the text in brackets). */
export function describeNode(node: TopologyNode): { readonly role: "Source" | "Processor" | "Sink"; readonly detail: string } {
  switch (node.kind) {
    case "source":
      return { role: "Source", detail: `topic: ${node.topic}${node.internal ? ", repartition" : ""}${node.store ? `, table, store: ${node.store}` : ""}` };
    case "sink":
      return { role: "Sink", detail: `topic: ${node.topic ?? "picked per record"}${node.internal ? ", repartition" : ""}` };
    default:
      return { role: "Processor", detail: describeProcessor(node) };
  }
}

function describeProcessor(node: Exclude<TopologyNode, SourceNode | SinkNode>): string {
  switch (node.kind) {
    case "join":
      return `${node.left ? "left join" : "join"} ${node.store}, store: ${node.store}`;
    case "streamJoin":
      return `${describeStreamJoin(node)}, stores: ${node.thisStore}, ${node.otherStore}`;
    case "aggregate":
      return `aggregate, store: ${node.store}`;
    case "tableGroupBy":
      return "group table rows, old row subtracted, new row added";
    case "tableAggregate":
      return `aggregate table changes, store: ${node.store}`;
    case "windowedAggregate":
      return `aggregate, ${describeWindow(node.window)}, emit ${node.emit}, store: ${node.store}`;
    case "dedup":
      return `dedup by key${node.by ? " and expression" : ""} within ${node.withinMs} ms, store: ${node.store}`;
    case "merge":
      return "merge";
    case "branch": {
      const arms = node.arms.map((arm) => (arm.predicate ? arm.node : `${arm.node} (else)`));
      return `branch, first match: ${arms.join(", ")}`;
    }
    case "branchArm":
      return "branch arm";
    case "tableJoin": {
      const type = node.type === "inner" ? "join" : `${node.type} join`;
      return `table ${type}, stores: ${node.leftStore}, ${node.rightStore}`;
    }
    case "tableFilter":
      return "table filter";
    case "tableMapValues":
      return "table mapValues";
    case "foreignKeySend":
      return `foreign-key subscriptions, store: ${node.store}`;
    case "foreignKeySubscribe":
      return `foreign-key join with ${node.rightStore}, store: ${node.store}`;
    case "foreignKeyNotify":
      return `foreign-key responses to ${node.subscriptions}`;
    case "foreignKeyResponse":
      return `foreign-key ${node.type === "inner" ? "join" : "left join"} ${node.joinedAs}, store: ${node.leftStore}`;
    case "materialize":
      return `${node.window ? "windowed table" : "table"}, store: ${node.store}`;
    default:
      return node.kind;
  }
}

/** What kind of store it is, as `describe` says it before its changelog: "window store", or nothing for a plain key-value store. */
export function describeStoreKind(store: StoreDescription): string {
  return STORE_KIND_SHOWN[store.kind];
}

/** How `describe` names each kind of store (a key-value store is the plain kind: not named). */
const STORE_KIND_SHOWN: Record<StoreDescription["kind"], string> = {
  keyValue: "",
  subscriptions: "",
  window: "window store",
  dedup: "dedup store",
  joinBuffer: "join buffer",
};

function describeWindow(window: WindowSpec): string {
  if (window.kind === "session") return `session windows: gap ${window.gapMs} ms, grace ${window.graceMs} ms`;
  if (window.kind === "sliding") return `sliding windows: time difference ${window.differenceMs} ms, grace ${window.graceMs} ms`;
  if (window.advanceMs === window.sizeMs) return `tumbling windows: size ${window.sizeMs} ms, grace ${window.graceMs} ms`;
  return `hopping windows: size ${window.sizeMs} ms, advance ${window.advanceMs} ms, grace ${window.graceMs} ms`;
}

function describeStreamJoin(node: StreamJoinNode): string {
  const type = node.type === "inner" ? "join" : `${node.type} join`;
  const { beforeMs, afterMs, graceMs } = node.window;
  const within = beforeMs === afterMs ? `${beforeMs} ms` : `${beforeMs} ms before and ${afterMs} ms after`;
  return `${type} ${node.other} within ${within}, grace ${graceMs} ms`;
}

function splitIntoSubtopologies(nodes: readonly TopologyNode[], stores: readonly StoreDescription[]): SubTopology[] {
  // Union the nodes joined by parent links; a repartition topic joins nothing,
  // since its writing sink and its reading source are separate nodes.
  const root = new Map<string, string>();
  const find = (name: string): string => {
    let current = name;
    while (root.get(current) !== current) current = root.get(current)!;
    return current;
  };
  for (const node of nodes) root.set(node.name, node.name);
  for (const node of nodes) {
    // A merge joins its parents: one task reads all the merged streams' partitions, in time order.
    for (const parent of parentsOf(node)) root.set(find(node.name), find(parent));
    // A join reads the table's store: the table's source and the stream share a task.
    if (node.kind === "join") root.set(find(node.name), find(node.table));
    // A table-table join reads both tables' stores: both tables share a task.
    if (node.kind === "tableJoin") root.set(find(node.name), find(node.other));
    // A foreign-key join's processors that read a table's store share its task.
    if (node.kind === "foreignKeySubscribe" || node.kind === "foreignKeyResponse") root.set(find(node.name), find(node.table));
  }
  const groups = new Map<string, TopologyNode[]>();
  for (const node of nodes) {
    const group = groups.get(find(node.name)) ?? [];
    group.push(node);
    groups.set(find(node.name), group);
  }
  return [...groups.values()].map((group, id) => {
    const names = new Set(group.map((n) => n.name));
    return {
      id,
      nodes: group,
      sourceTopics: group.filter((n): n is SourceNode => n.kind === "source").map((n) => n.topic),
      stores: stores.filter((s) => names.has(s.node)),
    };
  });
}

