// weir's public runtime API (`weir/runtime`): what generated topologies,
// compiled services, weir/testing, weir/kafka and embedding applications
// import, listed by name. Anything not listed here (node types, processors,
// stores, the engines' internals under internal/) may change without notice.

// Building a topology: what generated code calls, and what it is made of.
export {
  defineTopology,
  KGroupedTable,
  KStream,
  KTable,
  TopologyBuilder,
  WindowedKStream,
  type AggregateFunctions,
  type AggregateOptions,
  type AggregatorOption,
  type BranchArm,
  type ForeignKeyJoinOptions,
  type SinkOptions,
  type SourceOptions,
  type StreamJoinOptions,
  type TableSourceOptions,
  type WindowedAggregateOptions,
} from "./topology/dsl.ts";
export { Topology, TopologyError } from "./topology/graph.ts";
export type { HeaderValues, KeyValue, RecordOf, StreamJoinType, StreamRecord, WindowedRecord } from "./topology/nodes.ts";
export {
  FormatError,
  formats,
  type Format,
  type FormatName,
  type WindowedFormat,
  type WindowedKey,
  type WindowKind,
} from "./formats.ts";
export { windows, type EmitMode, type JoinWindowSpec, type TimeWindow, type WindowSpec } from "./windows.ts";
export { aggregations, type Aggregations, type Aggregator, type Summed, type Timestamped, type UserAggregate } from "./aggregations.ts";
export { fn } from "./functions.ts";
export { op } from "./operators.ts";
export { z } from "zod";
export type { RecordTypes, TableTypes, TopicTypes, TypedTopology } from "./record-types.ts";

// Errors: one hierarchy under WeirRuntimeError.
export { BrokerOutageError, EngineStateError, IllegalStateTransitionError, ProducerFencedError, StoreResetError, StoreShapeError, TopicError, WeirRuntimeError } from "./errors.ts";

// Running a topology: the engine contract, records as tools write and read them, the embedded engine, compiled services.
export type { CommitInfo, Engine, Guarantee, RunOptions, RunSummary, StoreRestoration } from "./engine.ts";
export type { ConsumedRecord, ProducedRecord, ProduceRecord } from "./records.ts";
export {
  createEmbeddedEngine,
  embeddedDatabasePath,
  openEmbeddedLog,
  resetEmbedded,
  resetEmbeddedStores,
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

// State: what a store holds, and resetting an application whose stores changed shape.
export type { ApplicationReset, ResetPosition, RewoundInput, StoreReset, StoreResetPlan } from "./application-reset.ts";
export { describeShapeChange, resetCommand, STORE_SHAPE_EXIT_CODE, storeShapeRefusal, type ResetTarget, type StoreShape } from "./store-shape.ts";
