// What kind of step a pipeline step is, as the checker and the planner both ask it.
import type { SelectStep, Step, WhereStep } from "../../grammar/ast.ts";

export function isAggregation(step: Step): boolean {
  // (A window is followed by an aggregation; it is not one itself.)
  return step.kind === "Count" || step.kind === "Sum" || step.kind === "Aggregate";
}

/** What may follow an aggregation in a table's pipeline: steps that transform the table it made as a table. */
export function isTableStepAfterAggregation(step: Step): step is WhereStep | SelectStep {
  return step.kind === "Where" || step.kind === "Select";
}

/**
 * The steps after a table pipeline's aggregation (`| count | where value > 3`, a HAVING): they
 * transform the aggregated table as a table, which is then materialized under the table's name.
 */
export function stepsAfterAggregation(steps: readonly Step[]): readonly Step[] {
  const aggregation = steps.findIndex(isAggregation);
  return aggregation === -1 ? [] : steps.slice(aggregation + 1);
}

/** `group by`, `left join`: a step's keyword, as written (node names use it too). */
export function stepName(step: Step): string {
  switch (step.kind) {
    case "Where":
      return "where";
    case "Select":
      return "select";
    case "FlatMap":
      return "flatmap";
    case "Rekey":
      return "rekey";
    case "GroupBy":
      return "group by";
    case "Window":
      return "window";
    case "Count":
      return "count";
    case "Sum":
      return "sum";
    case "Aggregate":
      return "aggregate";
    case "Join":
      return step.type === "inner" ? "join" : `${step.type} join`;
    case "Dedup":
      return "dedup";
    case "Merge":
      return "merge";
  }
}
