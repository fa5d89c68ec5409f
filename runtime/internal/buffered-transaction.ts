// What both logs' transactions share: records and offsets are buffered while
// the transaction is OPEN, and written all at once by commit(), which each log
// implements (one SQLite transaction; one Kafka transaction). Nothing sent is
// visible before commit() succeeds.
import { TopicError } from "../errors.ts";
import type { LogTransaction, PartitionOffset, ProducerRecord } from "./log-client.ts";
import { StateMachine, type Transitions } from "./state-machine.ts";

export type TransactionState = "OPEN" | "COMMITTING" | "COMMITTED" | "ABORTED";

export const TRANSACTION_TRANSITIONS: Transitions<TransactionState> = {
  OPEN: [],
  COMMITTING: ["OPEN"],
  COMMITTED: ["COMMITTING"],
  // A commit that fails (fenced, or the log refused it) leaves nothing behind.
  ABORTED: ["OPEN", "COMMITTING"],
};

export abstract class BufferedTransaction implements LogTransaction {
  protected readonly state: StateMachine<TransactionState>;
  protected readonly records: ProducerRecord[] = [];
  protected groupId: string | undefined;
  /** The latest offset per partition. */
  protected readonly offsets = new Map<string, PartitionOffset>();

  constructor(protected readonly transactionalId: string) {
    this.state = new StateMachine(`transaction of ${transactionalId}`, TRANSACTION_TRANSITIONS, "OPEN");
  }

  send(records: readonly ProducerRecord[]): void {
    this.state.assertIn("send records", "OPEN");
    for (const record of records) this.records.push(record);
  }

  sendOffsets(groupId: string, offsets: readonly PartitionOffset[]): void {
    this.state.assertIn("send offsets", "OPEN");
    if (this.groupId !== undefined && this.groupId !== groupId) {
      throw new TopicError(`one transaction commits offsets for one consumer group, not ${this.groupId} and ${groupId}`);
    }
    this.groupId = groupId;
    for (const offset of offsets) this.offsets.set(`${offset.topic}\u0000${offset.partition}`, offset);
  }

  abstract commit(): Promise<void>;

  /** Drops what was buffered; subclasses also undo what the log started. */
  async abort(): Promise<void> {
    this.state.transitionTo("ABORTED");
    this.records.length = 0;
    this.offsets.clear();
  }
}
