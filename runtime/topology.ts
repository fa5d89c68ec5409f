// The topology builder that generated code calls, and the Topology it builds:
// a graph of named nodes, split into sub-topologies at repartition topics, with
// named state stores. Names given here are stable: internal topic names derive
// from the application id and these names, never from positions or counters,
// so that a redeployed topology finds its changelogs and repartition topics again.
import { WeirRuntimeError } from "./errors.ts";
import { formats, type Format } from "./formats.ts";

export interface StreamRecord<K, V> {
  readonly key: K;
  readonly value: V;
  /** Event time in epoch milliseconds. */
  readonly timestamp: number;
}

export interface KeyValue<K, V> {
  readonly key: K;
  readonly value: V;
}

export interface SourceOptions<K, V> {
  readonly topic: string;
  readonly key: Format<K>;
  readonly value: Format<V>;
  /** Event time from the value; absent: the record's own timestamp. */
  readonly timestamp?: (value: V) => number;
}

export interface SinkOptions<K, V> {
  readonly topic: string;
  readonly key: Format<K>;
  readonly value: Format<V>;
}

export interface AggregateOptions<K, V, A> {
  /** The state store's name; its changelog topic is `<application>-<store>-changelog`. */
  readonly store: string;
  readonly initializer: () => A;
  readonly adder: (aggregate: A, record: StreamRecord<K, V>) => A;
}

interface NodeBase {
  readonly name: string;
}

export interface SourceNode extends NodeBase {
  readonly kind: "source";
  readonly topic: string;
  readonly keyFormat: Format<unknown>;
  readonly valueFormat: Format<unknown>;
  readonly timestamp: ((value: unknown) => number) | undefined;
  /** Set for the reading side of a repartition topic. */
  readonly internal: boolean;
}

export interface FilterNode extends NodeBase {
  readonly kind: "filter";
  readonly parent: string;
  readonly predicate: (record: StreamRecord<unknown, unknown>) => boolean;
}

export interface MapNode extends NodeBase {
  readonly kind: "map";
  readonly parent: string;
  readonly mapper: (record: StreamRecord<unknown, unknown>) => KeyValue<unknown, unknown>;
}

export interface FlatMapNode extends NodeBase {
  readonly kind: "flatMap";
  readonly parent: string;
  readonly mapper: (record: StreamRecord<unknown, unknown>) => Iterable<KeyValue<unknown, unknown>>;
}

export interface AggregateNode extends NodeBase {
  readonly kind: "aggregate";
  readonly parent: string;
  readonly store: string;
  readonly initializer: () => unknown;
  readonly adder: (aggregate: unknown, record: StreamRecord<unknown, unknown>) => unknown;
}

export interface SinkNode extends NodeBase {
  readonly kind: "sink";
  readonly parent: string;
  readonly topic: string;
  readonly keyFormat: Format<unknown>;
  readonly valueFormat: Format<unknown>;
  /** Set for the writing side of a repartition topic. */
  readonly internal: boolean;
}

export type TopologyNode = SourceNode | FilterNode | MapNode | FlatMapNode | AggregateNode | SinkNode;

export interface StoreDescription {
  readonly name: string;
  readonly changelogTopic: string;
  /** The aggregate node that owns the store. */
  readonly node: string;
}

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
    this.stores = nodes
      .filter((node): node is AggregateNode => node.kind === "aggregate")
      .map((node) => ({ name: node.store, changelogTopic: changelogTopicName(application, node.store), node: node.name }));
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
    return this.nodes.filter((n): n is SinkNode => n.kind === "sink" && !n.internal).map((n) => n.topic);
  }

  get repartitionTopics(): string[] {
    return this.nodes.filter((n): n is SinkNode => n.kind === "sink" && n.internal).map((n) => n.topic);
  }

  node(name: string): TopologyNode {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new TopologyError(`no node named ${name}`);
    return node;
  }

  children(name: string): TopologyNode[] {
    return this.nodes.filter((n) => n.kind !== "source" && n.parent === name);
  }

  /** The topology as text, in the spirit of Kafka Streams' TopologyDescription. */
  describe(): string {
    const lines: string[] = [`Topology: ${this.application}`];
    for (const sub of this.subtopologies) {
      lines.push(`  Sub-topology ${sub.id}`);
      for (const node of sub.nodes) {
        const next = this.children(node.name).map((c) => c.name);
        const arrow = next.length > 0 ? ` --> ${next.join(", ")}` : "";
        switch (node.kind) {
          case "source":
            lines.push(`    Source: ${node.name} (topic: ${node.topic}${node.internal ? ", repartition" : ""})${arrow}`);
            break;
          case "sink":
            lines.push(`    Sink: ${node.name} (topic: ${node.topic}${node.internal ? ", repartition" : ""}) <-- ${node.parent}`);
            break;
          case "aggregate":
            lines.push(`    Processor: ${node.name} (aggregate, store: ${node.store})${arrow} <-- ${node.parent}`);
            break;
          default:
            lines.push(`    Processor: ${node.name} (${node.kind})${arrow} <-- ${node.parent}`);
        }
      }
    }
    lines.push("  State stores:");
    if (this.stores.length === 0) lines.push("    (none)");
    for (const store of this.stores) lines.push(`    ${store.name} (changelog: ${store.changelogTopic})`);
    lines.push("  Repartition topics:");
    if (this.repartitionTopics.length === 0) lines.push("    (none)");
    for (const topic of this.repartitionTopics) lines.push(`    ${topic}`);
    lines.push(`  Dead-letter topic: ${this.deadLetterTopic}`);
    return lines.join("\n");
  }
}

