// The Kafka engine's port (KafkaLogClient, kafka-log-client.ts) over kafkajs:
// an admin client for topics and group offsets, a read_committed fetcher, one
// transactional producer per transactional id (kafkajs allows one open
// transaction per producer), consumer-group members (kafka-group-member.ts).
// It also does what tools need besides the engine (resetKafka, produceKafka).
//
// kafkajs has no pull-style fetch in its public API (only a group consumer
// that pushes batches), so reading uses kafkajs' own Cluster, the piece its
// consumer is built from: Fetch requests at READ_COMMITTED isolation from
// given offsets, decoded by kafkajs; weir drops aborted records and markers
// itself (decode, below). kafkajs is pinned (2.2.4, unmaintained); the
// internal cluster factory is looked up and checked, so a change fails loudly.
import {
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type ISocketFactory,
  type KafkaConfig,
  type Producer,
  type SASLOptions,
  type Transaction,
} from "kafkajs";
import { ProducerFencedError, TopicError, WeirRuntimeError } from "../errors.ts";
import type {
  FetchResult,
  LogRecord,
  LogTransaction,
  NewTopic,
  PartitionOffset,
  ProducerRecord,
  TopicMetadata,
  TopicPartition,
  TransactionalProducer,
} from "./log-client.ts";
import { BufferedTransaction } from "./buffered-transaction.ts";
import type { GroupMember, GroupSettings } from "./group-member.ts";
import { KafkaGroupMemberImpl, type GroupCluster } from "./kafka-group-member.ts";
import type { GroupGeneration, KafkaLogClient, PartitionFetch } from "./kafka-log-client.ts";

/** How long a created topic may take to show in the metadata before creating it is called a failure. */
const TOPIC_VISIBLE_TIMEOUT_MS = 10_000;

const READ_COMMITTED = 1;

interface RawMessage {
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Record<string, Buffer | Buffer[] | undefined>;
  readonly isControlRecord?: boolean;
  readonly batchContext: { readonly producerId: string; readonly inTransaction: boolean };
}
interface PartitionData {
  readonly partition: number;
  readonly errorCode: number;
  readonly highWatermark: string;
  readonly lastStableOffset?: string;
  readonly abortedTransactions: unknown[];
  readonly messages: RawMessage[];
}
interface InternalBroker {
  fetch(request: {
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<{ responses: { topicName: string; partitions: PartitionData[] }[] }>;
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<unknown>;
}
interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(options: { nodeId: string }): Promise<InternalBroker>;
  findGroupCoordinator(options: { groupId: string }): Promise<InternalBroker>;
  fetchTopicsOffset(
    topics: { topic: string; fromBeginning: boolean; partitions: { partition: number }[] }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

function createInternalCluster(kafka: Kafka): InternalCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === "private:Kafka:createCluster");
  const create = symbol && (kafka as unknown as Record<symbol, unknown>)[symbol];
  if (typeof create !== "function") throw new WeirRuntimeError("this kafkajs version has no internal cluster factory: weir needs kafkajs 2.2.x");
  return (create as (options: object) => InternalCluster)({ isolationLevel: READ_COMMITTED, allowAutoTopicCreation: false, metadataMaxAge: 300_000 });
}

export interface KafkaClientSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly ssl?: boolean;
  readonly sasl?: SASLOptions;
  /** Upper bound of a transaction; must exceed the commit interval (GUIDE fact 7). */
  readonly transactionTimeoutMs: number;
  /**
   * First retry delay of the transactional producers. kafkajs retries
   * CONCURRENT_TRANSACTIONS (the previous commit's markers still being
   * written) with it, so back-to-back commits wait at least this long when
   * they collide (GUIDE fact 5). kafkajs' default is 300 ms.
   */
  readonly retryInitialMs: number;
  /** Replication factor of the topics weir creates; default: the broker's default.replication.factor. */
  readonly replicationFactor?: number;
  readonly logLevel?: logLevel;
  /** Called inside each commit after the records and offsets were sent, before EndTxn: for fault-injection tests. */
  readonly beforeEndTransaction?: (transactionalId: string) => void | Promise<void>;
  /** Opens the connections to the brokers (kafkajs' own by default): for fault-injection tests. */
  readonly socketFactory?: ISocketFactory;
}

/**
 * kafkajs' own retries, for every request: the first after `initialMs`
 * (GUIDE fact 5), doubling up to half a second, 20 in all: about 8 s of
 * retrying a request, enough for a leader election, a coordinator loading or
 * a transaction's markers being written. A longer silence is a broker outage,
 * which the engine rides out itself, up to its own limit (brokerOutageMs);
 * kafkajs retries nest (a request retries a metadata refresh that retries a
 * connection), so a longer budget here would only delay noticing it.
 */
function clientRetry(initialMs: number) {
  return { initialRetryTime: initialMs, maxRetryTime: 500, retries: 20 };
}

