// Phase 2: types. Gives every schema its record type, every stream and table its
// shape (key type, value type, stream or table), every expression its type, and
// reports what does not fit, on the node that does not fit. Validators are named
// checkXxx and report through the DiagnosticBag; nothing here knows positions.
//
// The checker's rooms (compiler/check/), over one shared context (context.ts):
//   schemas.ts      schemas' record types, fields of records, the types formats read
//   collections.ts  sources, pipelines, tables, grouped tables, branches, merges, dedups
//   joins.ts        each join's form (recorded for the planner) and its sides
//   windows.ts      windows, durations, aggregations
//   sinks.ts        formats, topics and headers of sinks
//   expressions.ts  the type of every expression; names, calls, narrowing
//   hints.ts        the texts of hints
// What it finds is the CheckedFile (checked-file.ts), which the planner reads.
import type { DiagnosticBag } from "./diagnostics.ts";
import type { ResolvedFile } from "./resolve.ts";
import type { CheckedFile } from "./check/checked-file.ts";
import { checkBranch, checkCollection, checkSources, checkUnused } from "./check/collections.ts";
import { CheckContext } from "./check/context.ts";
import { checkSchemas } from "./check/schemas.ts";
import { checkSink } from "./check/sinks.ts";

export type { CallBinding, CheckedFile, JoinForm, JoinWindowMs, NameBinding, PipelineForm, Shape, TableDeletes } from "./check/checked-file.ts";
export { streamJoinKeyEncoding } from "./check/joins.ts";
export { stepName } from "./check/steps.ts";

export function checkFile(resolved: ResolvedFile, bag: DiagnosticBag): CheckedFile {
  const cx = new CheckContext(resolved, bag, checkCollection);
  checkSchemas(cx);
  checkSources(cx);
  for (const name of resolved.collections.keys()) cx.shapeOf(name);
  // A branch without arms declares no stream, so no shape reaches it: check it here.
  for (const declaration of resolved.file.declarations) if (declaration.kind === "Branch") checkBranch(cx, declaration);
  for (const sink of resolved.sinks) checkSink(cx, sink);
  checkUnused(cx);
  return cx.result();
}
