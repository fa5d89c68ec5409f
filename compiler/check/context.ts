// The checker's shared core: what every room of the checker reads and fills in.
// The rooms (collections, joins, windows, sinks, expressions) are functions over
// this context; each reports through its DiagnosticBag and records what it found
// in its maps, which become the CheckedFile.
import type { BranchDecl, CallExpr, Duration, Expr, JoinStep, NameExpr, PipelineDecl, Step } from "../../grammar/ast.ts";
import type { DiagnosticBag } from "../diagnostics.ts";
import type { CollectionDecl, ResolvedFile } from "../resolve.ts";
import type { RecordType, Type } from "../types.ts";
import type { CallBinding, CheckedFile, JoinForm, NameBinding, PipelineForm, Shape, TableDeletes } from "./checked-file.ts";
import { ExpressionChecker } from "./expressions.ts";

/** Works out the shape of one declaration (collections.ts): the context calls it once per collection. */
export type CollectionChecker = (cx: CheckContext, declaration: CollectionDecl) => Shape | undefined;

export class CheckContext {
  readonly schemaTypes = new Map<string, RecordType>();
  readonly shapes = new Map<string, Shape>();
  readonly stepInputs = new Map<Step, Shape>();
  readonly types = new Map<Expr, Type>();
  readonly names = new Map<NameExpr, NameBinding>();
  readonly calls = new Map<CallExpr, CallBinding>();
  readonly narrowed = new Set<Expr>();
  readonly durations = new Map<Duration, number>();
  readonly pipelineForms = new Map<PipelineDecl, PipelineForm>();
  readonly joinForms = new Map<JoinStep, JoinForm>();
  readonly tableDeletes = new Map<string, TableDeletes>();
  readonly branchInputs = new Map<BranchDecl, Shape>();
  /** Branches already checked (each is checked once, whichever arm is reached first). */
  readonly checkedBranches = new Set<BranchDecl>();
  /** Checks expressions everywhere but in the topic of a sink over deletes (see sinks.ts): a value that may be null gets the usual hint. */
  readonly expressions: ExpressionChecker = new ExpressionChecker(this);
  private readonly order: string[] = [];
  private readonly inProgress = new Set<string>();
  /** The collections being checked, each reading the next: a name met again closes a cycle. */
  private readonly path: string[] = [];
  /** Collections already checked, with or without a shape: each is checked (and reported) once. */
  private readonly done = new Set<string>();

  constructor(
    readonly resolved: ResolvedFile,
    readonly bag: DiagnosticBag,
    private readonly checkCollection: CollectionChecker,
  ) {}

  /** The shape of a collection, checked the first time it is asked for; undefined when it has none (reported). */
  shapeOf(name: string): Shape | undefined {
    if (this.done.has(name)) return this.shapes.get(name);
    const declaration = this.resolved.collections.get(name);
    if (!declaration) return undefined;
    if (this.inProgress.has(name)) {
      this.reportCycle(name, declaration);
      return undefined;
    }
    this.inProgress.add(name);
    this.path.push(name);
    const shape = this.checkCollection(this, declaration);
    this.path.pop();
    this.inProgress.delete(name);
    this.done.add(name);
    if (shape) {
      this.shapes.set(name, shape);
      this.order.push(name);
    }
    return shape;
  }

  /** `stream a = b | ...` with `stream b = a | ...`: records would go round for ever. A collection reading itself directly is WEIR2013. */
  private reportCycle(name: string, declaration: CollectionDecl): void {
    const cycle = this.path.slice(this.path.indexOf(name));
    if (cycle.length < 2) return;
    this.bag.report("cyclicReference", declaration.name, [name, [...cycle, name].join(" → ")], {
      hint: "a stream can only read streams declared from sources, without coming back to itself",
    });
  }

  result(): CheckedFile {
    return {
      ...this.resolved,
      schemaTypes: this.schemaTypes,
      shapes: this.shapes,
      stepInputs: this.stepInputs,
      types: this.types,
      names: this.names,
      calls: this.calls,
      narrowed: this.narrowed,
      durations: this.durations,
      pipelineForms: this.pipelineForms,
      joinForms: this.joinForms,
      tableDeletes: this.tableDeletes,
      branchInputs: this.branchInputs,
      order: this.order,
    };
  }
}
