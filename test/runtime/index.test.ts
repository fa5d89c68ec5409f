// weir/runtime's public API is the list in runtime/index.ts: generated code,
// services, weir/testing and weir/kafka import from it, and nothing of the
// runtime's internals (node types, processors, stores) is exported by accident.
import { describe, expect, it } from "vitest";
import * as runtime from "../../runtime/index.ts";

describe("weir/runtime", () => {
  it("exports exactly the values listed by name in runtime/index.ts", () => {
    expect(Object.keys(runtime).sort()).toEqual([
      "BrokerOutageError",
      "EngineStateError",
      "FormatError",
      "IllegalStateTransitionError",
      "KGroupedTable",
      "KStream",
      "KTable",
      "ProducerFencedError",
      "STORE_SHAPE_EXIT_CODE",
      "ServiceSettings",
      "SettingsError",
      "StoreResetError",
      "StoreShapeError",
      "TopicError",
      "Topology",
      "TopologyBuilder",
      "TopologyError",
      "WeirRuntimeError",
      "WindowedKStream",
      "aggregations",
      "createEmbeddedEngine",
      "defineTopology",
      "describeShapeChange",
      "embeddedDatabasePath",
      "fn",
      "formats",
      "isMainModule",
      "op",
      "openEmbeddedLog",
      "readServiceSettings",
      "resetCommand",
      "resetEmbedded",
      "resetEmbeddedStores",
      "runEmbedded",
      "runService",
      "settingList",
      "settingsTable",
      "storeShapeRefusal",
      "windows",
      "z",
    ]);
  });
});
