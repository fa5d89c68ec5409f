// Turns a sub-topology's nodes into the functions a task calls per record: a
// source's records are decoded here, then each node's processor (built by its
// family's file in runtime/processors/, found through registry.ts) handles them
// and forwards what it makes to the node's children. Whatever a processor
// throws becomes a NodeFailure naming its node, in one place
// (`failuresChargedTo`), so that the task can dead-letter the record.
import { FormatError } from "../formats.ts";
import type { SubTopology, Topology } from "../topology/graph.ts";
import type { SourceNode, StreamRecord, TopologyNode } from "../topology/nodes.ts";
import type { Forward, Processor, ProcessorContext } from "../processors/processor.ts";
import { processorBuilderOf } from "../processors/registry.ts";
import type { LogRecord } from "./log-client.ts";
import { weirLocationOf } from "./source-location.ts";

/** A node's processor threw (a user's function, the encoding in a sink, ...) while processing a record. */
export class NodeFailure extends Error {
  override readonly name = "NodeFailure";
  constructor(
    readonly node: string,
    override readonly cause: unknown,
  ) {
    super(`node ${node} failed: ${describeError(cause)}`);
  }
}

/** `RangeError: negative amount (at shop.weir:14:22)`: the error, and where in the .weir file it happened when that is known. */
export function describeError(error: unknown): string {
  const location = weirLocationOf(error);
  return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)) + (location ? ` (at ${location})` : "");
}

/** A record read from a source topic, decoded; or why it cannot be processed. */
export type SourceRecord =
  | { readonly kind: "record"; readonly raw: LogRecord; readonly source: string; readonly record: StreamRecord<unknown, unknown> }
  | { readonly kind: "dead-letter"; readonly raw: LogRecord; readonly reason: string; readonly node?: string; readonly timestamp: number };

/**
 * Decodes a record with its source's formats and takes its event time. Done
 * when the record reaches the head of its partition's queue, because the task
 * orders records by this timestamp. A null key or value stays null.
 */
export function decodeSourceRecord(source: SourceNode, raw: LogRecord): SourceRecord {
  let key: unknown = null;
  let value: unknown = null;
  try {
    if (raw.key !== null) key = source.keyFormat.decode(raw.key);
  } catch (error) {
    if (error instanceof FormatError) return { kind: "dead-letter", raw, reason: `key ${error.message}`, timestamp: raw.timestamp };
    throw error;
  }
  try {
    if (raw.value !== null) value = source.valueFormat.decode(raw.value);
  } catch (error) {
    if (error instanceof FormatError) return { kind: "dead-letter", raw, reason: `value ${error.message}`, timestamp: raw.timestamp };
    throw error;
  }
  let timestamp = raw.timestamp;
  if (source.timestamp && value !== null) {
    try {
      timestamp = source.timestamp(value);
    } catch (error) {
      return { kind: "dead-letter", raw, reason: `timestamp extraction failed: ${describeError(error)}`, node: source.name, timestamp: raw.timestamp };
    }
    if (typeof timestamp !== "number" || !Number.isFinite(timestamp)) {
      const shown = typeof timestamp === "number" ? timestamp : JSON.stringify(timestamp);
      return { kind: "dead-letter", raw, reason: `timestamp extraction returned ${shown}, not epoch milliseconds`, node: source.name, timestamp: raw.timestamp };
    }
  }
  return { kind: "record", raw, source: source.name, record: { key, value, timestamp } };
}

/** The entry point of each source node of the sub-topology, by source node name. */
export function buildProcessors(topology: Topology, subtopology: SubTopology, context: ProcessorContext): Map<string, Forward> {
  const processors = new Map<string, Processor>();
  /** What a node forwards to: the entries of its children, each reached from this node. */
  const children = new Map<string, Map<string, Forward>>();
  const childrenOf = (node: TopologyNode): Map<string, Forward> => {
    let entries = children.get(node.name);
    if (!entries) {
      entries = new Map(topology.children(node.name).map((child) => [child.name, entryOf(child, node.name)]));
      children.set(node.name, entries);
    }
    return entries;
  };
  /** A node's processor as reached from `parent` (a join of two inputs has one per input), its failures charged to the node. */
  const entryOf = (node: TopologyNode, parent?: string): Forward => {
    let processor = processors.get(node.name);
    if (!processor) {
      const forwards = childrenOf(node);
      processor = processorBuilderOf(node)(node, {
        topology,
        context,
        forward: forwardTo([...forwards.values()]),
        child: (name) => forwards.get(name) ?? (() => {}),
      });
      processors.set(node.name, processor);
    }
    return failuresChargedTo(node.name, typeof processor === "function" ? processor : processor.fromParent(parent!));
  };
  const entries = new Map<string, Forward>();
  for (const node of subtopology.nodes) {
    if (node.kind === "source") entries.set(node.name, entryOf(node));
  }
  return entries;
}

/**
 * The one place a processor's failure is caught, as Kafka Streams'
 * ProcessorNode.process: whatever a node's processor throws (a user's
 * function, an encoding, a store refusing a value) is that node's failure, a
 * NodeFailure naming it, and the task dead-letters the record. A failure of a
 * node downstream is already a NodeFailure and goes up as it is: it is charged
 * to the node that failed, not to those that forwarded it the record.
 */
function failuresChargedTo(node: string, processor: Forward): Forward {
  return (record) => {
    try {
      processor(record);
    } catch (error) {
      if (error instanceof NodeFailure) throw error;
      throw new NodeFailure(node, error);
    }
  };
}

function forwardTo(children: Forward[]): Forward {
  if (children.length === 0) return () => {};
  if (children.length === 1) return children[0]!;
  return (record) => {
    for (const child of children) child(record);
  };
}
