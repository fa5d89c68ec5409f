// What the Kafka engine needs from a Kafka client, beyond what every engine
// needs from a log (LogClient): the port the runtime defines and a Kafka
// client library fills in. kafka-log-client-impl.ts fills it in with kafkajs,
// kafka-log-client-platformatic.ts with @platformatic/kafka for fetching and
// transactions (WEIR_KAFKA_CLIENT=platformatic, docs/kafka-clients.md);
// the engine (kafka-engine.ts) knows only this interface, so that another
// library can stand behind it. Nothing here is a client library's type:
// records, offsets, group members and errors are the runtime's.
import type { GroupMember, GroupSettings } from "./group-member.ts";
import type { FetchResult, LogClient, PartitionOffset, ProducerRecord, TopicPartition } from "./log-client.ts";

/** A group member's generation, which its offset commits outside transactions carry. */
export interface GroupGeneration {
  readonly generationId: number;
  readonly memberId: string;
}

/** One partition to read, from `offset` on. */
export interface PartitionFetch {
  readonly partition: TopicPartition;
  readonly offset: number;
}

export interface KafkaLogClient extends LogClient {
  /** Connects; a cluster that does not answer fails here, naming the brokers tried (a run that cannot start is not an outage to ride out). */
  connect(): Promise<void>;
  /**
   * Reads many partitions at once, read_committed as `fetch`, in as few
   * requests as the cluster allows (one per leader): how the engine tops up
   * every input partition of its tasks. The results are in the order of
   * `requests`; a partition that the response left out comes back with no
   * records and not at its end.
   */
  fetchMany(requests: readonly PartitionFetch[], maxRecords: number): Promise<FetchResult[]>;
  /**
   * at_least_once: sends the records (idempotent, acks=all), waits until
   * every one is acknowledged, and only then commits the offsets for the
   * group, with the member's generation: the coordinator refuses them once
   * it is over. Without a generation, a commit accepted only while the group
   * has no members.
   */
  produceAndCommit(records: readonly ProducerRecord[], groupId: string, offsets: readonly PartitionOffset[], generation?: GroupGeneration): Promise<void>;
  /** A member of consumer group `settings.groupId` (group-member.ts), on connections of its own. */
  groupMember(settings: GroupSettings): GroupMember;
  /**
   * After an outage: forgets the connections and producer state kept from
   * before it; the next request connects afresh. Transactional producers are
   * the engine's to replace.
   */
  resetAfterOutage(): Promise<void>;
  /**
   * Whether an error says that Kafka could not be reached or was not ready (a
   * broker down or restarting, a coordinator or leader moving), rather than
   * that something is wrong with the request: the engine rides these out.
   */
  isBrokerUnavailable(error: unknown): boolean;
  /** The Kafka protocol's name of the error (ILLEGAL_GENERATION, ...), of an error or of one it wraps. */
  errorType(error: unknown): string | undefined;
  /** Releases every connection and producer of the client. */
  close(): Promise<void>;
}
