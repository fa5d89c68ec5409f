// The Kafka engine's public face: run a topology on a Kafka cluster through
// kafkajs, exactly-once (a transactional producer per task) or at-least-once.
// See docs/kafka.md.
import { logLevel as kafkaLogLevel, type SASLOptions } from "kafkajs";
import { checkNamedStores, internalTopicsOf, keptTopicsOf, planStoreReset, type ApplicationReset, type StoreReset } from "./application-reset.ts";
import type { Engine, Guarantee, RunOptions, RunSummary } from "./engine.ts";
import type { ConsumedRecord, ProduceRecord } from "./records.ts";
import { EngineStateError, TopicError, WeirRuntimeError } from "./errors.ts";
import { Topology } from "./topology/graph.ts";
import type { TopologyNode } from "./topology/nodes.ts";
import { KafkaEngineImpl } from "./internal/kafka-engine.ts";
import { KafkaLogClientImpl, type KafkaClientSettings } from "./internal/kafka-log-client-impl.ts";
import { PlatformaticKafkaLogClient } from "./internal/kafka-log-client-platformatic.ts";
import type { ProducerRecord } from "./internal/log-client.ts";
import { partitionForKey } from "./internal/partitioner.ts";
import { BROKER_ADDRESSES_EXPECTED, isBrokerAddress, splitBrokerAddresses } from "./internal/broker-addresses.ts";
import { decodeForPrint, toRecordBytes, type PrintFormat } from "./internal/record-bytes.ts";
import { settingList, settingsTable, withRunDefaults } from "./settings.ts";

export type { PrintFormat } from "./internal/record-bytes.ts";

export type { Guarantee } from "./engine.ts";

export interface KafkaSasl {
  readonly mechanism: "plain" | "scram-sha-256" | "scram-sha-512";
  readonly username: string;
  readonly password: string;
}

/**
 * How to reach the cluster and run on it. Each setting's default, environment
 * variable and `weir run` flag: runtime/settings.ts (docs/settings.md).
 */
export interface KafkaSettings {
  /** `host:port`, several separated by commas, or a list. */
  readonly brokers: string | readonly string[];
  /** Names the application's connections in broker logs. */
  readonly clientId?: string;
  /**
   * Runs the topology under this application id instead of the one it was
   * written with: the consumer group, the transactional ids and the internal
   * topics (`<id>-<store>-changelog`, `<id>-<name>-repartition`, `<id>-dlq`) follow it.
   */
  readonly applicationId?: string;
  /** Exactly-once (a transaction per task and commit) or at-least-once. */
  readonly guarantee?: Guarantee;
  readonly ssl?: boolean;
  readonly sasl?: KafkaSasl;
  /** Upper bound of one transaction, in ms; must exceed the commit interval (GUIDE fact 7). */
  readonly transactionTimeoutMs?: number;
  /** First retry delay of the Kafka clients, in ms (kafkajs' default is 300: see docs/kafka.md). */
  readonly retryInitialMs?: number;
  /** Replication factor of the topics weir creates (unset: the broker's default.replication.factor). */
  readonly replicationFactor?: number;
  /** kafkajs' own log lines, on stderr; failures reach the caller as errors whatever the level. */
  readonly logLevel?: "nothing" | "error" | "warn" | "info" | "debug";
  /**
   * Consumer group: the coordinator drops an instance it has not heard from
   * for this long, and its tasks move to the others. The broker bounds it
   * (group.min.session.timeout.ms, 6000, to group.max.session.timeout.ms).
   */
  readonly sessionTimeoutMs?: number;
  /** Consumer group: how often an instance tells the coordinator it is alive; below the session timeout. */
  readonly heartbeatIntervalMs?: number;
  /**
   * Consumer group: how long a rebalance waits for every instance to commit
   * and rejoin; one that takes longer is dropped and its tasks move.
   */
  readonly rebalanceTimeoutMs?: number;
  /**
   * A task with several inputs (a join, a merge) that has records on some and
   * none on another, which is at its end, waits this long for the other to
   * get more before it goes ahead without it: so that records written a
   * moment apart are still processed in timestamp order (Kafka Streams'
   * max.task.idle.ms; docs/kafka.md). 0: never wait at an end.
   */
  readonly maxTaskIdleMs?: number;
  /**
   * How long Kafka may keep failing (unreachable, or answering that it is not
   * ready: a coordinator or leader moving) before a run gives up, counted from
   * the first failure since the run last made progress (a commit, or a round
   * with nothing left to commit); rejoining the group is not progress.
   * Shorter outages are ridden out: the tasks' uncommitted work is dropped
   * and redone from their last commit once Kafka answers (docs/kafka.md,
   * "Broker outages"). 0: give up at the first such failure.
   */
  readonly brokerOutageMs?: number;
}

