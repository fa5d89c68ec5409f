// The group member's answers to the coordinator's errors, which a healthy
// single broker rarely produces on demand: a scripted coordinator plays them.
// (The real broker runs the ordinary paths in test/kafka/runtime/group.test.ts.)
import { AssignerProtocol } from "kafkajs";
import { describe, expect, it } from "vitest";
import type { GroupSettings } from "../../../runtime/internal/group-member.ts";
import { KafkaGroupMemberImpl, PROTOCOL_NAME, type GroupCluster, type GroupCoordinator } from "../../../runtime/internal/kafka-group-member.ts";

/** A Kafka protocol error as kafkajs throws it. */
function protocolError(type: string, extra: object = {}): Error {
  return Object.assign(new Error(type), { type, retriable: false, ...extra });
}

const SETTINGS: GroupSettings = {
  groupId: "app",
  tasks: [
    { task: "0_0", partitions: [{ topic: "in", partition: 0 }] },
    { task: "0_1", partitions: [{ topic: "in", partition: 1 }] },
  ],
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 5,
  rebalanceTimeoutMs: 1000,
};

class ScriptedCoordinator implements GroupCoordinator {
  readonly calls: string[] = [];
  /** Errors to throw, in order, per request type. */
  readonly failures: Record<string, Error[]> = { join: [], sync: [], heartbeat: [] };
  generation = 0;
  lastJoinMemberId: string | undefined;
  assignments: { memberId: string; memberAssignment: Buffer }[] = [];

  async joinGroup(request: Parameters<GroupCoordinator["joinGroup"]>[0]) {
    this.calls.push(`join ${request.memberId || "(new)"}`);
    this.lastJoinMemberId = request.memberId;
    const failure = this.failures.join!.shift();
    if (failure) throw failure;
    this.generation++;
    const memberId = request.memberId || "m-1";
    return { generationId: this.generation, groupProtocol: PROTOCOL_NAME, leaderId: memberId, memberId, members: [{ memberId, memberMetadata: request.groupProtocols[0]!.metadata }] };
  }

  async syncGroup(request: Parameters<GroupCoordinator["syncGroup"]>[0]) {
    this.calls.push(`sync ${request.generationId}`);
    const failure = this.failures.sync!.shift();
    if (failure) throw failure;
    this.assignments = request.groupAssignment;
    return { memberAssignment: request.groupAssignment.find((a) => a.memberId === request.memberId)!.memberAssignment };
  }

  async heartbeat(): Promise<void> {
    this.calls.push("heartbeat");
    const failure = this.failures.heartbeat!.shift();
    if (failure) throw failure;
  }

  async leaveGroup(request: { memberId: string }): Promise<void> {
    this.calls.push(`leave ${request.memberId}`);
  }
}

