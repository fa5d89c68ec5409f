// `weir/testing`: run a topology against an in-memory embedded log, without a
// broker or files, in the spirit of Kafka Streams' TopologyTestDriver.
//
//   const driver = new TopologyTestDriver(topology);
//   driver.pipeInput("text-lines", [{ value: "a b a" }]);
//   await driver.run();
//   driver.readOutput("word-counts"); // [{ key: "a", value: 1, ... }, ...]
import { createEmbeddedEngine, openEmbeddedLog, type ConsumedRecord, type EmbeddedLog } from "./embedded.ts";
import type { Engine, RunOptions, RunSummary } from "./engine.ts";
import { TopologyError, type Topology } from "./topology.ts";
// The compiler's "did you mean": a leaf module without dependencies. Services never load
// this file (it is not part of the runtime's index), so they do not load it either.
import { didYouMean } from "../compiler/suggest.ts";

export interface TestRecord {
  readonly key?: unknown;
  readonly value: unknown;
  /** Epoch milliseconds; default the driver's clock, which starts at 0 and moves 1 ms per piped record. */
  readonly timestamp?: number;
}

export interface TopologyTestDriverOptions {
  /** Partition counts of the input topics the driver creates; default 1. */
  readonly partitions?: Readonly<Record<string, number>>;
  /** Options for each `run()` (e.g. maxRecordsPerCommit). */
  readonly run?: Omit<RunOptions, "follow" | "signal">;
}

export class TopologyTestDriver {
  /** The in-memory log, to inspect anything the driver does not show. */
  readonly log: EmbeddedLog;
  private readonly engine: Engine;
  private readonly read = new Map<string, number>();
  private clock = 0;

  constructor(
    readonly topology: Topology,
    private readonly options: TopologyTestDriverOptions = {},
  ) {
    this.log = openEmbeddedLog(":memory:");
    this.engine = createEmbeddedEngine({ log: this.log });
  }

  /**
   * Appends records to a topic (created if missing). Keys and values are
   * encoded with the formats of the source that reads the topic; a Buffer is
   * written as is (to test undecodable input).
   */
  pipeInput(topic: string, records: readonly TestRecord[]): void {
    this.log.createTopic(topic, this.options.partitions?.[topic] ?? 1);
    const source = this.topology.nodes.find((node) => node.kind === "source" && node.topic === topic);
    const encode = (format: { encode(value: unknown): Buffer } | undefined, value: unknown): unknown => {
      if (value === null || value === undefined || Buffer.isBuffer(value) || !format) return value;
      return format.encode(value);
    };
    this.log.produce(
      topic,
      records.map((record) => ({
        key: encode(source?.kind === "source" ? source.keyFormat : undefined, record.key),
        value: encode(source?.kind === "source" ? source.valueFormat : undefined, record.value),
        timestamp: record.timestamp ?? this.clock++,
      })),
    );
  }

  /** Processes everything piped so far, until drained. */
  run(): Promise<RunSummary> {
    return this.engine.run(this.topology, this.options.run);
  }

  /** The records of a topic not read yet, decoded (JSON values parsed), in partition then offset order. */
  readOutput(topic: string): ConsumedRecord[] {
    const records = this.log.consume(topic).filter((record) => record.offset >= (this.read.get(`${topic}-${record.partition}`) ?? 0));
    for (const record of records) this.read.set(`${topic}-${record.partition}`, record.offset + 1);
    return records;
  }

  /**
   * A table's contents as of the last commit: the latest value of each key in
   * the changelog of the state store named `store` (for a compiled .weir file,
   * the table's name). Keys are decoded from JSON; deleted keys are absent.
   */
  readTable(store: string): Map<unknown, unknown> {
    const description = this.topology.stores.find((s) => s.name === store);
    if (!description) {
      const names = this.topology.stores.map((s) => s.name).join(", ") || "none";
      throw new TopologyError(`no state store named ${store} (the topology's stores: ${names})`);
    }
    // Changelogs are JSON topics: consume decodes keys and values. Keys are
    // compared by their JSON text, as the store does, so that record keys work.
    const latest = new Map<string, { key: unknown; value: unknown }>();
    for (const record of this.log.consume(description.changelogTopic)) {
      const keyText = JSON.stringify(record.key);
      if (record.value === null) latest.delete(keyText);
      else latest.set(keyText, { key: record.key, value: record.value });
    }
    return new Map([...latest.values()].map(({ key, value }) => [key, value]));
  }

  async close(): Promise<void> {
    await this.engine.close();
    this.log.close();
  }
}

/**
 * Why records written to `topic` would never be read by the topology: no
 * source reads it. Undefined when a source does. (`weir run --input` and
 * `pipeInput` both refuse such a topic, with this message.)
 */
export function unreadInputProblem(topology: Topology, topic: string): string | undefined {
  const sources = [...new Set(topology.sourceTopics)];
  if (sources.includes(topic)) return undefined;
  const close = didYouMean(topic, sources);
  return `no source reads topic '${topic}' (sources: ${sources.join(", ") || "none"})${close ? `: ${close}` : ""}`;
}
