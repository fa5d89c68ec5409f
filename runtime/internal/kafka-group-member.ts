// A member of the application's consumer group over the classic group
// protocol, spoken with kafkajs' internal Broker (JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup on the group coordinator), the way kafkajs' own
// consumer (src/consumer/consumerGroup.js) drives them, but for tasks:
//
// - protocol type "consumer", protocol name "weir-tasks"; the subscription and
//   the assignment are in the standard consumer format (kafkajs'
//   AssignerProtocol), so `kafka-consumer-groups.sh --describe` shows which
//   member reads which partitions. weir's own data rides in userData: the
//   tasks a member ran (subscription) and the tasks it gets (assignment).
// - the leader assigns TASKS (task-assignor.ts): a task's input partitions
//   always go to one member together.
// - heartbeats run on a timer, on the member's own connections (a JoinGroup
//   blocks its connection until the group completes; fetches must not wait
//   behind it, nor heartbeats behind a large fetch).
import { AssignerProtocol } from "kafkajs";
import { WeirRuntimeError } from "../errors.ts";
import {
  GROUP_MEMBER_TRANSITIONS,
  type GroupMember,
  type GroupMemberState,
  type GroupSettings,
  type TaskAssignment,
} from "./group-member.ts";
import { StateMachine } from "./state-machine.ts";
import { assignTasks } from "./task-assignor.ts";

export const PROTOCOL_NAME = "weir-tasks";
const PROTOCOL_VERSION = 1;

/** The coordinator's side of kafkajs' internal Broker, as far as a group member uses it. */
export interface GroupCoordinator {
  joinGroup(request: {
    groupId: string;
    sessionTimeout: number;
    rebalanceTimeout: number;
    memberId: string;
    protocolType: string;
    groupProtocols: { name: string; metadata: Buffer }[];
  }): Promise<{ generationId: number; groupProtocol: string; leaderId: string; memberId: string; members: { memberId: string; memberMetadata: Buffer }[] }>;
  syncGroup(request: {
    groupId: string;
    generationId: number;
    memberId: string;
    groupAssignment: { memberId: string; memberAssignment: Buffer }[];
  }): Promise<{ memberAssignment: Buffer }>;
  heartbeat(request: { groupId: string; groupGenerationId: number; memberId: string }): Promise<unknown>;
  leaveGroup(request: { groupId: string; memberId: string }): Promise<unknown>;
}

/** What the member needs of kafkajs' internal Cluster: its own, connected on first use. */
export interface GroupCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(options: { groupId: string }): Promise<GroupCoordinator>;
}

/**
 * Errors after which the coordinator must be looked up again: today's names
 * and kafkajs' (the protocol's older ones, which are what kafkajs reports).
 */
const COORDINATOR_MOVED = new Set([
  "NOT_COORDINATOR",
  "COORDINATOR_NOT_AVAILABLE",
  "COORDINATOR_LOAD_IN_PROGRESS",
  "NOT_COORDINATOR_FOR_GROUP",
  "GROUP_COORDINATOR_NOT_AVAILABLE",
  "GROUP_LOAD_IN_PROGRESS",
]);

/** weir's data in the subscription and the assignment (userData), as JSON. */
interface TaskUserData {
  readonly tasks: string[];
  /** Assignment only: members in the generation (only the leader learns them from JoinGroup). */
  readonly members?: number;
}

export class KafkaGroupMemberImpl implements GroupMember {
  private readonly machine: StateMachine<GroupMemberState>;
  private memberId = "";
  private generationId = -1;
  private coordinator: Promise<GroupCoordinator> | undefined;
  private connected: Promise<void> | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatInFlight: Promise<void> = Promise.resolve();
  private lost = false;
  private rejoinRequested = false;
  /** Members in the current generation. */
  private members = 0;

  constructor(
    private readonly cluster: GroupCluster,
    private readonly settings: GroupSettings,
    private readonly errorType: (error: unknown) => string | undefined,
  ) {
    this.machine = new StateMachine(`group member of ${settings.groupId}`, GROUP_MEMBER_TRANSITIONS, "UNJOINED");
  }

  get state(): GroupMemberState {
    return this.machine.state;
  }

  get rebalanceNeeded(): boolean {
    return this.machine.is("REBALANCING") || this.rejoinRequested;
  }

  get tasksLost(): boolean {
    return this.lost;
  }

  get generation(): { generationId: number; memberId: string } | undefined {
    return this.machine.is("STABLE", "REBALANCING") ? { generationId: this.generationId, memberId: this.memberId } : undefined;
  }

  requestRejoin(): void {
    this.rejoinRequested = true;
  }

