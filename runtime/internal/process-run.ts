// A run as the main work of a program (`weir run`, a compiled module run as a
// service): stopped by SIGINT or SIGTERM, and told in one line when it ends.
import type { RunSummary } from "../engine.ts";

/**
 * Runs `run` with a signal that SIGINT or SIGTERM fires: the engine then
 * commits the work done and stops (on Kafka the instance leaves its consumer
 * group, so that the others take over its tasks at once). The handlers are
 * removed once the run has ended, however it ended.
 *
 * Started by npm (`npx weir run`, an `npm start` whose script does not exec
 * node), the process is the child of a shell that npm passes SIGTERM to and
 * that dies of it without passing it on: the run would go on, orphaned, and
 * never commit or leave its group. So under npm the launcher going away stops
 * the run as SIGTERM does.
 */
export async function untilStopSignal<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const stopWatching = whenLauncherGone(stop);
  try {
    return await run(controller.signal);
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    stopWatching();
  }
}

/** How often a run that npm started looks for its parent process. */
const launcherCheckMs = 200;

/** The parent as the program started: taken when it loads, so that a launcher gone before the run began is seen too. */
const launcher = process.ppid;

/**
 * Calls `gone` once the parent process has gone (the process was adopted by
 * another), when npm started this one; returns what stops the watch. Outside
 * npm nothing is watched: `nohup node index.js &` outlives its shell on purpose.
 */
function whenLauncherGone(gone: () => void): () => void {
  if (process.env.npm_lifecycle_event === undefined) return () => {};
  const timer = setInterval(() => {
    if (process.ppid === launcher) return;
    clearInterval(timer);
    gone();
  }, launcherCheckMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** The parts of the summary line a program prints (each kept as that program has always printed it). */
export interface SummaryParts {
  /** `APP: ` first: on Kafka and in services, where several applications write to one place. */
  readonly application: boolean;
  /** ` (drained)` or ` (closed)` after the counts. */
  readonly stoppedBy: boolean;
  /** `; N sent to APP-dlq (L late: ...)` when there were dead letters. */
  readonly deadLetters: boolean;
}

/** `[APP: ]processed N records in M commits[ (drained)][; D sent to APP-dlq[ (L late: past their window's end + grace)]]`. */
export function summaryLine(summary: RunSummary, parts: SummaryParts): string {
  return (
    (parts.application ? `${summary.application}: ` : "") +
    `processed ${summary.recordsProcessed} records in ${summary.commits} commits` +
    (parts.stoppedBy ? ` (${summary.stoppedBy})` : "") +
    (parts.deadLetters && summary.deadLettered > 0 ? `; ${summary.deadLettered} sent to ${summary.application}-dlq` : "") +
    (parts.deadLetters && summary.lateRecords ? ` (${summary.lateRecords} late: past their window's end + grace)` : "")
  );
}
