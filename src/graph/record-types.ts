// The key and value types of the records each node of a compiled topology
// sends on, read from the plan: the checker decided every step's input shape
// and every collection's shape once (compiler/check/checked-file.ts), and
// the planner wrote them into the plan. Nothing here infers a type; it only
// says which planned fact belongs to which node.
import type { CollectionPlan, FormatPlan, TopologyPlan } from "../../compiler/plan.ts";
import type { Shape } from "../../compiler/check.ts";
import { typeToString } from "../../compiler/types.ts";

/** The types of records on an edge, as the language writes them (`string`, `Order`, `windowed<string>`). */
export interface RecordTypes {
  readonly key: string;
  readonly value: string;
}

export interface PlannedRecordTypes {
  /** What each planned node sends on, by node name. Nodes the plan does not name (internal topics' ends) are not here. */
  readonly output: ReadonlyMap<string, RecordTypes>;
  /** What each sink writes to its topic, by sink node name: its key and value formats' types. */
  readonly written: ReadonlyMap<string, RecordTypes>;
}

export function plannedRecordTypes(plan: TopologyPlan): PlannedRecordTypes {
  const output = new Map<string, RecordTypes>();
  const written = new Map<string, RecordTypes>();
  for (const collection of plan.collections) collectionTypes(collection, output);
  for (const sink of plan.sinks) {
    const key = windowed(formatType(sink.keyFormat), sink.windowedKey);
    const value = formatType(sink.valueFormat);
    written.set(sink.node, { key, value });
    // `value EXPR` computed before the sink: the record's key, the value written.
    if (sink.valueNode) output.set(sink.valueNode, { key: windowed(typeToString(sink.shape.key), sink.shape.window), value });
  }
  return { output, written };
}

function collectionTypes(collection: CollectionPlan, output: Map<string, RecordTypes>): void {
  const start = collection.start;
  // A source's node and a branch's arms are named after the collection.
  if (start.kind === "source" || start.kind === "branch") output.set(collection.name, shapeTypes(collection.shape));
  if (start.kind === "branch") output.set(start.node, shapeTypes(start.input));
  const operations = collection.operations;
  operations.forEach((operation, index) => {
    if (!("node" in operation)) return;
    // What a step sends on is what the next step that reads records was checked to receive;
    // the operations between (a repartition, a materialization) keep the records' types.
    const next = operations.slice(index + 1).find((later) => "input" in later);
    output.set(operation.node, shapeTypes(next && "input" in next ? next.input : collection.shape));
  });
}

function shapeTypes(shape: Shape): RecordTypes {
  return { key: windowed(typeToString(shape.key), shape.window), value: typeToString(shape.value) };
}

/** A windowed table's key is the key with its window, as Kafka Streams' Windowed<K>. */
function windowed(key: string, window: "time" | "session" | undefined): string {
  return window ? `windowed<${key}>` : key;
}

/** The type a format writes: text is a string whatever it was made from; JSON has the type the planner gave it. */
function formatType(format: FormatPlan): string {
  return format.kind === "string" ? "string" : typeToString(format.type);
}
