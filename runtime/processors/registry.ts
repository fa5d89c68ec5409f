// Every kind of node's processor builder, by kind, from the families' files.
// Typed as ProcessorBuilders: a node kind added to nodes.ts without a
// processor here does not compile.
import { dedupProcessors } from "./dedup.ts";
import { foreignKeyProcessors } from "./foreign-key.ts";
import type { ProcessorBuilder, ProcessorBuilders } from "./processor.ts";
import { sinkProcessors } from "./sink.ts";
import { statelessProcessors } from "./stateless.ts";
import { streamJoinProcessors } from "./stream-join.ts";
import { tableProcessors } from "./table.ts";
import { windowedProcessors } from "./windowed.ts";
import type { TopologyNode } from "../topology/nodes.ts";

const PROCESSOR_BUILDERS: ProcessorBuilders = {
  ...statelessProcessors,
  ...dedupProcessors,
  ...tableProcessors,
  ...windowedProcessors,
  ...streamJoinProcessors,
  ...foreignKeyProcessors,
  ...sinkProcessors,
};

/** The builder of a node's processor. */
export function processorBuilderOf<N extends TopologyNode>(node: N): ProcessorBuilder<N> {
  // Each kind's builder takes that kind's node: TypeScript cannot follow `node.kind` into the mapped type.
  return PROCESSOR_BUILDERS[node.kind] as ProcessorBuilder<never> as ProcessorBuilder<N>;
}
