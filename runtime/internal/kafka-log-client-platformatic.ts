// The Kafka engine's port (KafkaLogClient) with its hot paths on
// @platformatic/kafka: reading (read_committed Fetch) and transactions (the
// records, the input offsets, EndTxn). Measured, platformatic's transactional
// produce is 2-3x kafkajs' and its Fetch at least as fast
// (docs/kafka-clients.md). Everything else (topics, group offsets,
// at_least_once commits, consumer-group members) is still kafkajs', inherited
// from KafkaLogClientImpl: those paths run once per task or per rebalance, not
// per record. Chosen with WEIR_KAFKA_CLIENT=platformatic (runtime/kafka.ts).
//
// @platformatic/kafka is loaded on first use, so that the runtime imports
// without it while it is only a development dependency.
//
// platformatic's own consumer drops control batches but not the records of
// aborted transactions (1.35.0, clients/consumer/messages-stream.js), so, as
// with kafkajs, weir decodes the Fetch response itself: decode() below.
import type { Consumer, Producer } from "@platformatic/kafka";
import { ProducerFencedError, WeirRuntimeError } from "../errors.ts";
import { BufferedTransaction } from "./buffered-transaction.ts";
import {
  DecodedAhead,
  FENCED,
  FETCH_MAX_BYTES,
  FETCH_RETRY_MS,
  KafkaLogClientImpl,
  sendChunks,
  UNAVAILABLE_TYPES,
  isBrokerUnavailable as kafkajsUnavailable,
  kafkaErrorType,
  type KafkaClientSettings,
} from "./kafka-log-client-impl.ts";
import type { PartitionFetch } from "./kafka-log-client.ts";
import type { FetchResult, LogRecord, LogTransaction, ProducerRecord, RecordHeaders, TopicPartition, TransactionalProducer } from "./log-client.ts";

type Platformatic = typeof import("@platformatic/kafka");
type FetchResponse = Awaited<ReturnType<Consumer["fetch"]>>;
type Transaction = Awaited<ReturnType<Producer["beginTransaction"]>>;
type PartitionData = FetchResponse["responses"][number]["partitions"][number];

const READ_COMMITTED = 1;
const ACKS_ALL = -1;
const IS_TRANSACTIONAL = 1 << 4;
const IS_CONTROL = 1 << 5;

/** platformatic's retries, as kafkajs' are configured (clientRetry in kafka-log-client-impl.ts): first after retryInitialMs, doubling to 500 ms, 20 in all. */
function retryOptions(initialMs: number) {
  return { retries: 20, retryDelay: (_client: unknown, _operation: string, attempt: number) => Math.min(initialMs * 2 ** attempt, 500) };
}

/** Connections as kafkajs' are configured (KafkaLogClientImpl): 3 s to connect, 30 s for an answer. */
function connectionOptions(settings: KafkaClientSettings): Record<string, unknown> {
  const options: Record<string, unknown> = { connectTimeout: 3000, requestTimeout: 30_000 };
  if (settings.ssl) options.tls = {};
  const sasl = settings.sasl as { mechanism?: string; username?: string; password?: string } | undefined;
  if (sasl?.mechanism) options.sasl = { mechanism: sasl.mechanism.toUpperCase(), username: sasl.username, password: sasl.password };
  return options;
}

export class PlatformaticKafkaLogClient extends KafkaLogClientImpl {
  private library: Promise<Platformatic> | undefined;
  private reader: Promise<Consumer> | undefined;
  private readonly ahead = new DecodedAhead();
  private readonly transactional = new Set<PlatformaticProducer>();
  private readonly coordinators = new Map<string, Promise<number>>();
  /** After a failure that may come from moved leaders: the next fetch asks for fresh metadata. */
  private staleMetadata = false;

  constructor(private readonly clientSettings: KafkaClientSettings) {
    super(clientSettings);
  }

  private platformatic(): Promise<Platformatic> {
    this.library ??= import("@platformatic/kafka").catch((error: unknown) => {
      this.library = undefined;
      throw new WeirRuntimeError(`WEIR_KAFKA_CLIENT=platformatic needs the package @platformatic/kafka installed: ${(error as Error).message}`, { cause: error });
    });
    return this.library;
  }

