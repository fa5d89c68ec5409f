// The walk that turns a sub-topology into per-record functions, and its one
// failure wrapper: whatever a processor throws is a NodeFailure naming that
// node; a failure downstream goes up as it is, charged to the node that failed.
import { describe, expect, it } from "vitest";
import { formats } from "../../../runtime/formats.ts";
import { buildProcessors, NodeFailure } from "../../../runtime/internal/processors.ts";
import { RecordCollectorImpl } from "../../../runtime/internal/record-collector.ts";
import { StateManager } from "../../../runtime/internal/state-manager.ts";
import type { ProcessorContext } from "../../../runtime/processors/processor.ts";
import { PickedTopicError } from "../../../runtime/processors/sink.ts";
import type { Topology } from "../../../runtime/topology/graph.ts";
import { defineTopology } from "../../../runtime/topology/dsl.ts";

function entriesOf(topology: Topology) {
  const subtopology = topology.subtopologies[0]!;
  const stores = new StateManager("0_0", subtopology.stores, 0);
  const collector = new RecordCollectorImpl(() => 1);
  const context: ProcessorContext = {
    collector,
    store: (name) => stores.store(name),
    storeOfKind: (name, kind) => stores.storeOfKind(name, kind),
    recordCache: (name, rows) => stores.recordCache(name, rows),
    streamTime: () => 0,
    late: () => {},
    leftBehind: () => {},
    reservedTopics: () => new Set(topology.sourceTopics),
  };
  return { entries: buildProcessors(topology, subtopology, context), collector };
}

function failureOf(run: () => void): NodeFailure {
  try {
    run();
  } catch (error) {
    if (error instanceof NodeFailure) return error;
    throw error;
  }
  throw new Error("nothing failed");
}

const topology = defineTopology("app", (builder) => {
  const numbers = builder.stream("numbers", { topic: "numbers", key: formats.string(), value: formats.json<number>() });
  numbers
    .filter("positive", (r) => {
      if (r.value === 13) throw new RangeError("unlucky");
      return r.value > 0;
    })
    .mapValues("inverse", (r) => {
      if (r.value === 7) throw new TypeError("no inverse for 7");
      return 1 / r.value;
    })
    .to("out", { topic: (r) => (r.value === 0.5 ? "numbers" : "out"), key: formats.string(), value: formats.json() });
});

describe("buildProcessors", () => {
  it("charges what a processor throws to its node, and a failure downstream to the node downstream", () => {
    const { entries, collector } = entriesOf(topology);
    const source = entries.get("numbers")!;
    source({ key: "a", value: 4, timestamp: 1 });
    expect(collector.pending).toBe(1);

    const upstream = failureOf(() => source({ key: "a", value: 13, timestamp: 2 }));
    expect(upstream.node).toBe("positive");
    expect(upstream.cause).toEqual(new RangeError("unlucky"));
    expect(upstream.message).toBe("node positive failed: RangeError: unlucky");

    // Thrown inside mapValues, called by filter's forward: still mapValues' failure.
    const downstream = failureOf(() => source({ key: "a", value: 7, timestamp: 3 }));
    expect(downstream.node).toBe("inverse");
    expect(downstream.message).toBe("node inverse failed: TypeError: no inverse for 7");

    // A sink that picks one of the application's own topics fails with the reason the task dead-letters it with.
    const sink = failureOf(() => source({ key: "a", value: 2, timestamp: 4 }));
    expect(sink.node).toBe("out");
    expect(sink.cause).toBeInstanceOf(PickedTopicError);
    expect((sink.cause as PickedTopicError).reason).toBe("reserved-topic");
  });
});