export interface KafkaRunOptions extends RunOptions, KafkaSettings {}

/** Internal: what createKafkaEngine builds from, with test hooks. */
export interface KafkaEngineInternals {
  readonly beforeEndTransaction?: KafkaClientSettings["beforeEndTransaction"];
  readonly socketFactory?: KafkaClientSettings["socketFactory"];
}

/** An engine over a Kafka cluster; closing it disconnects every client it opened. */
export function createKafkaEngine(settings: KafkaSettings, internals: KafkaEngineInternals = {}): Engine {
  const brokers = brokerList(settings.brokers);
  const guarantee = settings.guarantee ?? settingsTable.guarantee.default;
  if (guarantee !== "exactly_once" && guarantee !== "at_least_once") {
    throw new WeirRuntimeError(`guarantee must be exactly_once or at_least_once, not ${String(guarantee)}`);
  }
  const transactionTimeoutMs = settings.transactionTimeoutMs ?? settingsTable.transactionTimeoutMs.default;
  const group = groupTimings(settings);
  const maxTaskIdleMs = settings.maxTaskIdleMs ?? settingsTable.maxTaskIdleMs.default;
  if (!Number.isInteger(maxTaskIdleMs) || maxTaskIdleMs < 0) throw new WeirRuntimeError(`maxTaskIdleMs must be a whole number of milliseconds >= 0, not ${maxTaskIdleMs}`);
  const brokerOutageMs = settings.brokerOutageMs ?? settingsTable.brokerOutageMs.default;
  if (!Number.isInteger(brokerOutageMs) || brokerOutageMs < 0) throw new WeirRuntimeError(`brokerOutageMs must be a whole number of milliseconds >= 0, not ${brokerOutageMs}`);
  const client = clientFor(brokers, settings, internals);
  const engine = new KafkaEngineImpl(client, { guarantee, ...group, maxTaskIdleMs, brokerOutageMs, brokers, onClose: () => client.close() });
  const applicationId = settings.applicationId;
  return {
    run(topology: Topology, options: RunOptions = {}): Promise<RunSummary> {
      const runOptions = withRunDefaults(options);
      const interval = runOptions.commitIntervalMs!;
      if (guarantee === "exactly_once" && interval >= transactionTimeoutMs) {
        return Promise.reject(
          new EngineStateError(`the commit interval (${interval} ms) must be shorter than the transaction timeout (${transactionTimeoutMs} ms)`),
        );
      }
      return engine.run(applicationId ? withApplicationId(topology, applicationId) : topology, runOptions);
    },
    close: () => engine.close(),
  };
}

/** The consumer-group timings, checked against each other (the broker checks the session timeout against its own bounds). */
function groupTimings(settings: KafkaSettings): { sessionTimeoutMs: number; heartbeatIntervalMs: number; rebalanceTimeoutMs: number } {
  const timings = {
    sessionTimeoutMs: settings.sessionTimeoutMs ?? settingsTable.sessionTimeoutMs.default,
    heartbeatIntervalMs: settings.heartbeatIntervalMs ?? settingsTable.heartbeatIntervalMs.default,
    rebalanceTimeoutMs: settings.rebalanceTimeoutMs ?? settingsTable.rebalanceTimeoutMs.default,
  };
  for (const [name, value] of Object.entries(timings)) {
    if (!Number.isInteger(value) || value < 1) throw new WeirRuntimeError(`${name} must be a whole number of milliseconds >= 1, not ${value}`);
  }
  if (timings.heartbeatIntervalMs >= timings.sessionTimeoutMs) {
    throw new WeirRuntimeError(
      `the heartbeat interval (${timings.heartbeatIntervalMs} ms) must be shorter than the session timeout (${timings.sessionTimeoutMs} ms); a third of it is usual`,
    );
  }
  return timings;
}