/** How long a fetch retries a partition whose leader moved or whose broker did not answer, before it fails. */
export const FETCH_RETRY_MS = 5000;

/** Bytes per partition per fetch; a single larger record is still returned whole. */
export const FETCH_MAX_BYTES = 1024 * 1024;

export class KafkaLogClientImpl implements KafkaLogClient {
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly cluster: InternalCluster;
  private readonly producers = new Set<KafkaProducer>();
  private readonly knownTopics = new Map<string, Promise<void>>();
  private metadataLock: Promise<unknown> = Promise.resolve();
  private fetchLock: Promise<unknown> = Promise.resolve();
  private connected: Promise<void> | undefined;
  private idempotent: Promise<Producer> | undefined;
  private readonly brokers = new Map<string, Promise<InternalBroker>>();
  private readonly decodedAhead = new DecodedAhead();

  constructor(private readonly settings: KafkaClientSettings) {
    const config: KafkaConfig = {
      clientId: settings.clientId,
      brokers: [...settings.brokers],
      ...(settings.ssl ? { ssl: true } : {}),
      ...(settings.sasl ? { sasl: settings.sasl } : {}),
      connectionTimeout: 3000,
      requestTimeout: 30_000,
      // The cluster-level retry is also what kafkajs uses for InitProducerId and
      // TxnOffsetCommit of transactional producers: keep its first delay short.
      retry: clientRetry(settings.retryInitialMs),
      logLevel: settings.logLevel ?? logLevel.NOTHING,
      ...(settings.socketFactory ? { socketFactory: settings.socketFactory } : {}),
    };
    this.kafka = new Kafka(config);
    this.admin = this.kafka.admin();
    this.cluster = createInternalCluster(this.kafka);
  }

  /** Connects the admin client and the fetcher; a broker that does not answer fails here, with the address tried. */
  connect(): Promise<void> {
    this.connected ??= (async () => {
      try {
        await this.admin.connect();
        await this.cluster.connect();
      } catch (error) {
        // The first connection is not an outage to ride out: a run that cannot start says so.
        this.connected = undefined;
        throw new WeirRuntimeError(`cannot reach Kafka at ${this.settings.brokers.join(",")}: ${describe(error)}`, { cause: error });
      }
    })();
    return this.connected;
  }

  /**
   * After an outage: forget the connections and producer state kafkajs kept
   * from before it (the fetcher's brokers, the shared idempotent producer,
   * whose sequence numbers the broker may no longer know); the next request
   * connects afresh. Transactional producers are the engine's to replace.
   */
  async resetAfterOutage(): Promise<void> {
    this.brokers.clear();
    this.decodedAhead.clear();
    const idempotent = this.idempotent;
    this.idempotent = undefined;
    if (idempotent) await (await idempotent.catch(() => undefined))?.disconnect().catch(() => {});
  }

  isBrokerUnavailable(error: unknown): boolean {
    return isBrokerUnavailable(error);
  }

  errorType(error: unknown): string | undefined {
    return kafkaErrorType(error);
  }

  async close(): Promise<void> {
    for (const producer of [...this.producers]) await producer.close();
    if (this.idempotent) await (await this.idempotent.catch(() => undefined))?.disconnect().catch(() => {});
    await this.admin.disconnect().catch(() => {});
    await this.cluster.disconnect().catch(() => {});
  }

  async topic(name: string): Promise<TopicMetadata | undefined> {
    await this.connect();
    const topics = await this.admin.listTopics();
    if (!topics.includes(name)) return undefined;
    const { topics: metadata } = await this.admin.fetchTopicMetadata({ topics: [name] });
    // Listed but without partitions yet: another client's creation still under way.
    const partitions = metadata[0]?.partitions.length ?? 0;
    return partitions > 0 ? { name, partitions, keyFormat: null, valueFormat: null } : undefined;
  }

  async topics(): Promise<TopicMetadata[]> {
    await this.connect();
    const { topics } = await this.admin.fetchTopicMetadata();
    return topics.map((topic) => ({ name: topic.name, partitions: topic.partitions.length, keyFormat: null, valueFormat: null }));
  }