  private consumer(): Promise<Consumer> {
    this.reader ??= this.platformatic().then(
      ({ Consumer }) =>
        new Consumer({
          clientId: `${this.clientSettings.clientId}-reader`,
          // Never joined: the reader only sends Fetch requests from given offsets.
          groupId: `${this.clientSettings.clientId}-reader`,
          bootstrapBrokers: [...this.clientSettings.brokers],
          ...connectionOptions(this.clientSettings),
          // weir retries fetches itself (fetch, below), after fresh metadata.
          retries: 0,
        }),
    );
    return this.reader;
  }

  override async resetAfterOutage(): Promise<void> {
    this.ahead.clear();
    this.staleMetadata = true;
    this.coordinators.clear();
    const reader = this.reader;
    this.reader = undefined;
    if (reader) await (await reader.catch(() => undefined))?.close().catch(() => {});
    await super.resetAfterOutage();
  }

  override async close(): Promise<void> {
    for (const producer of [...this.transactional]) await producer.close();
    const reader = this.reader;
    this.reader = undefined;
    if (reader) await (await reader.catch(() => undefined))?.close().catch(() => {});
    await super.close();
  }

  override isBrokerUnavailable(error: unknown): boolean {
    return kafkajsUnavailable(error) || platformaticUnavailable(error);
  }

  override errorType(error: unknown): string | undefined {
    return platformaticErrorType(error) ?? kafkaErrorType(error);
  }

  override async deleteTopics(names: readonly string[]): Promise<void> {
    for (const name of names) this.ahead.forgetTopic(name);
    await super.deleteTopics(names);
  }

  // ------------------------------------------------------------ reading