/**
 * The client library behind the port, while the two are measured against each
 * other (docs/kafka-clients.md): kafkajs unless WEIR_KAFKA_CLIENT=platformatic.
 * An environment variable, not a setting, until platformatic runs the whole
 * Kafka suite.
 */
function clientLibrary(): typeof KafkaLogClientImpl {
  const chosen = process.env.WEIR_KAFKA_CLIENT ?? "kafkajs";
  if (chosen === "kafkajs") return KafkaLogClientImpl;
  if (chosen === "platformatic") return PlatformaticKafkaLogClient;
  throw new WeirRuntimeError(`WEIR_KAFKA_CLIENT must be kafkajs or platformatic, not "${chosen}"`);
}

function clientFor(brokers: readonly string[], settings: KafkaSettings, internals: KafkaEngineInternals = {}): KafkaLogClientImpl {
  const Client = clientLibrary();
  return new Client({
    brokers,
    clientId: settings.clientId ?? settingsTable.clientId.default,
    ...(settings.ssl ? { ssl: true } : {}),
    ...(settings.sasl ? { sasl: { mechanism: settings.sasl.mechanism, username: settings.sasl.username, password: settings.sasl.password } as SASLOptions } : {}),
    transactionTimeoutMs: settings.transactionTimeoutMs ?? settingsTable.transactionTimeoutMs.default,
    retryInitialMs: settings.retryInitialMs ?? settingsTable.retryInitialMs.default,
    ...(settings.replicationFactor !== undefined ? { replicationFactor: settings.replicationFactor } : {}),
    logLevel: toKafkaLogLevel(settings.logLevel ?? settingsTable.logLevel.default),
    ...(internals.beforeEndTransaction ? { beforeEndTransaction: internals.beforeEndTransaction } : {}),
    ...(internals.socketFactory ? { socketFactory: internals.socketFactory } : {}),
  });
}

function brokerList(brokers: KafkaSettings["brokers"]): string[] {
  const list = splitBrokerAddresses(brokers);
  if (list.length === 0) throw new WeirRuntimeError("give the Kafka engine at least one broker (host:port)");
  const bad = list.find((address) => !isBrokerAddress(address));
  if (bad !== undefined) throw new WeirRuntimeError(`brokers must be ${BROKER_ADDRESSES_EXPECTED}, not "${bad}"`);
  return list;
}

/** The options of `runKafka` that configure the engine (the settings table's KafkaSettings); the others are the run's. */
const settingNames: ReadonlySet<string> = new Set(settingList.filter((setting) => setting.of === "KafkaSettings").map((setting) => setting.key.split(".")[0]!));

/** Runs a topology on Kafka until drained (or, with `follow`, until `signal` fires), then disconnects. */
export async function runKafka(topology: Topology, options: KafkaRunOptions): Promise<RunSummary> {
  const settings: Record<string, unknown> = {};
  const runOptions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    (settingNames.has(key) ? settings : runOptions)[key] = value;
  }
  const engine = createKafkaEngine(settings as unknown as KafkaSettings);
  try {
    return await engine.run(topology, runOptions as RunOptions);
  } finally {
    await engine.close();
  }
}

/**
 * The same topology under another application id: its repartition topics,
 * which carry the application id in their names, are renamed with it.
 */
export function withApplicationId(topology: Topology, applicationId: string): Topology {
  if (applicationId === topology.application) return topology;
  const prefix = `${topology.application}-`;
  const rename = (topic: string) => (topic.startsWith(prefix) ? `${applicationId}-${topic.slice(prefix.length)}` : topic);
  const nodes = topology.nodes.map((node): TopologyNode => {
    if ((node.kind === "source" || node.kind === "sink") && node.internal) return { ...node, topic: rename(node.topic!) };
    return node;
  });
  return new Topology(applicationId, nodes);
}

/**
 * Resets the application on Kafka (application-reset.ts), as Kafka Streams'
 * kafka-streams-application-reset does, in this order:
 *
 *  1. Refuse while the application's consumer group has members: an instance
 *     still running would write to the topics being deleted.
 *  2. Delete the consumer group, and with it every offset it committed (also
 *     those of its repartition topics, deleted next).
 *  3. Commit each input topic's earliest offsets for the group, so that the
 *     next run (and `kafka-consumer-groups --describe`) starts there.
 *  4. Delete the internal topics that exist (changelogs, repartition topics)
 *     and wait until they are gone; the next run creates them anew.
 *
 * A reset that stopped half way can be run again. The sinks' topics and the
 * dead-letter topic are left as they are.
 */
