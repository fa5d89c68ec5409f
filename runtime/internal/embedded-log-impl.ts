// The embedded log: topics, partitions, records, consumer-group offsets and
// producer epochs in ONE SQLite database, so that output records, changelog
// records and input offsets are committed by one SQLite transaction, which is
// what exactly-once needs and what Kafka transactions give the Kafka engine.
//
// WAL mode lets `weir consume` read while `weir run` writes; a reader only ever
// sees committed transactions, which is read_committed for free. Offsets in a
// partition are dense (there are no transaction markers), but callers still
// treat "at the end" as position >= end offset, as they must on Kafka.
import Database from "better-sqlite3";
import { ProducerFencedError, TopicError } from "../errors.ts";
import type {
  FetchResult,
  LogClient,
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

const SCHEMA = `
CREATE TABLE IF NOT EXISTS topics (
  name TEXT PRIMARY KEY,
  partitions INTEGER NOT NULL CHECK (partitions > 0),
  key_format TEXT,
  value_format TEXT
);
CREATE TABLE IF NOT EXISTS records (
  topic TEXT NOT NULL,
  "partition" INTEGER NOT NULL,
  "offset" INTEGER NOT NULL,
  key BLOB,
  value BLOB,
  timestamp INTEGER NOT NULL,
  -- JSON object of text values, or NULL for a record without headers.
  headers TEXT,
  PRIMARY KEY (topic, "partition", "offset")
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_offsets (
  group_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  "partition" INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  PRIMARY KEY (group_id, topic, "partition")
) WITHOUT ROWID;
-- One row per transactional id: initTransactions bumps the epoch, and a commit
-- from a producer holding an older epoch is refused (fencing a zombie).
CREATE TABLE IF NOT EXISTS producer_epochs (
  transactional_id TEXT PRIMARY KEY,
  epoch INTEGER NOT NULL
);
`;

interface TopicRow {
  name: string;
  partitions: number;
  key_format: string | null;
  value_format: string | null;
}

/** offset, key, value, timestamp, headers */
type RecordRow = [number, Buffer | null, Buffer | null, number, string | null];

export class EmbeddedLogImpl implements LogClient {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly sql;

  constructor(path: string) {
    this.path = path;
    this.db = new Database(path);
    // WAL: readers in other processes never block the engine's commits.
    this.db.pragma("journal_mode = WAL");
    // FULL: a commit survives power loss, not only a killed process; it costs
    // one fsync per commit, i.e. per commit interval, not per record.
    this.db.pragma("synchronous = FULL");
    // Another process (a `weir produce` during `weir run --follow`) may hold
    // the write lock for a moment: wait for it instead of failing.
    this.db.pragma("busy_timeout = 10000");
    this.db.exec(SCHEMA);
    // A log written before records had headers gets the column.
    const columns = this.db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('records')").all();
    if (!columns.some((column) => column.name === "headers")) this.db.exec("ALTER TABLE records ADD COLUMN headers TEXT");
    this.sql = {
      topic: this.db.prepare<[string], TopicRow>("SELECT name, partitions, key_format, value_format FROM topics WHERE name = ?"),
      topics: this.db.prepare<[], TopicRow>("SELECT name, partitions, key_format, value_format FROM topics ORDER BY name"),
      createTopic: this.db.prepare<[string, number, string | null, string | null]>(
        "INSERT INTO topics (name, partitions, key_format, value_format) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
      ),
      setKeyFormat: this.db.prepare<[string, string]>("UPDATE topics SET key_format = ? WHERE name = ?"),
      setValueFormat: this.db.prepare<[string, string]>("UPDATE topics SET value_format = ? WHERE name = ?"),
      endOffset: this.db
        .prepare<[string, number], { end: number | null }>(`SELECT MAX("offset") + 1 AS end FROM records WHERE topic = ? AND "partition" = ?`),
      insertRecord: this.db.prepare<[string, number, number, Buffer | null, Buffer | null, number, string | null]>(
        `INSERT INTO records (topic, "partition", "offset", key, value, timestamp, headers) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      // raw(): rows as arrays, measurably cheaper than objects on the hot path.
      fetch: this.db
        .prepare<[string, number, number, number], RecordRow>(
          `SELECT "offset", key, value, timestamp, headers FROM records
           WHERE topic = ? AND "partition" = ? AND "offset" >= ? ORDER BY "offset" LIMIT ?`,
        )
        .raw(),
      committedOffset: this.db.prepare<[string, string, number], { next_offset: number }>(
        `SELECT next_offset FROM group_offsets WHERE group_id = ? AND topic = ? AND "partition" = ?`,
      ),
      commitOffset: this.db.prepare<[string, string, number, number]>(
        `INSERT INTO group_offsets (group_id, topic, "partition", next_offset) VALUES (?, ?, ?, ?)
         ON CONFLICT (group_id, topic, "partition") DO UPDATE SET next_offset = excluded.next_offset`,
      ),
      epoch: this.db.prepare<[string], { epoch: number }>("SELECT epoch FROM producer_epochs WHERE transactional_id = ?"),
      bumpEpoch: this.db.prepare<[string]>(
        `INSERT INTO producer_epochs (transactional_id, epoch) VALUES (?, 0)
         ON CONFLICT (transactional_id) DO UPDATE SET epoch = epoch + 1`,
      ),
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ------------------------------------------------------ synchronous access
  // The public EmbeddedLog facade (embedded.ts) and the LogClient methods below
  // share these.

  topicSync(name: string): TopicMetadata | undefined {
    const row = this.sql.topic.get(name);
    return row && toMetadata(row);
  }

  topicsSync(): TopicMetadata[] {
    return this.sql.topics.all().map(toMetadata);
  }

  createTopicSync(topic: NewTopic): void {
    if (!Number.isInteger(topic.partitions) || topic.partitions < 1) {
      throw new TopicError(`topic "${topic.name}" needs a whole number of partitions >= 1, not ${topic.partitions}`);
    }
    this.sql.createTopic.run(topic.name, topic.partitions, topic.keyFormat ?? null, topic.valueFormat ?? null);
  }

  recordFormatsSync(topic: string, formats: { key?: string | undefined; value?: string | undefined }): void {
    if (formats.key !== undefined) this.sql.setKeyFormat.run(formats.key, topic);
    if (formats.value !== undefined) this.sql.setValueFormat.run(formats.value, topic);
  }

  endOffsetSync(topic: string, partition: number): number {
    return this.sql.endOffset.get(topic, partition)?.end ?? 0;
  }

  fetchSync(topic: string, partition: number, offset: number, maxRecords: number): LogRecord[] {
    return this.sql.fetch.all(topic, partition, offset, maxRecords).map(([offset, key, value, timestamp, headers]) =>
      headers === null
        ? { topic, partition, offset, key, value, timestamp }
        : { topic, partition, offset, key, value, timestamp, headers: JSON.parse(headers) as Record<string, string> },
    );
  }

  /**
   * Appends records (each with its partition already chosen) and commits
   * offsets in one SQLite transaction; returns each record's offset.
   * `check` runs first inside the transaction and may throw to abort it.
   */
  appendSync(records: readonly ProducerRecord[], offsets?: { groupId: string; offsets: readonly PartitionOffset[] }, check?: () => void): number[] {
    const write = this.db.transaction(() => {
      check?.();
      // The write lock is held from here on (an IMMEDIATE transaction), so the
      // end offsets read now stay the end until this transaction commits.
      const ends = new Map<string, number>();
      const assigned: number[] = [];
      for (const record of records) {
        const where = `${record.topic}\u0000${record.partition}`;
        let end = ends.get(where);
        if (end === undefined) {
          this.checkPartitionExists(record.topic, record.partition);
          end = this.endOffsetSync(record.topic, record.partition);
        }
        const headers = record.headers && Object.keys(record.headers).length > 0 ? JSON.stringify(record.headers) : null;
        this.sql.insertRecord.run(record.topic, record.partition, end, record.key, record.value, Math.trunc(record.timestamp), headers);
        assigned.push(end);
        ends.set(where, end + 1);
      }
      for (const offset of offsets?.offsets ?? []) {
        this.sql.commitOffset.run(offsets!.groupId, offset.topic, offset.partition, offset.offset);
      }
      return assigned;
    });
    return write.immediate();
  }

  private checkPartitionExists(topic: string, partition: number): void {
    const metadata = this.topicSync(topic);
    if (!metadata) throw new TopicError(`cannot write to topic "${topic}": it does not exist`);
    if (!Number.isInteger(partition) || partition < 0 || partition >= metadata.partitions) {
      throw new TopicError(`cannot write to partition ${partition} of topic "${topic}": it has ${metadata.partitions} partition(s)`);
    }
  }

  committedOffsetSync(groupId: string, topic: string, partition: number): number | undefined {
    return this.sql.committedOffset.get(groupId, topic, partition)?.next_offset;
  }

  // ------------------------------------------------------------- LogClient

  async topic(name: string): Promise<TopicMetadata | undefined> {
    return this.topicSync(name);
  }

  async topics(): Promise<TopicMetadata[]> {
    return this.topicsSync();
  }

  async createTopic(topic: NewTopic): Promise<void> {
    this.createTopicSync(topic);
  }

  async recordFormats(topic: string, formats: { key?: string | undefined; value?: string | undefined }): Promise<void> {
    this.recordFormatsSync(topic, formats);
  }

  async fetch(partition: TopicPartition, offset: number, maxRecords: number): Promise<FetchResult> {
    const records = this.fetchSync(partition.topic, partition.partition, offset, maxRecords);
    // Offsets are contiguous here: no markers, no compaction.
    const nextOffset = records.length > 0 ? records[records.length - 1]!.offset + 1 : offset;
    return { records, nextOffset, atEnd: records.length < maxRecords };
  }

  async endOffsets(partitions: readonly TopicPartition[]): Promise<number[]> {
    return partitions.map((p) => this.endOffsetSync(p.topic, p.partition));
  }

  async committedOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<(number | undefined)[]> {
    return partitions.map((p) => this.committedOffsetSync(groupId, p.topic, p.partition));
  }

  async initTransactions(transactionalId: string): Promise<TransactionalProducer> {
    const epoch = this.db
      .transaction(() => {
        this.sql.bumpEpoch.run(transactionalId);
        return this.sql.epoch.get(transactionalId)!.epoch;
      })
      .immediate();
    return new EmbeddedProducer(this, transactionalId, epoch);
  }

  /**
   * Resets an application (application-reset.ts), in one SQLite transaction:
   * fences whoever runs it now (a `weir run` still running on this database
   * fails at its next commit), deletes the given internal topics with their
   * records, and forgets the application's committed offsets, so that its
   * next run starts at offset 0 of its inputs. Returns the topics that existed.
   */
  resetApplicationSync(application: string, internalTopics: readonly string[]): string[] {
    const reset = this.db.transaction(() => {
      this.sql.bumpEpoch.run(application);
      const deleted = internalTopics.filter((topic) => this.topicSync(topic) !== undefined);
      for (const topic of deleted) {
        this.db.prepare("DELETE FROM records WHERE topic = ?").run(topic);
        this.db.prepare("DELETE FROM topics WHERE name = ?").run(topic);
      }
      this.db.prepare("DELETE FROM group_offsets WHERE group_id = ?").run(application);
      return deleted;
    });
    return reset.immediate();
  }

  /**
   * Resets some of an application's stores (application-reset.ts,
   * planStoreReset), in one SQLite transaction: fences whoever runs it now,
   * deletes the stores' changelogs, and moves the application's committed
   * offset of each input given to its beginning (offset 0: nothing here is
   * ever deleted by retention) or its end. Returns the changelogs that existed.
   */
  resetStoresSync(application: string, changelogs: readonly string[], inputs: readonly { readonly topic: string; readonly from: "beginning" | "end" }[]): string[] {
    const reset = this.db.transaction(() => {
      this.sql.bumpEpoch.run(application);
      const deleted = changelogs.filter((topic) => this.topicSync(topic) !== undefined);
      for (const topic of deleted) {
        this.db.prepare("DELETE FROM records WHERE topic = ?").run(topic);
        this.db.prepare("DELETE FROM topics WHERE name = ?").run(topic);
        this.db.prepare("DELETE FROM group_offsets WHERE group_id = ? AND topic = ?").run(application, topic);
      }
      for (const input of inputs) {
        const metadata = this.topicSync(input.topic);
        if (!metadata) continue;
        for (let partition = 0; partition < metadata.partitions; partition++) {
          const offset = input.from === "beginning" ? 0 : this.endOffsetSync(input.topic, partition);
          this.sql.commitOffset.run(application, input.topic, partition, offset);
        }
      }
      return deleted;
    });
    return reset.immediate();
  }

  /** @internal for EmbeddedTransaction: the epoch now registered for the id. */
  currentEpoch(transactionalId: string): number | undefined {
    return this.sql.epoch.get(transactionalId)?.epoch;
  }
}

function toMetadata(row: TopicRow): TopicMetadata {
  return { name: row.name, partitions: row.partitions, keyFormat: row.key_format, valueFormat: row.value_format };
}

class EmbeddedProducer implements TransactionalProducer {
  constructor(
    private readonly log: EmbeddedLogImpl,
    readonly transactionalId: string,
    private readonly epoch: number,
  ) {}

  beginTransaction(): LogTransaction {
    return new EmbeddedTransaction(this.log, this.transactionalId, this.epoch);
  }

  async close(): Promise<void> {}
}

/**
 * Buffers what is sent and writes it all in one SQLite transaction at commit:
 * nothing is visible before, and a process killed before the end of that
 * SQLite transaction leaves no trace of it.
 */
class EmbeddedTransaction extends BufferedTransaction {
  constructor(
    private readonly log: EmbeddedLogImpl,
    transactionalId: string,
    private readonly epoch: number,
  ) {
    super(transactionalId);
  }

  async commit(): Promise<void> {
    this.state.transitionTo("COMMITTING");
    try {
      const offsets = this.groupId === undefined ? undefined : { groupId: this.groupId, offsets: [...this.offsets.values()] };
      this.log.appendSync(this.records, offsets, () => {
        const current = this.log.currentEpoch(this.transactionalId);
        if (current !== this.epoch) {
          throw new ProducerFencedError(
            `producer "${this.transactionalId}" (epoch ${this.epoch}) was fenced by a newer one (epoch ${current}): ` +
              `another instance of the application runs on the same data`,
          );
        }
      });
    } catch (error) {
      this.state.transitionTo("ABORTED");
      throw error;
    }
    this.state.transitionTo("COMMITTED");
  }

}
