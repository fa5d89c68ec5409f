// weir's public runtime API: what generated topologies and embedding
// applications import. Everything under internal/ may change without notice.
export * from "./topology/dsl.ts";
export * from "./topology/graph.ts";
export * from "./topology/nodes.ts";
export * from "./topology/stores.ts";
export * from "./formats.ts";
export * from "./windows.ts";
export * from "./aggregations.ts";
export { fn } from "./functions.ts";
export { op } from "./operators.ts";
export { z } from "zod";
export * from "./errors.ts";
export type { ApplicationReset } from "./application-reset.ts";
export type { RecordTypes, TableTypes, TopicTypes, TypedTopology } from "./record-types.ts";
export type { CommitInfo, Engine, Guarantee, RunOptions, RunSummary, StoreRestoration } from "./engine.ts";
export type { ConsumedRecord, ProducedRecord, ProduceRecord } from "./records.ts";
export {
  createEmbeddedEngine,
  embeddedDatabasePath,
  openEmbeddedLog,
  resetEmbedded,
  runEmbedded,
  type ConsumeOptions,
  type EmbeddedLog,
  type EmbeddedOptions,
  type EmbeddedRunOptions,
  type TopicInfo,
} from "./embedded.ts";
export { isMainModule, readServiceSettings, runService, ServiceSettings, SettingsError, type ServiceOptions } from "./service.ts";
export { settingList, settingsTable, type EngineName, type NamedSetting, type Setting, type SettingFlag, type SettingKey, type SettingType, type SettingValue } from "./settings.ts";
// The Kafka engine is imported from "weir/kafka" (runtime/kafka.ts), so that
// loading the runtime does not load kafkajs; its types are here too.
export type { KafkaConsumeOptions, KafkaProduceOptions, KafkaRunOptions, KafkaSasl, KafkaSettings, PrintFormat } from "./kafka.ts";
export { describeShapeChange, resetCommand, STORE_SHAPE_EXIT_CODE, storeShapeRefusal, type ResetTarget, type StoreShape } from "./store-shape.ts";