export async function resetKafka(topology: Topology, settings: KafkaSettings): Promise<ApplicationReset> {
  const application = settings.applicationId ?? topology.application;
  const target = withApplicationId(topology, application);
  const client = clientFor(brokerList(settings.brokers), settings);
  const running = (members: number) =>
    new EngineStateError(`application '${application}' is running (its consumer group has ${members} active member(s)): stop every instance, then reset it`);
  try {
    await client.connect();
    const members = await client.groupMemberCount(application);
    if (members > 0) throw running(members);
    if (!(await client.deleteGroup(application))) throw running(await client.groupMemberCount(application));

    const existing = new Map((await client.topics()).map((topic) => [topic.name, topic.partitions]));
    const inputTopics = [...new Set(target.sourceTopics)].filter((topic) => existing.has(topic));
    const inputs = inputTopics.flatMap((topic) => [...Array(existing.get(topic)!).keys()].map((partition) => ({ topic, partition })));
    const earliest = await client.earliestOffsets(inputs);
    await client.commitOffsetsOutsideGroup(application, inputs.map((tp, i) => ({ ...tp, offset: earliest[i]! })));

    const deletedTopics = internalTopicsOf(target).filter((topic) => existing.has(topic));
    await client.deleteTopics(deletedTopics);
    return { application, deletedTopics, inputTopics, keptTopics: keptTopicsOf(target).filter((topic) => existing.has(topic)) };
  } finally {
    await client.close();
  }
}

/**
 * Resets some stores of the application on Kafka (application-reset.ts,
 * planStoreReset), in this order:
 *
 *  1. Refuse while the application's consumer group has members, as
 *     resetKafka does.
 *  2. Plan: a repartition topic has its history when it exists and its
 *     earliest offsets are all 0 (retention deleted nothing); refuse a plan
 *     that would empty stores not named.
 *  3. Commit, for the group, the new offsets of the rewound sub-topologies'
 *     inputs: the earliest offset of each partition read from its beginning,
 *     the end of each repartition topic whose writer is rewound too. The
 *     group and its other offsets stay.
 *  4. Delete the stores' changelogs (their shape records with them) and wait
 *     until they are gone; the next run creates them anew.
 *
 * A reset that stopped half way can be run again: step 3 sets the same
 * offsets again (but "end" is then the end of that later moment: run it
 * again only before the application ran).
 */
export async function resetKafkaStores(topology: Topology, settings: KafkaSettings & { readonly stores: readonly string[] }): Promise<StoreReset> {
  const application = settings.applicationId ?? topology.application;
  const target = withApplicationId(topology, application);
  const client = clientFor(brokerList(settings.brokers), settings);
  try {
    await client.connect();
    const members = await client.groupMemberCount(application);
    if (members > 0) {
      throw new EngineStateError(`application '${application}' is running (its consumer group has ${members} active member(s)): stop every instance, then reset it`);
    }
    const existing = new Map((await client.topics()).map((topic) => [topic.name, topic.partitions]));
    const partitionsOf = (topic: string) => [...Array(existing.get(topic) ?? 0).keys()].map((partition) => ({ topic, partition }));
    const withHistory = new Set<string>();
    for (const topic of target.repartitionTopics) {
      if (!existing.has(topic)) continue;
      const earliest = await client.earliestOffsets(partitionsOf(topic));
      if (earliest.every((offset) => offset === 0)) withHistory.add(topic);
    }
    const plan = planStoreReset(target, settings.stores, (topic) => withHistory.has(topic));
    checkNamedStores(plan);

    for (const from of ["beginning", "end"] as const) {
      const partitions = plan.inputs.filter((input) => input.from === from).flatMap((input) => partitionsOf(input.topic));
      if (partitions.length === 0) continue;
      const offsets = from === "beginning" ? await client.earliestOffsets(partitions) : await client.endOffsets(partitions);
      await client.commitOffsetsOutsideGroup(application, partitions.map((tp, i) => ({ ...tp, offset: offsets[i]! })));
    }
    const deletedTopics = plan.changelogs.filter((topic) => existing.has(topic));
    await client.deleteTopics(deletedTopics);
    return { application, plan, deletedTopics };
  } finally {
    await client.close();
  }
}