  async createTopic(topic: NewTopic): Promise<void> {
    await this.connect();
    const configEntries = [
      ...(topic.cleanupPolicy ? [{ name: "cleanup.policy", value: topic.cleanupPolicy }] : []),
      ...(topic.retentionMs !== undefined ? [{ name: "retention.ms", value: String(topic.retentionMs) }] : []),
    ];
    try {
      // Right after a broker starts, a creation can meet a controller or
      // leader not ready yet: retried (an earlier attempt that did create the
      // topic then answers TOPIC_ALREADY_EXISTS, which is fine).
      await retryRetriable(() => this.admin.createTopics({
        topics: [
          {
            topic: topic.name,
            numPartitions: topic.partitions,
            ...(this.settings.replicationFactor !== undefined ? { replicationFactor: this.settings.replicationFactor } : {}),
            configEntries,
          },
        ],
        waitForLeaders: true,
      }));
    } catch (error) {
      // Another instance created it first: callers check its partition count.
      if (kafkaErrorType(error) !== "TOPIC_ALREADY_EXISTS") throw new TopicError(`cannot create topic "${topic.name}": ${describe(error)}`);
    }
    // A topic another instance is creating exists before its metadata shows
    // it (TOPIC_ALREADY_EXISTS comes first): callers read it right after.
    for (const started = performance.now(); !(await this.topic(topic.name)); ) {
      if (performance.now() - started > TOPIC_VISIBLE_TIMEOUT_MS) throw new TopicError(`topic "${topic.name}" was created but its metadata did not show it within ${TOPIC_VISIBLE_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Kafka keeps no format names: tools print bytes as text. */
  async recordFormats(): Promise<void> {}

  async fetch(partition: TopicPartition, offset: number, maxRecords: number): Promise<FetchResult> {
    await this.connect();
    const giveUpAt = performance.now() + FETCH_RETRY_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.fetchOnce(partition, offset, maxRecords);
      } catch (error) {
        const type = kafkaErrorType(error);
        if (type === "OFFSET_OUT_OF_RANGE") {
          // Records before the log start were deleted (retention): start at the earliest one left.
          const [start] = await this.offsets([partition], true);
          if (start! > offset) return { records: [], nextOffset: start!, atEnd: false };
          throw error;
        }
        if (!isRetriable(error) || performance.now() >= giveUpAt) throw error;
        this.brokers.clear();
        await this.cluster.refreshMetadata().catch(() => {});
        await sleep(Math.min(50 * 2 ** attempt, 1000));
      }
    }
  }

  /**
   * One read_committed Fetch per leader for many partitions: what the engine
   * loop uses to top up every input partition at once. If the broker reports
   * an error for any of them, each is fetched on its own (so that an offset
   * out of range or a moved leader is handled per partition).
   */
  async fetchMany(requests: readonly PartitionFetch[], maxRecords: number): Promise<FetchResult[]> {
    await this.connect();
    if (requests.length === 0) return [];
    try {
      return await this.fetchTogether(requests, maxRecords);
    } catch (error) {
      // A broker that cannot be reached answers no partition on its own either.
      if (isConnectionFailure(error)) throw error;
      const results: FetchResult[] = [];
      for (const { partition, offset } of requests) results.push(await this.fetch(partition, offset, maxRecords));
      return results;
    }
  }

  private async fetchOnce(partition: TopicPartition, offset: number, maxRecords: number): Promise<FetchResult> {
    const [result] = await this.fetchTogether([{ partition, offset }], maxRecords);
    return result!;
  }

  /** Fetch requests go one at a time: kafkajs opens a connection per concurrent first use of a broker and leaks all but one. */
  private fetchTogether(requests: readonly PartitionFetch[], maxRecords: number): Promise<FetchResult[]> {
    const result = this.fetchLock.then(() => this.fetchUnlocked(requests, maxRecords));
    this.fetchLock = result.catch(() => {});
    return result;
  }

  private async fetchUnlocked(requests: readonly PartitionFetch[], maxRecords: number): Promise<FetchResult[]> {
    const results: FetchResult[] = new Array(requests.length);
    const byNode = new Map<string, { index: number; topic: string; partition: number; offset: number }[]>();
    for (const [index, { partition: tp, offset }] of requests.entries()) {
      const ahead = this.decodedAhead.take(tp, offset, maxRecords);
      if (ahead) {
        results[index] = ahead;
        continue;
      }
      await this.target(tp.topic);
      const nodeId = Object.keys(this.cluster.findLeaderForPartitions(tp.topic, [tp.partition]))[0];
      // Right after a broker restart the metadata may name no leader yet: an outage, not a bad topic.
      if (nodeId === undefined) throw new NoLeaderError(`no leader known for ${tp.topic}-${tp.partition}`);
      byNode.set(nodeId, [...(byNode.get(nodeId) ?? []), { index, topic: tp.topic, partition: tp.partition, offset }]);
    }
    for (const [nodeId, wanted] of byNode) {
      const broker = await this.broker(nodeId);
      const topics = new Map<string, { partition: number; fetchOffset: string; maxBytes: number }[]>();
      for (const w of wanted) topics.set(w.topic, [...(topics.get(w.topic) ?? []), { partition: w.partition, fetchOffset: String(w.offset), maxBytes: FETCH_MAX_BYTES }]);
      const response = await broker.fetch({
        isolationLevel: READ_COMMITTED,
        maxWaitTime: 0,
        minBytes: 1,
        maxBytes: FETCH_MAX_BYTES * 8,
        topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
      });
      for (const w of wanted) {
        const data = response.responses.find((r) => r.topicName === w.topic)?.partitions.find((p) => p.partition === w.partition);
        // A partition left out (the response was full) is simply not read this time.
        results[w.index] = data
          ? this.decodedAhead.keep({ topic: w.topic, partition: w.partition }, decode(w.topic, w.partition, w.offset, data, Infinity), maxRecords)
          : { records: [], nextOffset: w.offset, atEnd: false };
      }
    }
    return results;
  }

  /** Adds a topic to the fetcher's metadata, once, one topic at a time (concurrent refreshes leak connections, as below). */
  private target(topic: string): Promise<void> {
    let known = this.knownTopics.get(topic);
    if (!known) {
      known = this.metadataLock.then(() => this.cluster.addTargetTopic(topic));
      this.metadataLock = known.catch(() => {});
      this.knownTopics.set(topic, known);
      known.catch(() => this.knownTopics.delete(topic));
    }
    return known;
  }

  /**
   * kafkajs connects a broker on first use; two concurrent first uses open two
   * connections and leak one (keeping the process alive). So look each up once.
   */
  private broker(nodeId: string): Promise<InternalBroker> {
    let broker = this.brokers.get(nodeId);
    if (!broker) {
      broker = this.cluster.findBroker({ nodeId });
      this.brokers.set(nodeId, broker);
      broker.catch(() => this.brokers.delete(nodeId));
    }
    return broker;
  }

  /** The last stable offsets (read_committed: records of open transactions are not counted). */
  async endOffsets(partitions: readonly TopicPartition[]): Promise<number[]> {
    return this.offsets(partitions, false);
  }

  private async offsets(partitions: readonly TopicPartition[], beginning: boolean): Promise<number[]> {
    await this.connect();
    if (partitions.length === 0) return [];
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    for (const topic of byTopic.keys()) await this.target(topic);
    const result = await this.cluster.fetchTopicsOffset(
      [...byTopic].map(([topic, ps]) => ({ topic, fromBeginning: beginning, partitions: ps.map((partition) => ({ partition })) })),
    );
    const found = new Map<string, number>();
    for (const { topic, partitions: ps } of result) for (const p of ps) found.set(`${topic}\u0000${p.partition}`, Number(p.offset));
    return partitions.map(({ topic, partition }) => {
      const offset = found.get(`${topic}\u0000${partition}`);
      if (offset === undefined) throw new WeirRuntimeError(`no offset returned for ${topic}-${partition}`);
      return offset;
    });
  }

  async committedOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<(number | undefined)[]> {
    await this.connect();
    if (partitions.length === 0) return [];
    const topics = [...new Set(partitions.map((p) => p.topic))];
    // Right after a broker starts, the group coordinator is still loading its
    // offsets: the first OffsetFetch answers COORDINATOR_LOAD_IN_PROGRESS.
    const result = await retryRetriable(() => this.admin.fetchOffsets({ groupId, topics }));
    const found = new Map<string, number>();
    for (const { topic, partitions: ps } of result) {
      for (const p of ps) if (Number(p.offset) >= 0) found.set(`${topic}\u0000${p.partition}`, Number(p.offset));
    }
    return partitions.map(({ topic, partition }) => found.get(`${topic}\u0000${partition}`));
  }

  /**
   * Creates the producer of a transactional id and fences its earlier owners.
   * kafkajs' connect() initialises a transactional producer WITHOUT its
   * transactional id (as a plain idempotent one); the InitProducerId that
   * carries the id, bumps the epoch and aborts the previous owner's open
   * transaction is sent by the first transaction(). So begin one and end it at
   * once: with nothing added to it, kafkajs sends no EndTxn.
   */
  async initTransactions(transactionalId: string): Promise<TransactionalProducer> {
    await this.connect();
    const producer = this.kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.settings.transactionTimeoutMs,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: clientRetry(this.settings.retryInitialMs),
    });
    const wrapped = new KafkaProducer(producer, transactionalId, this.settings.retryInitialMs, this.settings.beforeEndTransaction, (p) => this.producers.delete(p));
    this.producers.add(wrapped);
    try {
      await producer.connect();
      const fence = await producer.transaction();
      await fence.abort();
    } catch (error) {
      await wrapped.close();
      throw translate(error, transactionalId);
    }
    return wrapped;
  }

  /**
   * at_least_once: sends the records with one idempotent (not transactional)
   * producer, waits until every one is acknowledged (acks=all), and only then
   * commits the offsets. A failure in between redoes the work: duplicates,
   * never losses.
   */
  async produceAndCommit(
    records: readonly ProducerRecord[],
    groupId: string,
    offsets: readonly PartitionOffset[],
    generation?: GroupGeneration,
  ): Promise<void> {
    await this.connect();
    this.idempotent ??= (async () => {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      return producer;
    })();
    const producer = await this.idempotent;
    await sendInChunks(producer, records);
    await this.commitOffsets(groupId, offsets, generation);
  }

  /**
   * Commits consumer-group offsets outside any transaction (at_least_once).
   * A member of the group must give its generation and member id (the
   * coordinator refuses a commit from a member whose generation is over:
   * ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID); without them (generation -1, no
   * member id) it is a "simple" commit, accepted only while the group has no members.
   */
  private async commitOffsets(groupId: string, offsets: readonly PartitionOffset[], generation: GroupGeneration | undefined): Promise<void> {
    if (offsets.length === 0) return;
    const byTopic = new Map<string, { partition: number; offset: string }[]>();
    for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partition: o.partition, offset: String(o.offset) }]);
    const coordinator = await this.cluster.findGroupCoordinator({ groupId });
    await coordinator.offsetCommit({
      groupId,
      groupGenerationId: generation?.generationId ?? -1,
      memberId: generation?.memberId ?? "",
      topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    });
  }

  // ---------------------------------------------- resetting an application
  // (application-reset.ts, kafka.ts: resetKafka)

  /** The members a consumer group has now: 0 when no instance of the application runs. */
  async groupMemberCount(groupId: string): Promise<number> {
    await this.connect();
    const { groups } = await retryRetriable(() => this.admin.describeGroups([groupId]));
    return groups.find((group) => group.groupId === groupId)?.members.length ?? 0;
  }

  /** Deletes topics, then waits until the cluster no longer lists them (so that a run right after creates them anew). */
  async deleteTopics(names: readonly string[]): Promise<void> {
    await this.connect();
    if (names.length === 0) return;
    await retryRetriable(() => this.admin.deleteTopics({ topics: [...names], timeout: 30_000 }));
    for (const name of names) {
      this.knownTopics.delete(name);
      this.decodedAhead.forgetTopic(name);
    }
    const deadline = Date.now() + 30_000;
    for (;;) {
      const listed = new Set(await this.admin.listTopics());
      const left = names.filter((name) => listed.has(name));
      if (left.length === 0) return;
      if (Date.now() > deadline) throw new TopicError(`topics still listed 30 s after their deletion: ${left.join(", ")}`);
      await sleep(100);
    }
  }

  /**
   * Deletes a consumer group with all its committed offsets; a group that
   * does not exist is already gone. Kafka refuses while the group has members:
   * that is returned as false.
   */
  async deleteGroup(groupId: string): Promise<boolean> {
    await this.connect();
    try {
      await this.admin.deleteGroups([groupId]);
      return true;
    } catch (error) {
      const types = ((error as { groups?: { error?: { type?: string } }[] }).groups ?? []).map((group) => group.error?.type);
      if (types.length > 0 && types.every((type) => type === "GROUP_ID_NOT_FOUND")) return true;
      if (types.includes("NON_EMPTY_GROUP")) return false;
      throw error;
    }
  }

  /** The first offset of each partition still in the log (records before it were deleted). */
  earliestOffsets(partitions: readonly TopicPartition[]): Promise<number[]> {
    return this.offsets(partitions, true);
  }

  /** Commits a group's offsets from outside the group: accepted only while it has no members. */
  async commitOffsetsOutsideGroup(groupId: string, offsets: readonly PartitionOffset[]): Promise<void> {
    await this.connect();
    await this.commitOffsets(groupId, offsets, undefined);
  }

  /**
   * A member of consumer group `settings.groupId`, on connections of its own
   * (kafka-group-member.ts): a JoinGroup holds its connection until the group
   * forms, and heartbeats must not queue behind fetches.
   */
  groupMember(settings: GroupSettings): GroupMember {
    return new KafkaGroupMemberImpl(createInternalCluster(this.kafka) as unknown as GroupCluster, settings, kafkaErrorType);
  }
}


class KafkaProducer implements TransactionalProducer {
  private closed = false;

  constructor(
    private readonly producer: Producer,
    readonly transactionalId: string,
    private readonly retryInitialMs: number,
    private readonly beforeEnd: KafkaClientSettings["beforeEndTransaction"],
    private readonly onClose: (producer: KafkaProducer) => void,
  ) {}

  beginTransaction(): LogTransaction {
    return new KafkaTransaction(this.producer, this.transactionalId, this.retryInitialMs, this.beforeEnd);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
    await this.producer.disconnect().catch(() => {});
  }
}

/**
 * Buffers what is sent and performs the whole Kafka transaction in commit():
 * begin, produce the records, add the offsets (TxnOffsetCommit), EndTxn. The
 * transaction is open on the broker only while commit() runs, so it never
 * outlives a commit interval (GUIDE fact 7).
 */
class KafkaTransaction extends BufferedTransaction {
  private open: Transaction | undefined;

  constructor(
    private readonly producer: Producer,
    transactionalId: string,
    private readonly retryInitialMs: number,
    private readonly beforeEnd: KafkaClientSettings["beforeEndTransaction"],
  ) {
    super(transactionalId);
  }

  async commit(): Promise<void> {
    this.state.transitionTo("COMMITTING");
    try {
      this.open = await this.producer.transaction();
      await sendInChunks(this.open, this.records);
      if (this.groupId !== undefined && this.offsets.size > 0) {
        const byTopic = new Map<string, { partition: number; offset: string }[]>();
        for (const o of this.offsets.values()) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partition: o.partition, offset: String(o.offset) }]);
        const topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
        const transaction = this.open;
        const groupId = this.groupId;
        // kafkajs does not retry AddOffsetsToTxn; right after a commit the
        // coordinator may still answer CONCURRENT_TRANSACTIONS.
        await retryConcurrent(() => transaction.sendOffsets({ consumerGroupId: groupId, topics }), this.retryInitialMs);
      }
      await this.beforeEnd?.(this.transactionalId);
      await this.open.commit();
    } catch (error) {
      this.state.transitionTo("ABORTED");
      const translated = translate(error, this.transactionalId);
      // A fenced producer cannot abort (its epoch is gone); the new owner's InitProducerId did.
      if (!(translated instanceof ProducerFencedError) && this.open?.isActive()) await this.open.abort().catch(() => {});
      throw translated;
    }
    this.state.transitionTo("COMMITTED");
  }

  override async abort(): Promise<void> {
    await super.abort();
    if (this.open?.isActive()) await this.open.abort();
  }
}

/**
 * Records one send of a transaction carries at most (both clients). Each
 * client writes a send's records of a partition as ONE record batch, which
 * the broker refuses above message.max.bytes (1 MB by default) with
 * MESSAGE_TOO_LARGE: a transaction of more than about 1 MB a partition
 * failed. And kafkajs groups a batch's records by partition by copying the
 * partition's list for every record (producer/groupMessagesPerPartition.js),
 * so its cost grows with the square of the records of a partition: a
 * wordcount transaction of some 10,000 records a partition spent 57% of
 * weir's CPU there. Sent in chunks (one Produce request each, one after the
 * other), batches stay small and the copying linear.
 */
const SEND_CHUNK_RECORDS = 1000;
/** Key and value bytes of a chunk: half of message.max.bytes' default, so that one partition's batch of it fits. */
const SEND_CHUNK_BYTES = 512 * 1024;

/** A transaction's records cut into the chunks each send carries (SEND_CHUNK_*); a record larger than a chunk goes alone. */
export function sendChunks(records: readonly ProducerRecord[]): ProducerRecord[][] {
  const chunks: ProducerRecord[][] = [];
  let chunk: ProducerRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
    if (chunk.length > 0 && (chunk.length >= SEND_CHUNK_RECORDS || bytes + size > SEND_CHUNK_BYTES)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(record);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

async function sendInChunks(producer: Pick<Producer, "sendBatch">, records: readonly ProducerRecord[]): Promise<void> {
  for (const chunk of sendChunks(records)) await producer.sendBatch({ topicMessages: toTopicMessages(chunk), acks: -1 });
}

function toTopicMessages(records: readonly ProducerRecord[]) {
  const byTopic = new Map<string, { key: Buffer | null; value: Buffer | null; partition: number; timestamp: string; headers?: Record<string, string> }[]>();
  for (const r of records) {
    const messages = byTopic.get(r.topic) ?? [];
    const message = { key: r.key, value: r.value, partition: r.partition, timestamp: String(Math.trunc(r.timestamp)) };
    messages.push(r.headers ? { ...message, headers: { ...r.headers } } : message);
    byTopic.set(r.topic, messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

async function retryConcurrent(operation: () => Promise<unknown>, initialMs: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await operation();
      return;
    } catch (error) {
      if (kafkaErrorType(error) !== "CONCURRENT_TRANSACTIONS" || attempt >= 20) throw error;
      await sleep(Math.min(initialMs * 2 ** attempt, 1000));
    }
  }
}

/**
 * Retries an admin request while the broker answers with a retriable error
 * (a coordinator loading or moving, a leader election), for up to ~30 s:
 * kafkajs' admin client gives up on some of these at once.
 */
async function retryRetriable<T>(operation: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      const type = kafkaErrorType(error);
      const retriable = isRetriable(error) || (type !== undefined && COORDINATOR_OR_LEADER_MOVING.has(type));
      if (!retriable || Date.now() > deadline) throw error;
      await sleep(Math.min(50 * 2 ** attempt, 1000));
    }
  }
}

const COORDINATOR_OR_LEADER_MOVING = new Set([
  "COORDINATOR_LOAD_IN_PROGRESS",
  "COORDINATOR_NOT_AVAILABLE",
  "NOT_COORDINATOR",
  "LEADER_NOT_AVAILABLE",
  "NOT_LEADER_FOR_PARTITION",
  "UNKNOWN_TOPIC_OR_PARTITION",
]);

export const FENCED = new Set(["PRODUCER_FENCED", "INVALID_PRODUCER_EPOCH", "TRANSACTIONAL_ID_AUTHORIZATION_FAILED"]);

class NoLeaderError extends TopicError {
  override readonly name: string = "NoLeaderError";
}

/** kafkajs' errors for a broker that cannot be reached or did not answer in time. */
const UNREACHABLE = new Set([
  "KafkaJSConnectionError",
  "KafkaJSConnectionClosedError",
  "KafkaJSRequestTimeoutError",
  "KafkaJSBrokerNotFound",
  "KafkaJSGroupCoordinatorNotFound",
  "KafkaJSMetadataNotLoaded",
  "KafkaJSTopicMetadataNotLoaded",
  "KafkaJSStaleTopicMetadataAssignment",
  "KafkaJSNoBrokerAvailableError",
  "NoLeaderError",
]);

/** Socket errors of a broker that is down or restarting. */
const SOCKET_ERRORS = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

/**
 * Answers of a cluster whose brokers restart or move things (kafkajs' names,
 * which are the protocol's older ones, and today's): leaders and coordinators
 * being elected or loaded, replicas missing (NOT_ENOUGH_REPLICAS), metadata
 * the client holds gone stale (UNKNOWN_TOPIC_OR_PARTITION: a partition moved
 * off the broker asked), and producer state the broker lost with its log
 * tail. Each is cured by waiting and, for producer state, by a new
 * InitProducerId, which is what riding out an outage does; one that is not
 * cured ends the run at the outage limit. A topic that was deleted also
 * answers UNKNOWN_TOPIC_OR_PARTITION: the engine asks whether its topics
 * still exist before it rides a failure out (kafka-engine.ts).
 */
export const UNAVAILABLE_TYPES = new Set([
  "LEADER_NOT_AVAILABLE",
  "NOT_LEADER_FOR_PARTITION",
  "NOT_LEADER_OR_FOLLOWER",
  "REPLICA_NOT_AVAILABLE",
  "BROKER_NOT_AVAILABLE",
  "REQUEST_TIMED_OUT",
  "NETWORK_EXCEPTION",
  "GROUP_LOAD_IN_PROGRESS",
  "COORDINATOR_LOAD_IN_PROGRESS",
  "GROUP_COORDINATOR_NOT_AVAILABLE",
  "COORDINATOR_NOT_AVAILABLE",
  "NOT_COORDINATOR_FOR_GROUP",
  "NOT_COORDINATOR",
  "NOT_CONTROLLER",
  "NOT_ENOUGH_REPLICAS",
  "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
  "KAFKA_STORAGE_ERROR",
  "FENCED_LEADER_EPOCH",
  "UNKNOWN_LEADER_EPOCH",
  "CONCURRENT_TRANSACTIONS",
  "UNKNOWN_TOPIC_OR_PARTITION",
  "UNKNOWN_PRODUCER_ID",
  "INVALID_PRODUCER_ID_MAPPING",
  "OUT_OF_ORDER_SEQUENCE_NUMBER",
]);

/** Whether an error is a broker that could not be reached or did not answer (not an answer that something is not ready). */
function isConnectionFailure(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const { name, code } = current as { name?: unknown; code?: unknown };
    if (typeof name === "string" && UNREACHABLE.has(name)) return true;
    if (typeof code === "string" && SOCKET_ERRORS.has(code)) return true;
    current = (current as { originalError?: unknown }).originalError ?? (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Whether an error says Kafka could not be reached or was not ready (a broker
 * down or restarting, a coordinator or leader moving), rather than that
 * something is wrong with the request: the engine rides these out, up to its
 * outage limit. Walks the causes kafkajs (and weir) wrap errors in.
 */
export function isBrokerUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const { name, type, code } = current as { name?: unknown; type?: unknown; code?: unknown };
    if (typeof name === "string" && UNREACHABLE.has(name)) return true;
    if (typeof type === "string" && UNAVAILABLE_TYPES.has(type)) return true;
    if (typeof code === "string" && SOCKET_ERRORS.has(code)) return true;
    current = (current as { originalError?: unknown }).originalError ?? (current as { cause?: unknown }).cause;
  }
  return false;
}

/** The Kafka error type (PRODUCER_FENCED, ...) of an error or of one it wraps. */
export function kafkaErrorType(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const type = (current as { type?: unknown }).type;
    // kafkajs 2.2.4 predates PRODUCER_FENCED (code 90) and reports it as an unknown code.
    if (type === "KAFKAJS_UNKNOWN_ERROR_CODE" && /\bcode 90\b/.test(String((current as { message?: unknown }).message))) return "PRODUCER_FENCED";
    if (typeof type === "string" && type !== "UNKNOWN") return type;
    current = (current as { originalError?: unknown }).originalError ?? (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function isRetriable(error: unknown): boolean {
  return Boolean(error && typeof error === "object" && (error as { retriable?: unknown }).retriable === true);
}

/** PRODUCER_FENCED / INVALID_PRODUCER_EPOCH become ProducerFencedError (GUIDE fact 4); the rest pass through. */
function translate(error: unknown, transactionalId: string): unknown {
  const type = kafkaErrorType(error);
  if (type !== undefined && FENCED.has(type)) {
    return new ProducerFencedError(`producer "${transactionalId}" was fenced (${type}): another instance of the application owns its task now`);
  }
  return error;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The records a fetch decoded beyond the `maxRecords` it returned, kept per
 * partition for the next fetch from where it stopped, as the Java consumer
 * keeps a completed fetch. A Fetch brings up to FETCH_MAX_BYTES a partition
 * (some 35,000 records of wordcount size) while the engine asks for 2,000 at a
 * time: decoding the whole response and fetching the rest again made reading
 * 20x slower than the client can read (docs/kafka-clients.md). Records kept
 * are committed (read_committed), so they cannot change; a fetch from any
 * other offset (a new owner's position, a seek) drops them.
 */
export class DecodedAhead {
  private readonly kept = new Map<string, { offset: number; records: LogRecord[]; next: number; nextOffset: number; atEnd: boolean }>();

  /** The next records from `offset`, if the last fetch of the partition stopped there with records left. */
  take(tp: TopicPartition, offset: number, maxRecords: number): FetchResult | undefined {
    const id = `${tp.topic}\u0000${tp.partition}`;
    const kept = this.kept.get(id);
    if (!kept) return undefined;
    this.kept.delete(id);
    if (kept.offset !== offset) return undefined;
    return this.split(id, kept.records, kept.next, kept.nextOffset, kept.atEnd, maxRecords);
  }

  /** Returns the first `maxRecords` of a whole decoded fetch and keeps the rest. */
  keep(tp: TopicPartition, whole: FetchResult, maxRecords: number): FetchResult {
    return this.split(`${tp.topic}\u0000${tp.partition}`, whole.records, 0, whole.nextOffset, whole.atEnd, maxRecords);
  }

  private split(id: string, records: LogRecord[], from: number, nextOffset: number, atEnd: boolean, maxRecords: number): FetchResult {
    if (records.length - from <= maxRecords) return { records: from === 0 ? records : records.slice(from), nextOffset, atEnd };
    const taken = records.slice(from, from + maxRecords);
    const stop = taken[taken.length - 1]!.offset + 1;
    this.kept.set(id, { offset: stop, records, next: from + maxRecords, nextOffset, atEnd });
    return { records: taken, nextOffset: stop, atEnd: false };
  }

  forgetTopic(topic: string): void {
    for (const id of this.kept.keys()) if (id.startsWith(`${topic}\u0000`)) this.kept.delete(id);
  }

  clear(): void {
    this.kept.clear();
  }
}

/**
 * The visible records of a partition's fetch data, and the position after
 * everything passed over (markers and aborted records too: GUIDE fact 3).
 *
 * Aborted records are dropped as the Java consumer does: the response lists
 * the aborted transactions overlapping the fetched range (producer id, first
 * offset); walking in offset order, each becomes active once the walk reaches
 * its first offset, and stays active for its producer until that producer's
 * ABORT marker. kafkajs' own filter (consumer/filterAbortedMessages.js)
 * activates at most one aborted transaction per record and assumes the list
 * sorted, so a fetch starting after the first offsets of two interleaved
 * aborted transactions lets records of the second through; the zombie test
 * caught it.
 */
function decode(topic: string, partition: number, offset: number, data: PartitionData, maxRecords: number): FetchResult {
  const pending = [...(data.abortedTransactions as { producerId: string; firstOffset: string }[])].sort(
    (a, b) => Number(a.firstOffset) - Number(b.firstOffset),
  );
  const aborted = new Set<string>();
  const records: LogRecord[] = [];
  let nextOffset = offset;
  for (const message of data.messages) {
    const at = Number(message.offset);
    // A batch is returned whole: records before the fetch offset were read before.
    if (at < offset) continue;
    while (pending.length > 0 && Number(pending[0]!.firstOffset) <= at) aborted.add(pending.shift()!.producerId);
    const { producerId, inTransaction } = message.batchContext;
    if (message.isControlRecord) {
      // Control record key: version (int16), type (int16): 0 = ABORT, 1 = COMMIT.
      if (message.key && message.key.length >= 4 && message.key.readInt16BE(2) === 0) aborted.delete(producerId);
    } else if (!(inTransaction && aborted.has(producerId))) {
      if (records.length >= maxRecords) break;
      const record = { topic, partition, offset: at, key: message.key ?? null, value: message.value ?? null, timestamp: Number(message.timestamp) };
      const headers = textHeaders(message.headers);
      records.push(headers ? { ...record, headers } : record);
    }
    nextOffset = at + 1;
  }
  return { records, nextOffset, atEnd: nextOffset >= Number(data.highWatermark) };
}

/** Kafka headers as text: bytes read as UTF-8; of a header repeated, the last. */
function textHeaders(raw: RawMessage["headers"]): Record<string, string> | undefined {
  if (!raw) return undefined;
  const entries = Object.entries(raw).flatMap(([name, value]) => {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    return last === undefined ? [] : [[name, last.toString("utf8")] as const];
  });
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}
