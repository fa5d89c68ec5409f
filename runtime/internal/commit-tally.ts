// What a run has committed so far, counted the same way by every engine: each
// commit's tasks' work is added, and the commit is described (CommitInfo) for
// the run's onCommit hook and, at the end, its summary.
import type { CommitInfo } from "../engine.ts";
import type { TaskCommit } from "./task.ts";

export class CommitTally {
  commits = 0;
  recordsProcessed = 0;
  deadLettered = 0;
  lateRecords = 0;
  readonly outputs: Record<string, number> = {};

  /** Adds one commit of these tasks' work, which took `durationMs`; returns what it wrote. */
  add(taskCommits: readonly TaskCommit[], durationMs: number): CommitInfo {
    const info = { records: 0, deadLettered: 0, lateRecords: 0, changelogRecords: 0, outputs: {} as Record<string, number> };
    for (const taskCommit of taskCommits) {
      info.records += taskCommit.processed;
      info.deadLettered += taskCommit.deadLettered;
      info.lateRecords += taskCommit.late;
      let outputs = 0;
      for (const [topic, count] of taskCommit.outputs) {
        info.outputs[topic] = (info.outputs[topic] ?? 0) + count;
        outputs += count;
      }
      // What is neither output nor dead letter is a store's change.
      info.changelogRecords += taskCommit.records.length - outputs - taskCommit.deadLettered;
    }
    this.commits++;
    this.recordsProcessed += info.records;
    this.deadLettered += info.deadLettered;
    this.lateRecords += info.lateRecords;
    for (const [topic, count] of Object.entries(info.outputs)) this.outputs[topic] = (this.outputs[topic] ?? 0) + count;
    return { commit: this.commits, ...info, durationMs };
  }
}

/** A sleep that `wake()` ends early: the engines' loops wait for records this way and stop at once when asked. */
export class Pause {
  private wakeUp: (() => void) | undefined;

  async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
    this.wakeUp = undefined;
  }

  wake(): void {
    this.wakeUp?.();
  }
}
