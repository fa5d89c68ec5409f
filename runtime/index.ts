// weir's public runtime API: what generated topologies and embedding
// applications import. Everything under internal/ may change without notice.
export * from "./topology.ts";
export * from "./formats.ts";
export { fn } from "./functions.ts";
export { z } from "zod";
export * from "./errors.ts";
export type { CommitInfo, Engine, RunOptions, RunSummary, StoreRestoration } from "./engine.ts";
export {
  createEmbeddedEngine,
  embeddedDatabasePath,
  openEmbeddedLog,
  runEmbedded,
  type ConsumedRecord,
  type ConsumeOptions,
  type EmbeddedLog,
  type EmbeddedOptions,
  type EmbeddedRunOptions,
  type ProducedRecord,
  type ProduceRecord,
  type TopicInfo,
} from "./embedded.ts";
export { isMainModule, readServiceSettings, runService, ServiceSettings, SettingsError } from "./service.ts";
export {
  createKafkaEngine,
  runKafka,
  withApplicationId,
  type Guarantee,
  type KafkaRunOptions,
  type KafkaSasl,
  type KafkaSettings,
} from "./kafka.ts";