export function changelogTopicName(application: string, store: string): string {
  return `${application}-${store}-changelog`;
}

export function repartitionTopicName(application: string, name: string): string {
  return `${application}-${name}-repartition`;
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
    if (node.kind !== "source") root.set(find(node.name), find(node.parent));
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

// ---------------------------------------------------------------- the builder

export class TopologyBuilder {
  readonly application: string;
  private readonly nodes: TopologyNode[] = [];

  constructor(application: string) {
    this.application = application;
  }

  stream<K, V>(name: string, options: SourceOptions<K, V>): KStream<K, V> {
    this.add({
      kind: "source",
      name,
      topic: options.topic,
      keyFormat: options.key as Format<unknown>,
      valueFormat: options.value as Format<unknown>,
      timestamp: options.timestamp as ((value: unknown) => number) | undefined,
      internal: false,
    });
    return new KStream<K, V>(this, name);
  }

  /** @internal used by KStream and KTable */
  add(node: TopologyNode): void {
    if (this.nodes.some((n) => n.name === node.name)) {
      throw new TopologyError(`two nodes are named ${node.name}: node names must be unique`);
    }
    if (node.kind === "aggregate" && this.nodes.some((n) => n.kind === "aggregate" && n.store === node.store)) {
      throw new TopologyError(`two state stores are named ${node.store}: store names must be unique`);
    }
    this.nodes.push(node);
  }

  build(): Topology {
    return new Topology(this.application, [...this.nodes]);
  }
}

export class KStream<K, V> {
  constructor(
    private readonly builder: TopologyBuilder,
    /** The name of the node whose output this stream is. */
    readonly node: string,
  ) {}

  filter(name: string, predicate: (record: StreamRecord<K, V>) => boolean): KStream<K, V> {
    this.builder.add({ kind: "filter", name, parent: this.node, predicate: predicate as FilterNode["predicate"] });
    return new KStream<K, V>(this.builder, name);
  }

  map<K2, V2>(name: string, mapper: (record: StreamRecord<K, V>) => KeyValue<K2, V2>): KStream<K2, V2> {
    this.builder.add({ kind: "map", name, parent: this.node, mapper: mapper as MapNode["mapper"] });
    return new KStream<K2, V2>(this.builder, name);
  }

  mapValues<V2>(name: string, mapper: (record: StreamRecord<K, V>) => V2): KStream<K, V2> {
    return this.map(name, (record) => ({ key: record.key, value: mapper(record) }));
  }

  selectKey<K2>(name: string, mapper: (record: StreamRecord<K, V>) => K2): KStream<K2, V> {
    return this.map(name, (record) => ({ key: mapper(record), value: record.value }));
  }

  flatMapValues<V2>(name: string, mapper: (record: StreamRecord<K, V>) => Iterable<V2>): KStream<K, V2> {
    const flat = function* (record: StreamRecord<K, V>): Iterable<KeyValue<K, V2>> {
      for (const value of mapper(record)) yield { key: record.key, value };
    };
    this.builder.add({ kind: "flatMap", name, parent: this.node, mapper: flat as FlatMapNode["mapper"] });
    return new KStream<K, V2>(this.builder, name);
  }

  /**
   * Writes the stream through the internal topic `<application>-<name>-repartition`,
   * so that records are partitioned by their (new) key before a stateful step.
   */
  repartition(name: string): KStream<K, V> {
    const topic = repartitionTopicName(this.builder.application, name);
    const json = formats.json() as Format<unknown>;
    this.builder.add({ kind: "sink", name: `${name}-repartition-sink`, parent: this.node, topic, keyFormat: json, valueFormat: json, internal: true });
    const source = `${name}-repartition-source`;
    this.builder.add({ kind: "source", name: source, topic, keyFormat: json, valueFormat: json, timestamp: undefined, internal: true });
    return new KStream<K, V>(this.builder, source);
  }

  aggregate<A>(name: string, options: AggregateOptions<K, V, A>): KTable<K, A> {
    this.builder.add({
      kind: "aggregate",
      name,
      parent: this.node,
      store: options.store,
      initializer: options.initializer,
      adder: options.adder as AggregateNode["adder"],
    });
    return new KTable<K, A>(this.builder, name);
  }

  to(name: string, options: SinkOptions<K, V>): void {
    this.builder.add({
      kind: "sink",
      name,
      parent: this.node,
      topic: options.topic,
      keyFormat: options.key as Format<unknown>,
      valueFormat: options.value as Format<unknown>,
      internal: false,
    });
  }
}

/** A table: every update to a key flows downstream as a change record (no caching: every change is emitted). */
export class KTable<K, V> {
  constructor(
    private readonly builder: TopologyBuilder,
    readonly node: string,
  ) {}

  toStream(): KStream<K, V> {
    return new KStream<K, V>(this.builder, this.node);
  }

  to(name: string, options: SinkOptions<K, V>): void {
    this.toStream().to(name, options);
  }
}

/** Builds a topology: `defineTopology("wordcount", (builder) => { ... })`. */
export function defineTopology(application: string, define: (builder: TopologyBuilder) => void): Topology {
  const builder = new TopologyBuilder(application);
  define(builder);
  return builder.build();
}
