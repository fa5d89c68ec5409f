// What an engine needs from a log: topics made of partitions of records at
// offsets, committed consumer-group offsets, and transactions that make output
// records and input offsets visible together or not at all. The embedded
// engine's log fills this in with SQLite (embedded-log-impl.ts); the Kafka
// engine's port (KafkaLogClient, kafka-log-client.ts) extends it with what a
// cluster adds (fetches across partitions, at_least_once commits, consumer
// groups, outages), filled in with kafkajs (kafka-log-client-impl.ts).
//
// Keys and values are bytes here; formats belong to the layers above.

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface TopicMetadata {
  readonly name: string;
  readonly partitions: number;
  /** The format name (`string`, `json`) last declared for keys, if any: for tools that print records. */
  readonly keyFormat: string | null;
  readonly valueFormat: string | null;
}

export interface NewTopic {
  readonly name: string;
  readonly partitions: number;
  readonly keyFormat?: string | undefined;
  readonly valueFormat?: string | undefined;
  /** "compact" for changelogs: only the last value of each key must be kept. Default: delete (by retention). */
  readonly cleanupPolicy?: "compact" | "delete" | undefined;
  /** retention.ms; -1 keeps records whatever their timestamps. Default: the broker's. */
  readonly retentionMs?: number | undefined;
}

/** A record as read from a partition. */
export interface LogRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  /** null is a tombstone. */
  readonly value: Buffer | null;
  /** Epoch milliseconds. */
  readonly timestamp: number;
  /** Absent when the record has none. Header values are read as UTF-8 text; of a repeated header, the last. */
  readonly headers?: RecordHeaders;
}

/** A record's headers: weir writes (and reads) text values. */
export type RecordHeaders = Readonly<Record<string, string>>;

/** A record to write; its partition is chosen by the caller (see partitioner.ts). */
export interface ProducerRecord {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers?: RecordHeaders;
}

/** What one fetch read. */
export interface FetchResult {
  /** Committed records in offset order; offsets may have gaps (transaction markers, aborted or compacted records). */
  readonly records: LogRecord[];
  /**
   * The position to fetch from next: after the last record returned, and
   * after any markers or aborted records the fetch passed over. A fetch may
   * return no records yet move this forward (only markers were there), or
   * jump it to the log's start (records before it were deleted).
   */
  readonly nextOffset: number;
  /** Whether nothing at all (not even records of open transactions) follows nextOffset when fetched. */
  readonly atEnd: boolean;
}

/** A consumer position to commit: `offset` is the NEXT offset to read (last processed + 1). */
export interface PartitionOffset extends TopicPartition {
  readonly offset: number;
}

export interface LogClient {
  topic(name: string): Promise<TopicMetadata | undefined>;
  /** Every topic of the log. */
  topics(): Promise<TopicMetadata[]>;
  /** Creates the topic; does nothing if it exists (whatever its partition count: callers check). */
  createTopic(topic: NewTopic): Promise<void>;
  /** Records the formats a source or sink declares for a topic. */
  recordFormats(topic: string, formats: { key?: string | undefined; value?: string | undefined }): Promise<void>;
  /**
   * Up to `maxRecords` committed records of a partition from `offset` on, in
   * offset order (read_committed: never records of an open or aborted transaction).
   */
  fetch(partition: TopicPartition, offset: number, maxRecords: number): Promise<FetchResult>;
  /**
   * The offset after the last committed record of each partition. A reader is
   * at the end when its position is >= this, never "when it saw end - 1": on
   * Kafka, transaction markers take offsets too.
   */
  endOffsets(partitions: readonly TopicPartition[]): Promise<number[]>;
  /** The committed positions of a consumer group (undefined: never committed). */
  committedOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<(number | undefined)[]>;
  /**
   * Registers `transactionalId` and fences any earlier producer that used it:
   * that producer's open transaction is aborted and its later commits fail with
   * ProducerFencedError. Call it before restoring state, so that the changelog
   * cannot grow while it is read (GUIDE, exactly-once fact 2).
   */
  initTransactions(transactionalId: string): Promise<TransactionalProducer>;
}

export interface TransactionalProducer {
  readonly transactionalId: string;
  beginTransaction(): LogTransaction;
  /** Releases the producer (its connections); a transaction still open is left to the broker to abort. */
  close(): Promise<void>;
}

/** One atomic unit of output records and consumer offsets. */
export interface LogTransaction {
  send(records: readonly ProducerRecord[]): void;
  sendOffsets(groupId: string, offsets: readonly PartitionOffset[]): void;
  /** Makes everything sent visible at once; throws ProducerFencedError if a newer producer took over. */
  commit(): Promise<void>;
  abort(): Promise<void>;
}