  /**
   * JoinGroup until the group forms, then SyncGroup (the leader sends every
   * member's tasks), retried through the coordinator's answers:
   * MEMBER_ID_REQUIRED (join again with the id it returned), UNKNOWN_MEMBER_ID
   * (join again as a new member), ILLEGAL_GENERATION and REBALANCE_IN_PROGRESS
   * (join again), NOT_COORDINATOR and friends (look the coordinator up again).
   */
  async join(ownedTasks: readonly string[], giveUpAt = Number.POSITIVE_INFINITY): Promise<TaskAssignment> {
    this.stopHeartbeats();
    await this.heartbeatInFlight;
    this.rejoinRequested = false;
    this.machine.transitionTo("JOINING");
    const deadline = Math.min(giveUpAt, Date.now() + this.settings.rebalanceTimeoutMs + this.settings.sessionTimeoutMs + 30_000);
    for (let attempt = 0; ; attempt++) {
      try {
        const tasks = await this.joinAndSync(ownedTasks);
        this.machine.transitionTo("STABLE");
        this.lost = false;
        this.scheduleHeartbeat();
        return { generationId: this.generationId, memberId: this.memberId, tasks, members: this.members };
      } catch (error) {
        if (this.machine.is("SYNCING")) this.machine.transitionTo("JOINING");
        const retry = this.recoverFromJoinFailure(error);
        if (retry === "give up") throw this.explain(error);
        if (Date.now() > deadline) throw new WeirRuntimeError(`cannot join consumer group "${this.settings.groupId}": ${describe(error)}`, { cause: error });
        this.settings.logger?.(`consumer group: joining again (${this.errorType(error) ?? describe(error)})`);
        if (retry === "after a pause") await sleep(Math.max(0, Math.min(50 * 2 ** attempt, 1000, deadline - Date.now())));
      }
    }
  }

  /** A group that another kind of program holds is a setup problem: say which, and what to do. */
  private explain(error: unknown): unknown {
    if (this.errorType(error) !== "INCONSISTENT_GROUP_PROTOCOL") return error;
    return new WeirRuntimeError(
      `consumer group "${this.settings.groupId}" is in use by another program (its members speak another protocol than "${PROTOCOL_NAME}"): ` +
        "weir uses the application id as its group id; stop that program or run under another application id",
      { cause: error },
    );
  }

  /** What a failed JoinGroup or SyncGroup means for the next attempt; updates the member id and the coordinator to use. */
  private recoverFromJoinFailure(error: unknown): "at once" | "after a pause" | "give up" {
    const type = this.errorType(error);
    const givenMemberId = (error as { memberId?: unknown }).memberId;
    if (type === "MEMBER_ID_REQUIRED" && typeof givenMemberId === "string") {
      this.memberId = givenMemberId;
      return "at once";
    }
    // The generation moved on while this member synced: join the next one.
    if (type === "REBALANCE_IN_PROGRESS") return "at once";
    if (type === "ILLEGAL_GENERATION") return "after a pause";
    if (type === "UNKNOWN_MEMBER_ID") {
      this.memberId = "";
      return "after a pause";
    }
    if ((type !== undefined && COORDINATOR_MOVED.has(type)) || isRetriable(error)) {
      this.coordinator = undefined;
      return "after a pause";
    }
    return "give up";
  }

  private async joinAndSync(ownedTasks: readonly string[]): Promise<string[]> {
    const coordinator = await this.findCoordinator();
    const joined = await coordinator.joinGroup({
      groupId: this.settings.groupId,
      sessionTimeout: this.settings.sessionTimeoutMs,
      rebalanceTimeout: this.settings.rebalanceTimeoutMs,
      memberId: this.memberId,
      protocolType: "consumer",
      groupProtocols: [{ name: PROTOCOL_NAME, metadata: this.subscription(ownedTasks) }],
    });
    this.memberId = joined.memberId;
    this.generationId = joined.generationId;
    this.machine.transitionTo("SYNCING");
    if (joined.groupProtocol !== PROTOCOL_NAME) {
      throw new WeirRuntimeError(`consumer group "${this.settings.groupId}" runs protocol "${joined.groupProtocol}": is another program using the application id as its group id?`);
    }
    const isLeader = joined.leaderId === joined.memberId;
    const groupAssignment = isLeader ? this.assign(joined.members) : [];
    const { memberAssignment } = await coordinator.syncGroup({
      groupId: this.settings.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupAssignment,
    });
    const decoded = memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(memberAssignment) : null;
    const { tasks, members } = parseUserData(decoded?.userData);
    this.members = members ?? 0;
    this.settings.logger?.(
      `consumer group: generation ${this.generationId}, member ${this.memberId}${isLeader ? " (leader)" : ""}: tasks ${tasks.join(" ") || "none"}`,
    );
    return tasks;
  }

  /** The standard consumer subscription: the input topics, and in userData the tasks this member ran. */
  private subscription(ownedTasks: readonly string[]): Buffer {
    const topics = [...new Set(this.settings.tasks.flatMap((t) => t.partitions.map((p) => p.topic)))].sort();
    const userData: TaskUserData = { tasks: [...ownedTasks] };
    return AssignerProtocol.MemberMetadata.encode({ version: PROTOCOL_VERSION, topics, userData: Buffer.from(JSON.stringify(userData)) });
  }

