// What the group leader computes: which member runs which task. A task is a
// (sub-topology, partition) pair and owns all its input partitions, so the
// leader hands out tasks, never loose partitions (co-partitioned sources stay
// together, as in Kafka Streams' StreamsPartitionAssignor).
//
// Balanced by count, sub-topology by sub-topology: every member gets
// ⌊tasks / members⌋ of each sub-topology's tasks or one more (so every member
// reads input partitions, not only repartition ones), and the totals differ by
// at most one where the shape allows. Sticky: a member keeps the tasks it ran
// in the previous generation as far as balance allows, so that their state
// does not move (moving a task means restoring its stores from the changelog
// where it lands).
//
// Pure and deterministic (members and tasks are sorted first): a function of
// what the members reported, whoever the leader is.

export interface MemberTasks {
  readonly memberId: string;
  /** The tasks the member ran before this rebalance (what it reports in its subscription). */
  readonly previousTasks: readonly string[];
}

/** Assigns every task to exactly one member; returns each member's tasks, sorted. */
export function assignTasks(members: readonly MemberTasks[], tasks: readonly string[]): Map<string, string[]> {
  const sortedMembers = [...members].sort((a, b) => compare(a.memberId, b.memberId));
  const assignment = new Map<string, string[]>(sortedMembers.map((m) => [m.memberId, []]));
  if (sortedMembers.length === 0) return assignment;
  const bySubtopology = new Map<string, string[]>();
  for (const task of [...new Set(tasks)].sort(compareTaskIds)) {
    const sub = task.split("_")[0]!;
    bySubtopology.set(sub, [...(bySubtopology.get(sub) ?? []), task]);
  }
  for (const subtopologyTasks of bySubtopology.values()) assignSubtopology(sortedMembers, subtopologyTasks, assignment);
  for (const owned of assignment.values()) owned.sort(compareTaskIds);
  return assignment;
}

/**
 * One sub-topology's tasks, balanced over the members by themselves (so that
 * every member reads some of each sub-topology's partitions: the input topics
 * as well as the repartition topics), and, where one member must get one
 * more, given to whoever has fewest tasks overall (so that the totals stay
 * balanced too).
 */
function assignSubtopology(members: readonly MemberTasks[], tasks: readonly string[], assignment: Map<string, string[]>): void {
  const remaining = new Set(tasks);
  const base = Math.floor(tasks.length / members.length);
  let withOneMore = tasks.length % members.length;
  const here = new Map<string, string[]>(members.map((m) => [m.memberId, []]));
  const give = (memberId: string, task: string) => {
    here.get(memberId)!.push(task);
    assignment.get(memberId)!.push(task);
    remaining.delete(task);
  };
  const total = (memberId: string) => assignment.get(memberId)!.length;

  // 1. Each member keeps up to `base` of the tasks it ran (a task two members
  //    claim, as after a zombie, goes to the first).
  const leftovers = new Map<string, string[]>();
  for (const member of members) {
    const previous = [...member.previousTasks].sort(compareTaskIds).filter((task) => remaining.has(task));
    for (const task of previous.slice(0, base)) give(member.memberId, task);
    leftovers.set(member.memberId, previous.slice(base));
  }
  // 2. One more each for members that ran more, while one more is allowed and
  //    the member is not ahead of the least loaded member overall.
  for (const member of [...members].sort((a, b) => total(a.memberId) - total(b.memberId))) {
    if (withOneMore === 0) break;
    const task = leftovers.get(member.memberId)!.find((t) => remaining.has(t));
    const fewest = Math.min(...members.map((m) => total(m.memberId)));
    if (task === undefined || total(member.memberId) > fewest) continue;
    give(member.memberId, task);
    withOneMore--;
  }
  // 3. The rest, in partition order, each to the member with fewest of this
  //    sub-topology's tasks that is under its cap, then fewest tasks overall.
  for (const task of remaining) {
    const candidates = members.filter((m) => {
      const count = here.get(m.memberId)!.length;
      return count < base || (count === base && withOneMore > 0);
    });
    const target = candidates.reduce((best, m) => {
      const [countM, countBest] = [here.get(m.memberId)!.length, here.get(best.memberId)!.length];
      if (countM !== countBest) return countM < countBest ? m : best;
      return total(m.memberId) < total(best.memberId) ? m : best;
    });
    if (here.get(target.memberId)!.length === base) withOneMore--;
    give(target.memberId, task);
  }
}

/** `1_10` after `1_9`: by sub-topology, then partition, as numbers. */
export function compareTaskIds(a: string, b: string): number {
  const [subA, partA] = a.split("_").map(Number) as [number, number];
  const [subB, partB] = b.split("_").map(Number) as [number, number];
  return subA - subB || partA - partB || compare(a, b);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