  override async fetch(partition: TopicPartition, offset: number, maxRecords: number): Promise<FetchResult> {
    await this.connect();
    const giveUpAt = performance.now() + FETCH_RETRY_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.fetchAtOnce([{ partition, offset }], maxRecords))[0]!;
      } catch (error) {
        if (this.errorType(error) === "OFFSET_OUT_OF_RANGE") {
          // Records before the log start were deleted (retention): start at the earliest one left.
          const [start] = await this.earliestOffsets([partition]);
          if (start! > offset) return { records: [], nextOffset: start!, atEnd: false };
          throw error;
        }
        if (!platformaticUnavailable(error) || performance.now() >= giveUpAt) throw error;
        this.staleMetadata = true;
        await sleep(Math.min(50 * 2 ** attempt, 1000));
      }
    }
  }

  override async fetchMany(requests: readonly PartitionFetch[], maxRecords: number): Promise<FetchResult[]> {
    await this.connect();
    if (requests.length === 0) return [];
    try {
      return await this.fetchAtOnce(requests, maxRecords);
    } catch (error) {
      // A broker that cannot be reached answers no partition on its own either.
      if (isConnectionFailure(error)) throw error;
      // Otherwise each partition on its own, so that an offset out of range or a moved leader is handled per partition.
      this.staleMetadata = true;
      const results: FetchResult[] = [];
      for (const { partition, offset } of requests) results.push(await this.fetch(partition, offset, maxRecords));
      return results;
    }
  }

  /** One read_committed Fetch per leader for the partitions that nothing decoded earlier can answer. */
  private async fetchAtOnce(requests: readonly PartitionFetch[], maxRecords: number): Promise<FetchResult[]> {
    const results: FetchResult[] = new Array(requests.length);
    const wanted: { index: number; topic: string; partition: number; offset: number }[] = [];
    for (const [index, { partition: tp, offset }] of requests.entries()) {
      const ahead = this.ahead.take(tp, offset, maxRecords);
      if (ahead) results[index] = ahead;
      else wanted.push({ index, topic: tp.topic, partition: tp.partition, offset });
    }
    if (wanted.length === 0) return results;
    const consumer = await this.consumer();
    const forceUpdate = this.staleMetadata;
    const metadata = await consumer.metadata({ topics: [...new Set(wanted.map((w) => w.topic))], forceUpdate });
    this.staleMetadata = false;
    const byLeader = new Map<number, typeof wanted>();
    for (const w of wanted) {
      const leader = metadata.topics.get(w.topic)?.partitions[w.partition]?.leader;
      if (leader === undefined || leader < 0) {
        this.staleMetadata = true;
        throw new NoLeaderError(`no leader known for ${w.topic}-${w.partition}`);
      }
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), w]);
    }
    await Promise.all(
      [...byLeader].map(async ([node, partitions]) => {
        const byTopic = new Map<string, typeof wanted>();
        for (const w of partitions) byTopic.set(w.topic, [...(byTopic.get(w.topic) ?? []), w]);
        const topicNames = new Map<string, string>();
        const response = await consumer.fetch({
          node,
          isolationLevel: READ_COMMITTED,
          maxWaitTime: 0,
          minBytes: 1,
          maxBytes: FETCH_MAX_BYTES * 8,
          topics: [...byTopic].map(([topic, ws]) => {
            const topicMetadata = metadata.topics.get(topic)!;
            topicNames.set(topicMetadata.id, topic);
            return {
              topicId: topicMetadata.id,
              partitions: ws.map((w) => ({
                partition: w.partition,
                currentLeaderEpoch: topicMetadata.partitions[w.partition]!.leaderEpoch,
                fetchOffset: BigInt(w.offset),
                lastFetchedEpoch: -1,
                partitionMaxBytes: FETCH_MAX_BYTES,
              })),
            };
          }),
        });
        const data = new Map<string, PartitionData>();
        for (const t of response.responses) for (const p of t.partitions) data.set(`${topicNames.get(t.topicId)}\u0000${p.partitionIndex}`, p);
        for (const w of partitions) {
          const found = data.get(`${w.topic}\u0000${w.partition}`);
          // A partition left out (the response was full) is simply not read this time.
          results[w.index] = found
            ? this.ahead.keep({ topic: w.topic, partition: w.partition }, decode(w.topic, w.partition, w.offset, found), maxRecords)
            : { records: [], nextOffset: w.offset, atEnd: false };
        }
      }),
    );
    return results;
  }

  // ------------------------------------------------------------ transactions

  /**
   * Creates the producer of a transactional id and fences its earlier owners:
   * platformatic sends the InitProducerId that carries the id (bumping the
   * epoch, aborting the previous owner's open transaction) when the first
   * transaction begins, so begin one and cancel it (nothing was added: no EndTxn).
   *
   * platformatic sends its `timeout` option as the transaction timeout of
   * InitProducerId and also as the Produce requests' timeout (how long the
   * broker may wait for the replicas' acknowledgements): so that wait may
   * last up to transactionTimeoutMs. The client's own wait for an answer is
   * requestTimeout, as kafkajs'.
   */
  override async initTransactions(transactionalId: string): Promise<TransactionalProducer> {
    await this.connect();
    const { Producer } = await this.platformatic();
    const producer = new Producer({
      clientId: this.clientSettings.clientId,
      bootstrapBrokers: [...this.clientSettings.brokers],
      ...connectionOptions(this.clientSettings),
      ...retryOptions(this.clientSettings.retryInitialMs),
      transactionalId,
      idempotent: true,
      acks: ACKS_ALL,
      timeout: this.clientSettings.transactionTimeoutMs,
    });
    const wrapped = new PlatformaticProducer(producer, transactionalId, this.clientSettings.beforeEndTransaction, (groupId) => this.coordinator(groupId), (p) =>
      this.transactional.delete(p),
    );
    this.transactional.add(wrapped);
    try {
      // producerId -1, epoch -1: a new owner. platformatic's default (0, 0)
      // claims to BE producer 0 at epoch 0 (KIP-360), which the coordinator
      // answers with PRODUCER_FENCED once the id has had an owner: taking
      // over a task from a previous instance failed.
      const fence = await producer.beginTransaction({ producerId: -1n, producerEpoch: -1 });
      await fence.cancel();
    } catch (error) {
      await wrapped.close();
      throw translate(error, transactionalId);
    }
    return wrapped;
  }

  /** The node id of a group's coordinator, which TxnOffsetCommit goes to: looked up once per group. */
  private coordinator(groupId: string): Promise<number> {
    let found = this.coordinators.get(groupId);
    if (!found) {
      found = this.platformatic().then(async ({ Consumer }) => {
        const consumer = new Consumer({
          clientId: this.clientSettings.clientId,
          groupId,
          bootstrapBrokers: [...this.clientSettings.brokers],
          ...connectionOptions(this.clientSettings),
          ...retryOptions(this.clientSettings.retryInitialMs),
        });
        try {
          return await consumer.findGroupCoordinator();
        } finally {
          await consumer.close().catch(() => {});
        }
      });
      this.coordinators.set(groupId, found);
      found.catch(() => this.coordinators.delete(groupId));
    }
    return found;
  }
}