export interface KafkaProduceOptions {
  /**
   * Partitions of the topic when it does not exist yet (default 1); an
   * existing topic keeps its own, and asking for another count is an error.
   */
  readonly partitions?: number;
}

/**
 * Appends records to a Kafka topic and returns how many (created if missing) with an idempotent
 * producer, acks=all. Keys and values are encoded and partitioned as the
 * embedded log does it (a string as its text, anything else as JSON; by the
 * key's murmur2 hash as Kafka's default partitioner, round-robin without a
 * key), so that the same input lands on the same partitions in both.
 */
export async function produceKafka(
  settings: KafkaSettings,
  topic: string,
  records: readonly ProduceRecord[],
  options: KafkaProduceOptions = {},
): Promise<number> {
  const client = clientFor(brokerList(settings.brokers), settings);
  try {
    let metadata = await client.topic(topic);
    if (metadata && options.partitions !== undefined && metadata.partitions !== options.partitions) {
      throw new TopicError(`topic "${topic}" has ${metadata.partitions} partitions, not ${options.partitions}`);
    }
    if (!metadata) {
      await client.createTopic({ name: topic, partitions: options.partitions ?? 1 });
      metadata = await client.topic(topic);
      if (!metadata) throw new TopicError(`cannot create topic "${topic}"`);
    }
    const partitions = metadata.partitions;
    // Round-robin for null keys continues from the topic's size, as in the embedded log.
    const ends = await client.endOffsets([...Array(partitions).keys()].map((partition) => ({ topic, partition })));
    let roundRobin = ends.reduce((a, b) => a + b, 0);
    const now = Date.now();
    const toWrite: ProducerRecord[] = records.map((record) => {
      const key = toRecordBytes(record.key);
      const partition = record.partition ?? (key === null ? roundRobin++ % partitions : partitionForKey(key, partitions));
      return { topic, partition, key, value: toRecordBytes(record.value), timestamp: record.timestamp ?? now };
    });
    await client.produceAndCommit(toWrite, "", []);
    return toWrite.length;
  } finally {
    await client.close();
  }
}

export interface KafkaConsumeOptions {
  /** How keys print (default `auto`: as JSON when the text parses, else as text). */
  readonly keyFormat?: PrintFormat;
  /** How values print (default `auto`). */
  readonly valueFormat?: PrintFormat;
}

/**
 * The committed records of a topic (read_committed), partition by partition
 * from the beginning up to the end each partition had when called: records of
 * open or aborted transactions never show, and a topic being written to still
 * ends. Kafka keeps no formats for topics: `keyFormat` and `valueFormat` say
 * how to print the bytes.
 */
export async function* consumeKafka(settings: KafkaSettings, topic: string, options: KafkaConsumeOptions = {}): AsyncGenerator<ConsumedRecord> {
  const client = clientFor(brokerList(settings.brokers), settings);
  try {
    const metadata = await client.topic(topic);
    if (!metadata) throw new TopicError(`topic "${topic}" does not exist`);
    const partitions = [...Array(metadata.partitions).keys()].map((partition) => ({ topic, partition }));
    const ends = await client.endOffsets(partitions);
    for (const [partition, end] of ends.entries()) {
      let position = 0;
      while (position < end) {
        const fetched = await client.fetch({ topic, partition }, position, 5000);
        for (const raw of fetched.records) {
          if (raw.offset >= end) break;
          yield {
            topic,
            partition,
            offset: raw.offset,
            key: decodeForPrint(raw.key, options.keyFormat ?? "auto"),
            value: decodeForPrint(raw.value, options.valueFormat ?? "auto"),
            timestamp: raw.timestamp,
            ...(raw.headers ? { headers: raw.headers } : {}),
          };
        }
        if (fetched.nextOffset <= position) throw new TopicError(`${topic}-${partition}: no progress at offset ${position} before ${end}`);
        position = fetched.nextOffset;
      }
    }
  } finally {
    await client.close();
  }
}

function toKafkaLogLevel(level: NonNullable<KafkaSettings["logLevel"]>): kafkaLogLevel {
  switch (level) {
    case "nothing":
      return kafkaLogLevel.NOTHING;
    case "error":
      return kafkaLogLevel.ERROR;
    case "warn":
      return kafkaLogLevel.WARN;
    case "info":
      return kafkaLogLevel.INFO;
    case "debug":
      return kafkaLogLevel.DEBUG;
  }
}
