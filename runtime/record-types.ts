// The TypeScript types of a topology's records, carried by its type only (there
// is nothing at run time). `weir compile` writes them into the module it
// generates, as `TopologyTypes`, and types its `topology` with them:
//
//   export const topology: TypedTopology<TopologyTypes> = defineTopology(...)
//
// so that weir/testing's TopologyTestDriver types what is piped in and read out.
import type { Topology } from "./topology/graph.ts";

/** The key and value of the records of one topic. */
export interface TopicTypes {
  readonly key: unknown;
  readonly value: unknown;
}

/** A table's key and value; a windowed table has a row per key and window. */
export interface TableTypes extends TopicTypes {
  readonly windowed: boolean;
}

/** A topology without types (built at run time, or loaded without a type argument) has these: anything goes, all unknown. */
export interface RecordTypes {
  /** Topics the topology's sources read: what may be piped in (a schema's input type: optional fields may be left out). */
  readonly inputs: { readonly [topic: string]: TopicTypes };
  /** The fixed topics its sinks write (a topic picked per record is not known before). */
  readonly outputs: { readonly [topic: string]: TopicTypes };
  /** Its tables, by name (the name of the table's state store). */
  readonly tables: { readonly [table: string]: TableTypes };
}

declare const recordTypes: unique symbol;

/** A topology with the types of its records (a type only: any Topology is one). */
export type TypedTopology<T extends RecordTypes> = Topology & { readonly [recordTypes]?: T };