class PlatformaticProducer implements TransactionalProducer {
  private closed = false;

  constructor(
    private readonly producer: Producer,
    readonly transactionalId: string,
    private readonly beforeEnd: KafkaClientSettings["beforeEndTransaction"],
    private readonly coordinator: (groupId: string) => Promise<number>,
    private readonly onClose: (producer: PlatformaticProducer) => void,
  ) {}

  beginTransaction(): LogTransaction {
    return new PlatformaticTransaction(this.producer, this.transactionalId, this.beforeEnd, this.coordinator);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
    await this.producer.close().catch(() => {});
  }
}

/**
 * Buffers what is sent and performs the whole Kafka transaction in commit(),
 * as the kafkajs one does (GUIDE fact 7): begin, produce the records, add the
 * offsets (AddOffsetsToTxn, TxnOffsetCommit), EndTxn.
 */
class PlatformaticTransaction extends BufferedTransaction {
  private open: Transaction | undefined;

  constructor(
    private readonly producer: Producer,
    transactionalId: string,
    private readonly beforeEnd: KafkaClientSettings["beforeEndTransaction"],
    private readonly coordinator: (groupId: string) => Promise<number>,
  ) {
    super(transactionalId);
  }

  async commit(): Promise<void> {
    this.state.transitionTo("COMMITTING");
    try {
      this.open = await this.producer.beginTransaction();
      for (const chunk of sendChunks(this.records)) await this.open.send({ messages: chunk.map(toMessage) });
      if (this.groupId !== undefined && this.offsets.size > 0) {
        const groupId = this.groupId;
        const coordinatorId = await this.coordinator(groupId);
        // platformatic adds a group by a Consumer's groupId, and offsets as
        // messages that Consumer read (offset + 1 is committed). weir's offsets
        // are its own: they travel as such messages, without a group
        // generation (as kafkajs sends them).
        await this.open.addConsumer({ groupId } as unknown as Consumer);
        for (const o of this.offsets.values()) {
          const consumed = { topic: o.topic, partition: o.partition, offset: BigInt(o.offset - 1), metadata: { consumer: { groupId, generationId: -1, memberId: "", coordinatorId } } };
          await this.open.addOffset(consumed as unknown as Parameters<Transaction["addOffset"]>[0]);
        }
      }
      await this.beforeEnd?.(this.transactionalId);
      await this.open.commit();
    } catch (error) {
      this.state.transitionTo("ABORTED");
      const translated = translate(error, this.transactionalId);
      // A fenced producer cannot abort (its epoch is gone); the new owner's InitProducerId did.
      if (!(translated instanceof ProducerFencedError) && this.open && !this.open.completed) await this.open.abort().catch(() => this.open?.cancel().catch(() => {}));
      throw translated;
    }
    this.state.transitionTo("COMMITTED");
  }

  override async abort(): Promise<void> {
    await super.abort();
    if (this.open && !this.open.completed) await this.open.abort();
  }
}

function toMessage(record: ProducerRecord) {
  const message = {
    topic: record.topic,
    partition: record.partition,
    key: record.key ?? undefined,
    // A tombstone: platformatic writes a missing value as null.
    value: (record.value ?? null) as Buffer,
    timestamp: BigInt(Math.trunc(record.timestamp)),
  };
  if (!record.headers) return message;
  // A Map of bytes: platformatic 1.35.0 accepts headers as a plain object by
  // its types, but a send with one never completes (no answer, no error).
  const headers = new Map<Buffer, Buffer>();
  for (const [name, value] of Object.entries(record.headers)) headers.set(Buffer.from(name, "utf8"), Buffer.from(value, "utf8"));
  return { ...message, headers };
}

/**
 * The visible records of a partition's fetch data, and the position after
 * everything passed over: aborted transactions dropped as the Java consumer
 * drops them (see decode in kafka-log-client-impl.ts, which walks kafkajs'
 * messages the same way), here over platformatic's record batches.
 */