function memberOver(coordinator: ScriptedCoordinator): KafkaGroupMemberImpl {
  const cluster: GroupCluster = { connect: async () => {}, disconnect: async () => {}, findGroupCoordinator: async () => coordinator };
  return new KafkaGroupMemberImpl(cluster, SETTINGS, (error) => (error as { type?: string }).type);
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

describe("KafkaGroupMemberImpl", () => {
  it("joins as leader, assigns every task in the standard consumer format, and heartbeats", async () => {
    const coordinator = new ScriptedCoordinator();
    const member = memberOver(coordinator);
    const assignment = await member.join([]);
    expect(assignment).toEqual({ generationId: 1, memberId: "m-1", tasks: ["0_0", "0_1"], members: 1 });
    expect(member.state).toBe("STABLE");
    expect(member.generation).toEqual({ generationId: 1, memberId: "m-1" });
    const decoded = AssignerProtocol.MemberAssignment.decode(coordinator.assignments[0]!.memberAssignment)!;
    expect(decoded.assignment).toEqual({ in: [0, 1] });
    await until(() => coordinator.calls.includes("heartbeat"));
    await member.leave();
    expect(coordinator.calls.at(-1)).toBe("leave m-1");
    expect(member.state).toBe("LEFT");
  });

  it("MEMBER_ID_REQUIRED: joins again with the member id the coordinator returned", async () => {
    const coordinator = new ScriptedCoordinator();
    coordinator.failures.join!.push(protocolError("MEMBER_ID_REQUIRED", { memberId: "m-given" }));
    const member = memberOver(coordinator);
    expect((await member.join([])).memberId).toBe("m-given");
    expect(coordinator.calls.slice(0, 2)).toEqual(["join (new)", "join m-given"]);
    await member.leave();
  });

  it("REBALANCE_IN_PROGRESS on SyncGroup: back to JOINING, then a later generation", async () => {
    const coordinator = new ScriptedCoordinator();
    coordinator.failures.sync!.push(protocolError("REBALANCE_IN_PROGRESS"));
    const member = memberOver(coordinator);
    expect((await member.join([])).generationId).toBe(2);
    expect(coordinator.calls.slice(0, 4)).toEqual(["join (new)", "sync 1", "join m-1", "sync 2"]);
    await member.leave();
  });

  it("UNKNOWN_MEMBER_ID on JoinGroup: joins again as a new member; NOT_COORDINATOR: looks the coordinator up again", async () => {
    const coordinator = new ScriptedCoordinator();
    const member = memberOver(coordinator);
    await member.join([]);
    coordinator.failures.join!.push(protocolError("NOT_COORDINATOR"), protocolError("UNKNOWN_MEMBER_ID"));
    member.requestRejoin();
    expect(member.rebalanceNeeded).toBe(true);
    await member.join(["0_0", "0_1"]);
    expect(coordinator.calls.filter((c) => c.startsWith("join"))).toEqual(["join (new)", "join m-1", "join m-1", "join (new)"]);
    expect(member.rebalanceNeeded).toBe(false);
    await member.leave();
  });

  it("kafkajs' names for a coordinator moving or loading (NOT_COORDINATOR_FOR_GROUP, GROUP_LOAD_IN_PROGRESS): looks the coordinator up again and joins", async () => {
    const coordinator = new ScriptedCoordinator();
    coordinator.failures.join!.push(protocolError("NOT_COORDINATOR_FOR_GROUP"), protocolError("GROUP_LOAD_IN_PROGRESS"));
    let lookups = 0;
    const cluster: GroupCluster = { connect: async () => {}, disconnect: async () => {}, findGroupCoordinator: async () => (lookups++, coordinator) };
    const member = new KafkaGroupMemberImpl(cluster, SETTINGS, (error) => (error as { type?: string }).type);
    expect(await member.join([])).toMatchObject({ generationId: 1, tasks: ["0_0", "0_1"] });
    expect(lookups).toBe(3);
    await member.leave();
  });

  it("a join that gave up (no coordinator to be found: a broker outage) can be tried again, and gives up by the time it is given", async () => {
    const coordinator = new ScriptedCoordinator();
    let reachable = false;
    const cluster: GroupCluster = {
      connect: async () => {},
      disconnect: async () => {},
      findGroupCoordinator: async () => {
        if (!reachable) throw Object.assign(new Error("Failed to find group coordinator"), { name: "KafkaJSGroupCoordinatorNotFound", retriable: true });
        return coordinator;
      },
    };
    const member = new KafkaGroupMemberImpl(cluster, SETTINGS, (error) => (error as { type?: string }).type);
    const started = Date.now();
    await expect(member.join([], Date.now() + 300)).rejects.toThrowError('cannot join consumer group "app": KafkaJSGroupCoordinatorNotFound: Failed to find group coordinator');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(member.state).toBe("JOINING");
    reachable = true;
    expect(await member.join(["0_1"])).toMatchObject({ generationId: 1, tasks: ["0_0", "0_1"] });
    expect(member.state).toBe("STABLE");
    await member.leave();
  });

  it("a heartbeat answered REBALANCE_IN_PROGRESS asks for a rebalance; the tasks are not lost", async () => {
    const coordinator = new ScriptedCoordinator();
    const member = memberOver(coordinator);
    await member.join([]);
    coordinator.failures.heartbeat!.push(protocolError("REBALANCE_IN_PROGRESS"));
    await until(() => member.rebalanceNeeded);
    expect(member.state).toBe("REBALANCING");
    expect(member.tasksLost).toBe(false);
    await member.join(["0_0", "0_1"]);
    expect(member.state).toBe("STABLE");
    await member.leave();
  });

  it("a heartbeat answered UNKNOWN_MEMBER_ID or ILLEGAL_GENERATION: the tasks are lost until the next join", async () => {
    for (const type of ["UNKNOWN_MEMBER_ID", "ILLEGAL_GENERATION"]) {
      const coordinator = new ScriptedCoordinator();
      const member = memberOver(coordinator);
      await member.join([]);
      coordinator.failures.heartbeat!.push(protocolError(type));
      await until(() => member.tasksLost);
      expect(member.rebalanceNeeded).toBe(true);
      await member.join([]);
      expect(member.tasksLost).toBe(false);
      // A member the coordinator forgot joins again without its old id.
      expect(coordinator.lastJoinMemberId).toBe(type === "UNKNOWN_MEMBER_ID" ? "" : "m-1");
      await member.leave();
    }
  });

  it("refuses a group that runs another protocol (another program using the application id as its group id)", async () => {
    const coordinator = new ScriptedCoordinator();
    coordinator.joinGroup = async () => ({ generationId: 1, groupProtocol: "RoundRobinAssigner", leaderId: "x", memberId: "m-1", members: [] });
    const member = memberOver(coordinator);
    await expect(member.join([])).rejects.toThrowError('consumer group "app" runs protocol "RoundRobinAssigner"');
    await member.leave();
  });
});
