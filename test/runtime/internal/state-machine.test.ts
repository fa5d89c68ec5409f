import { describe, expect, it } from "vitest";
import { IllegalStateTransitionError, WeirRuntimeError } from "../../../runtime/errors.ts";
import { CHANGELOG_TRANSITIONS, type ChangelogState } from "../../../runtime/internal/changelog-reader.ts";
import { ENGINE_TRANSITIONS, type EngineState } from "../../../runtime/internal/engine-host.ts";
import { GROUP_MEMBER_TRANSITIONS, type GroupMemberState } from "../../../runtime/internal/group-member.ts";
import { StateMachine, type Transitions } from "../../../runtime/internal/state-machine.ts";
import { TASK_TRANSITIONS, type TaskState } from "../../../runtime/internal/task.ts";

/** Every (from, to) pair, split into those the table allows and those it does not. */
function pairs<S extends string>(transitions: Transitions<S>): { allowed: [S, S][]; illegal: [S, S][] } {
  const states = Object.keys(transitions) as S[];
  const allowed: [S, S][] = [];
  const illegal: [S, S][] = [];
  for (const from of states) {
    for (const to of states) (transitions[to].includes(from) ? allowed : illegal).push([from, to]);
  }
  return { allowed, illegal };
}

describe("StateMachine", () => {
  it("allows listed transitions and reports its state", () => {
    const machine = new StateMachine<TaskState>("task 0_0", TASK_TRANSITIONS, "CREATED");
    for (const next of ["RESTORING", "RUNNING", "SUSPENDED", "CLOSED"] as const) machine.transitionTo(next);
    expect(machine.state).toBe("CLOSED");
  });

  it("throws an IllegalStateTransitionError naming the owner and both states", () => {
    const machine = new StateMachine<TaskState>("task 1_2", TASK_TRANSITIONS, "CREATED");
    expect(() => machine.transitionTo("RUNNING")).toThrowError(IllegalStateTransitionError);
    expect(() => machine.transitionTo("RUNNING")).toThrowError(
      "task 1_2: illegal transition from CREATED to RUNNING (RUNNING may only be entered from RESTORING)",
    );
    expect(machine.state).toBe("CREATED");
    expect(new IllegalStateTransitionError("x")).toBeInstanceOf(WeirRuntimeError);
  });

  it("assertIn guards operations by state", () => {
    const machine = new StateMachine<TaskState>("task 0_0", TASK_TRANSITIONS, "CREATED");
    expect(() => machine.assertIn("process records", "RUNNING")).toThrowError("task 0_0: cannot process records in state CREATED (only in RUNNING)");
  });
});

describe.each([
  ["task", TASK_TRANSITIONS as Transitions<string>, ["CREATED", "RESTORING"], ["RESTORING", "RUNNING"], ["RUNNING", "CLOSED"]],
  ["changelog", CHANGELOG_TRANSITIONS as Transitions<string>, ["REGISTERED", "RESTORING"], ["RESTORING", "COMPLETED"], ["REGISTERED", "COMPLETED"]],
  ["engine", ENGINE_TRANSITIONS as Transitions<string>, ["IDLE", "STARTING"], ["RUNNING", "STOPPING"], ["RUNNING", "IDLE"]],
  ["group member", GROUP_MEMBER_TRANSITIONS as Transitions<string>, ["SYNCING", "STABLE"], ["REBALANCING", "JOINING"], ["JOINING", "STABLE"]],
])("the %s state machine", (_name, transitions, legal1, legal2, illegal) => {
  it("has the transitions the runtime relies on, and refuses a skipped step", () => {
    const { allowed, illegal: refused } = pairs(transitions);
    expect(allowed).toContainEqual(legal1);
    expect(allowed).toContainEqual(legal2);
    expect(refused).toContainEqual(illegal);
  });

  it("throws on every transition it does not list", () => {
    const { illegal: refused } = pairs(transitions);
    expect(refused.length).toBeGreaterThan(0);
    for (const [from, to] of refused) {
      const machine = new StateMachine("m", transitions, from);
      expect(() => machine.transitionTo(to), `${from} -> ${to}`).toThrowError(IllegalStateTransitionError);
    }
  });
});

describe("the task lifecycle", () => {
  it("cannot close a running task without suspending it, nor restore a closed one", () => {
    const task = new StateMachine<TaskState>("task", TASK_TRANSITIONS, "CREATED");
    task.transitionTo("RESTORING");
    task.transitionTo("RUNNING");
    expect(() => task.transitionTo("CLOSED")).toThrowError(IllegalStateTransitionError);
    task.transitionTo("SUSPENDED");
    task.transitionTo("CLOSED");
    expect(() => task.transitionTo("RESTORING")).toThrowError(IllegalStateTransitionError);
  });

  it("a changelog is restored once: COMPLETED cannot go back to RESTORING", () => {
    const changelog = new StateMachine<ChangelogState>("changelog", CHANGELOG_TRANSITIONS, "REGISTERED");
    changelog.transitionTo("RESTORING");
    changelog.transitionTo("COMPLETED");
    expect(() => changelog.transitionTo("RESTORING")).toThrowError(IllegalStateTransitionError);
  });

  it("a group member rejoins through JOINING and SYNCING, and never comes back once LEFT", () => {
    const member = new StateMachine<GroupMemberState>("member", GROUP_MEMBER_TRANSITIONS, "UNJOINED");
    for (const next of ["JOINING", "SYNCING", "STABLE", "REBALANCING", "JOINING", "SYNCING", "JOINING", "SYNCING", "STABLE", "LEFT"] as const) member.transitionTo(next);
    expect(() => member.transitionTo("JOINING")).toThrowError(IllegalStateTransitionError);
    expect(() => new StateMachine<GroupMemberState>("member", GROUP_MEMBER_TRANSITIONS, "REBALANCING").transitionTo("STABLE")).toThrowError(IllegalStateTransitionError);
  });

  it("a closed engine stays closed", () => {
    const engine = new StateMachine<EngineState>("engine", ENGINE_TRANSITIONS, "IDLE");
    engine.transitionTo("CLOSED");
    expect(() => engine.transitionTo("STARTING")).toThrowError(IllegalStateTransitionError);
  });
});