function decode(topic: string, partition: number, offset: number, data: PartitionData): FetchResult {
  const pending = [...data.abortedTransactions].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  const aborted = new Set<bigint>();
  const records: LogRecord[] = [];
  let nextOffset = offset;
  for (const batch of data.records ?? []) {
    const base = Number(batch.firstOffset);
    const transactional = (batch.attributes & IS_TRANSACTIONAL) !== 0;
    const control = (batch.attributes & IS_CONTROL) !== 0;
    const firstTimestamp = Number(batch.firstTimestamp);
    for (const record of batch.records) {
      const at = base + record.offsetDelta;
      // A batch is returned whole: records before the fetch offset were read before.
      if (at < offset) continue;
      while (pending.length > 0 && Number(pending[0]!.firstOffset) <= at) aborted.add(pending.shift()!.producerId);
      if (control) {
        // Control record key: version (int16), type (int16): 0 = ABORT, 1 = COMMIT.
        if (record.key && record.key.length >= 4 && record.key.readInt16BE(2) === 0) aborted.delete(batch.producerId);
      } else if (!(transactional && aborted.has(batch.producerId))) {
        const read = { topic, partition, offset: at, key: record.key ?? null, value: record.value ?? null, timestamp: firstTimestamp + Number(record.timestampDelta) };
        const headers = textHeaders(record.headers);
        records.push(headers ? { ...read, headers } : read);
      }
      nextOffset = at + 1;
    }
  }
  return { records, nextOffset, atEnd: nextOffset >= Number(data.highWatermark) };
}

/** Kafka headers as text: bytes read as UTF-8; of a header repeated, the last. */
function textHeaders(raw: readonly [Buffer | null, Buffer | null][]): RecordHeaders | undefined {
  if (raw.length === 0) return undefined;
  const headers: Record<string, string> = {};
  for (const [name, value] of raw) if (name && value) headers[name.toString("utf8")] = value.toString("utf8");
  return Object.keys(headers).length > 0 ? headers : undefined;
}

class NoLeaderError extends WeirRuntimeError {
  override readonly name: string = "NoLeaderError";
}

/**
 * The first answer `look` gives for an error, an error it groups (`errors`)
 * or one it wraps (`cause`): platformatic nests the error that matters.
 */
function findInErrorTree<T>(error: unknown, look: (error: { code?: unknown; name?: unknown; apiId?: unknown }) => T | undefined): T | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (!current || typeof current !== "object" || seen.has(current)) continue;
    seen.add(current);
    const found = look(current as { code?: unknown; name?: unknown; apiId?: unknown });
    if (found !== undefined) return found;
    const { errors, cause } = current as { errors?: unknown; cause?: unknown };
    if (Array.isArray(errors)) queue.push(...errors);
    queue.push(cause);
  }
  return undefined;
}

/** The Kafka error name (PRODUCER_FENCED, ...) of a platformatic error, of one it groups, or of one it wraps. */
function platformaticErrorType(error: unknown): string | undefined {
  return findInErrorTree(error, ({ apiId }) => (typeof apiId === "string" && apiId !== "UNKNOWN_SERVER_ERROR" ? apiId : undefined));
}

/** platformatic's network failures and timeouts, and Kafka answers that say "not ready yet": worth retrying. */
function platformaticUnavailable(error: unknown): boolean {
  if (isConnectionFailure(error)) return true;
  const type = platformaticErrorType(error);
  return type !== undefined && UNAVAILABLE_TYPES.has(type);
}

function isConnectionFailure(error: unknown): boolean {
  return (
    findInErrorTree(error, ({ code, name }) =>
      code === "PLT_KFK_NETWORK" ||
      code === "PLT_KFK_TIMEOUT" ||
      name === "NoLeaderError" ||
      (typeof code === "string" && /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH|AI_AGAIN)$/.test(code))
        ? true
        : undefined,
    ) ?? false
  );
}

/** PRODUCER_FENCED / INVALID_PRODUCER_EPOCH become ProducerFencedError (GUIDE fact 4); the rest pass through. */
function translate(error: unknown, transactionalId: string): unknown {
  const type = platformaticErrorType(error) ?? kafkaErrorType(error);
  if (type !== undefined && FENCED.has(type)) {
    return new ProducerFencedError(`producer "${transactionalId}" was fenced (${type}): another instance of the application owns its task now`, { cause: error });
  }
  return error;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