  /** The leader's job: tasks to members (sticky, balanced), each sent with its tasks' partitions. */
  private assign(members: readonly { memberId: string; memberMetadata: Buffer }[]): { memberId: string; memberAssignment: Buffer }[] {
    const reported = members.map((m) => ({ memberId: m.memberId, previousTasks: parseUserData(AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.userData).tasks }));
    const inputs = new Map(this.settings.tasks.map((t) => [t.task, t.partitions]));
    const assignment = assignTasks(reported, [...inputs.keys()]);
    return [...assignment].map(([memberId, tasks]) => {
      const partitions: Record<string, number[]> = {};
      for (const task of tasks) for (const { topic, partition } of inputs.get(task)!) (partitions[topic] ??= []).push(partition);
      for (const list of Object.values(partitions)) list.sort((a, b) => a - b);
      const userData: TaskUserData = { tasks, members: members.length };
      return {
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: PROTOCOL_VERSION, assignment: partitions, userData: Buffer.from(JSON.stringify(userData)) }),
      };
    });
  }

  private findCoordinator(): Promise<GroupCoordinator> {
    if (!this.coordinator) {
      const found = (async () => {
        this.connected ??= this.cluster.connect();
        await this.connected;
        return this.cluster.findGroupCoordinator({ groupId: this.settings.groupId });
      })();
      found.catch(() => {
        if (this.coordinator === found) this.coordinator = undefined;
        this.connected = undefined;
      });
      this.coordinator = found;
    }
    return this.coordinator;
  }

  private scheduleHeartbeat(): void {
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeatTimer = undefined;
      this.heartbeatInFlight = this.heartbeat().finally(() => {
        if (this.machine.is("STABLE", "REBALANCING") && !this.lost) this.scheduleHeartbeat();
      });
    }, this.settings.heartbeatIntervalMs);
    // A heartbeat timer alone must not keep the process alive.
    this.heartbeatTimer.unref();
  }

  private stopHeartbeats(): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  /**
   * One Heartbeat. It keeps the session alive and is how a member learns of a
   * rebalance (REBALANCE_IN_PROGRESS), or that the group went on without it
   * (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION: its tasks are lost). Other
   * failures are retried by the next beat.
   */
  private async heartbeat(): Promise<void> {
    try {
      const coordinator = await this.findCoordinator();
      await coordinator.heartbeat({ groupId: this.settings.groupId, groupGenerationId: this.generationId, memberId: this.memberId });
    } catch (error) {
      const type = this.errorType(error);
      if (type === "REBALANCE_IN_PROGRESS") {
        if (this.machine.is("STABLE")) this.machine.transitionTo("REBALANCING");
      } else if (type === "UNKNOWN_MEMBER_ID" || type === "ILLEGAL_GENERATION" || type === "FENCED_INSTANCE_ID") {
        if (type === "UNKNOWN_MEMBER_ID") this.memberId = "";
        this.lost = true;
        if (this.machine.is("STABLE")) this.machine.transitionTo("REBALANCING");
        this.settings.logger?.(`consumer group: dropped from the group (${type}): tasks lost`);
      } else {
        // The coordinator moved, or its connection broke: look it up again for the next beat.
        this.coordinator = undefined;
      }
    }
  }

  /** LeaveGroup (best effort: a coordinator that does not answer drops the member after its session timeout anyway). */
  async leave(): Promise<void> {
    if (this.machine.is("LEFT")) return;
    this.stopHeartbeats();
    await this.heartbeatInFlight;
    const wasMember = this.memberId !== "" && !this.machine.is("UNJOINED");
    this.machine.transitionTo("LEFT");
    if (wasMember && this.coordinator) {
      const coordinator = await this.coordinator.catch(() => undefined);
      await coordinator?.leaveGroup({ groupId: this.settings.groupId, memberId: this.memberId }).catch(() => {});
    }
    await this.cluster.disconnect().catch(() => {});
  }
}

/** weir's userData; anything unreadable (another program's member) counts as no tasks. */
function parseUserData(userData: Buffer | null | undefined): TaskUserData {
  if (!userData || userData.length === 0) return { tasks: [] };
  try {
    const parsed = JSON.parse(userData.toString("utf8")) as Partial<TaskUserData>;
    const tasks = Array.isArray(parsed.tasks) ? parsed.tasks.filter((t): t is string => typeof t === "string") : [];
    return typeof parsed.members === "number" ? { tasks, members: parsed.members } : { tasks };
  } catch {
    return { tasks: [] };
  }
}

function isRetriable(error: unknown): boolean {
  return Boolean(error && typeof error === "object" && (error as { retriable?: unknown }).retriable === true);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
