// What an engine needs from a consumer group: to be one member of the
// application's group, be told which tasks are its own in each generation,
// and learn when the group wants to rebalance. The Kafka engine fills this in
// with the classic group protocol (kafka-group-member.ts); the embedded engine
// has no group (one process owns every task).
//
// The member's life, as a state machine:
//
//   UNJOINED → JOINING → SYNCING → STABLE ⇄ REBALANCING → JOINING → ...
//                 ↑_________|  (SyncGroup said: rebalance again)
//   JOINING → JOINING (a join that gave up, e.g. in a broker outage, tried again)
//   any state → LEFT (leave(): LeaveGroup, so that the others rebalance at once)
//
// Eager protocol: a member gives up all its tasks when it rejoins, and the
// engine commits every task's work BEFORE rejoining (GUIDE fact 6).
import type { TopicPartition } from "./log-client.ts";
import type { Transitions } from "./state-machine.ts";

export type GroupMemberState = "UNJOINED" | "JOINING" | "SYNCING" | "STABLE" | "REBALANCING" | "LEFT";

/** For each state, the states it may be entered from. */
export const GROUP_MEMBER_TRANSITIONS: Transitions<GroupMemberState> = {
  UNJOINED: [],
  JOINING: ["UNJOINED", "JOINING", "SYNCING", "STABLE", "REBALANCING"],
  SYNCING: ["JOINING"],
  STABLE: ["SYNCING"],
  REBALANCING: ["STABLE"],
  LEFT: ["UNJOINED", "JOINING", "SYNCING", "STABLE", "REBALANCING"],
};

/** A task and the input partitions it reads: what the assignment shows as the member's partitions. */
export interface TaskInputs {
  readonly task: string;
  readonly partitions: readonly TopicPartition[];
}

export interface GroupSettings {
  /** The consumer group: the application id, as in Kafka Streams. */
  readonly groupId: string;
  /** Every task of the application, the same list on every member (it follows from the topology and the topics). */
  readonly tasks: readonly TaskInputs[];
  /** The coordinator drops a member it has not heard from for this long. */
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** How long the coordinator waits for every member to rejoin when the group rebalances. */
  readonly rebalanceTimeoutMs: number;
  readonly logger?: ((message: string) => void) | undefined;
}

/** This member's share of one generation of the group. */
export interface TaskAssignment {
  readonly generationId: number;
  readonly memberId: string;
  /** Task ids, sorted. */
  readonly tasks: readonly string[];
  /** Members in this generation. */
  readonly members: number;
}

export interface GroupMember {
  readonly state: GroupMemberState;
  /**
   * Joins (or rejoins) the group and waits for this generation's assignment.
   * `ownedTasks` are the tasks this member ran until now: the leader keeps
   * them here when balance allows (sticky), so their state need not move.
   * Retried through the coordinator's answers (and its absence) until the
   * group forms, or until `giveUpAt` (Date.now() time) at the latest.
   */
  join(ownedTasks: readonly string[], giveUpAt?: number): Promise<TaskAssignment>;
  /** The group wants a rebalance (or this member was dropped): commit, then join() again. */
  readonly rebalanceNeeded: boolean;
  /**
   * The coordinator no longer knows this member (its session expired or its
   * generation is over): its tasks may run elsewhere already, so they must be
   * closed WITHOUT committing. Cleared by the next join().
   */
  readonly tasksLost: boolean;
  /** Asks for a rebalance from this side (a task found itself fenced). */
  requestRejoin(): void;
  /** The generation and member id that offset commits outside transactions must carry. */
  readonly generation: { readonly generationId: number; readonly memberId: string } | undefined;
  /** Leaves the group (LeaveGroup) and stops heartbeating. */
  leave(): Promise<void>;
}
