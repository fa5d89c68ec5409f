import { describe, expect, it } from "vitest";
import { assignTasks, compareTaskIds } from "../../../runtime/internal/task-assignor.ts";

const tasks = (subtopologies: number, partitions: number) =>
  [...Array(subtopologies).keys()].flatMap((sub) => [...Array(partitions).keys()].map((p) => `${sub}_${p}`));

function counts(assignment: Map<string, string[]>): number[] {
  return [...assignment.values()].map((owned) => owned.length);
}

/** Every task exactly once over all members. */
function expectPartition(assignment: Map<string, string[]>, all: readonly string[]): void {
  const assigned = [...assignment.values()].flat();
  expect([...assigned].sort(compareTaskIds)).toEqual([...all].sort(compareTaskIds));
}

describe("assignTasks", () => {
  it("one member gets every task", () => {
    const all = tasks(2, 3);
    expect(assignTasks([{ memberId: "a", previousTasks: [] }], all)).toEqual(new Map([["a", ["0_0", "0_1", "0_2", "1_0", "1_1", "1_2"]]]));
  });

  it("new members: balanced by count, partitions of each sub-topology spread over the members", () => {
    const all = tasks(2, 4);
    const assignment = assignTasks(
      [
        { memberId: "b", previousTasks: [] },
        { memberId: "a", previousTasks: [] },
      ],
      all,
    );
    expectPartition(assignment, all);
    expect(assignment.get("a")).toEqual(["0_0", "0_2", "1_0", "1_2"]);
    expect(assignment.get("b")).toEqual(["0_1", "0_3", "1_1", "1_3"]);
  });

  it("sticky: a member that joins takes some of each sub-topology's tasks from the one that had them all, which keeps the rest", () => {
    const all = tasks(2, 4);
    const assignment = assignTasks(
      [
        { memberId: "old", previousTasks: all },
        { memberId: "new", previousTasks: [] },
      ],
      all,
    );
    expectPartition(assignment, all);
    expect(counts(assignment)).toEqual([4, 4]);
    expect(assignment.get("old")).toEqual(["0_0", "0_1", "1_0", "1_1"]);
    expect(assignment.get("new")).toEqual(["0_2", "0_3", "1_2", "1_3"]);
  });

  it("sticky: when a member leaves, the others keep theirs and share its tasks", () => {
    const all = tasks(1, 6);
    const assignment = assignTasks(
      [
        { memberId: "a", previousTasks: ["0_0", "0_1"] },
        { memberId: "c", previousTasks: ["0_4", "0_5"] },
      ],
      all,
    );
    expectPartition(assignment, all);
    expect(assignment.get("a")).toEqual(["0_0", "0_1", "0_2"]);
    expect(assignment.get("c")).toEqual(["0_3", "0_4", "0_5"]);
  });

  it("uneven counts: no member has two more than another, and the extra one goes to a member that ran it", () => {
    const all = tasks(1, 7);
    const assignment = assignTasks(
      [
        { memberId: "a", previousTasks: ["0_0", "0_1", "0_2", "0_3", "0_4"] },
        { memberId: "b", previousTasks: ["0_5", "0_6"] },
        { memberId: "c", previousTasks: [] },
      ],
      all,
    );
    expectPartition(assignment, all);
    expect(assignment.get("a")).toEqual(["0_0", "0_1", "0_4"]);
    expect(assignment.get("b")).toEqual(["0_5", "0_6"]);
    expect(assignment.get("c")).toEqual(["0_2", "0_3"]);
  });

  it("a task claimed by two members (one was a zombie) goes to one; tasks that no longer exist are ignored", () => {
    const all = tasks(1, 2);
    const assignment = assignTasks(
      [
        { memberId: "a", previousTasks: ["0_0", "0_9"] },
        { memberId: "b", previousTasks: ["0_0"] },
      ],
      all,
    );
    expectPartition(assignment, all);
    expect(assignment.get("a")).toEqual(["0_0"]);
    expect(assignment.get("b")).toEqual(["0_1"]);
  });

  it("more members than tasks: some get none", () => {
    const assignment = assignTasks(
      ["a", "b", "c"].map((memberId) => ({ memberId, previousTasks: [] })),
      ["0_0", "0_1"],
    );
    expect(counts(assignment).sort()).toEqual([0, 1, 1]);
    expectPartition(assignment, ["0_0", "0_1"]);
  });

  it("is deterministic whatever the order members are listed in", () => {
    const all = tasks(3, 5);
    const members = [
      { memberId: "m3", previousTasks: ["2_1", "0_4"] },
      { memberId: "m1", previousTasks: ["0_0", "1_1", "2_2", "2_3", "2_4", "1_4"] },
      { memberId: "m2", previousTasks: [] },
    ];
    const first = assignTasks(members, all);
    const second = assignTasks([...members].reverse(), [...all].reverse());
    expect(second).toEqual(first);
    expectPartition(first, all);
    expect(counts(first)).toEqual([5, 5, 5]);
  });

  it("over many shapes and histories: every task once, each sub-topology and the totals balanced within one, previous tasks kept as balance allows", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 300; round++) {
      const subtopologies = 1 + Math.floor(random() * 3);
      const partitions = 1 + Math.floor(random() * 8);
      const all = tasks(subtopologies, partitions);
      const memberCount = 1 + Math.floor(random() * 5);
      const members = [...Array(memberCount).keys()].map((i) => ({ memberId: `m${i}`, previousTasks: all.filter(() => random() < 1 / memberCount) }));
      const assignment = assignTasks(members, all);
      expectPartition(assignment, all);
      for (let sub = 0; sub < subtopologies; sub++) {
        const perMember = [...assignment.values()].map((owned) => owned.filter((t) => t.startsWith(`${sub}_`)).length);
        expect(Math.max(...perMember) - Math.min(...perMember), `round ${round}, sub-topology ${sub}`).toBeLessThanOrEqual(1);
      }
      const totals = counts(assignment);
      // Per sub-topology balance can leave the totals two apart only when several sub-topologies each have an odd one out.
      expect(Math.max(...totals) - Math.min(...totals), `round ${round}`).toBeLessThanOrEqual(subtopologies > 1 ? 2 : 1);
      // Sticky: of the tasks only it ran, a member keeps at least its share of each sub-topology.
      for (const member of members) {
        const owned = assignment.get(member.memberId)!;
        for (let sub = 0; sub < subtopologies; sub++) {
          const previous = member.previousTasks.filter((t) => t.startsWith(`${sub}_`));
          const onlyMine = previous.filter((t) => !members.some((m) => m !== member && m.previousTasks.includes(t)));
          const kept = owned.filter((t) => previous.includes(t)).length;
          expect(kept, `round ${round}, ${member.memberId}, sub-topology ${sub}`).toBeGreaterThanOrEqual(Math.min(onlyMine.length, Math.floor(partitions / memberCount)));
        }
      }
    }
  });

  it("orders task ids by sub-topology, then partition, as numbers", () => {
    expect(["1_10", "0_2", "1_9", "0_10"].sort(compareTaskIds)).toEqual(["0_2", "0_10", "1_9", "1_10"]);
  });
});
