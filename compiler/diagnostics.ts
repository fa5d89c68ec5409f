// Every diagnostic weir can report, with its stable code and severity.
// Codes never change meaning once released: tools and docs refer to them.
//   WEIR1xxx  lexing and parsing
//   WEIR2xxx  names: declarations, references, imports
//   WEIR3xxx  types of expressions, formats and event time
//   WEIR4xxx  the shape of pipelines: grouping, aggregation, tables, sinks
import type { Node, SourceRange } from "../grammar/ast.ts";

export type Severity = "error" | "warning";

export interface RelatedInformation {
  readonly message: string;
  readonly file: string;
  readonly start: number;
  readonly length: number;
}

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly file: string;
  /** Character offset into the file; turned into line:column only when printed. */
  readonly start: number;
  readonly length: number;
  readonly hint?: string;
  readonly related?: readonly RelatedInformation[];
}

interface DiagnosticDefinition<Args extends unknown[]> {
  readonly code: string;
  readonly severity: Severity;
  readonly message: (...args: Args) => string;
}

function define<Args extends unknown[]>(code: string, severity: Severity, message: (...args: Args) => string): DiagnosticDefinition<Args> {
  return { code, severity, message };
}

const q = (text: string): string => `'${text}'`;

export const diagnostics = {
  // lexing and parsing
  unexpectedCharacter: define("WEIR1001", "error", (message: string) => message),
  syntaxError: define("WEIR1002", "error", (message: string) => message),

  // names
  missingApplication: define("WEIR2001", "error", () => "a topology file must start with 'application NAME'"),
  duplicateDeclaration: define("WEIR2002", "error", (name: string) => `${q(name)} is already declared`),
  unknownCollection: define("WEIR2003", "error", (name: string) => `unknown stream or table ${q(name)}`),
  unknownSchema: define("WEIR2004", "error", (name: string) => `unknown schema ${q(name)}`),
  unknownName: define("WEIR2005", "error", (name: string, where: string) => `unknown name ${q(name)} ${where}`),
  unknownFunction: define("WEIR2006", "error", (name: string) => `unknown function ${q(name)}`),
  duplicateField: define("WEIR2007", "error", (name: string) => `field ${q(name)} appears twice`),
  moduleNotFound: define("WEIR2008", "error", (module: string) => `cannot find the module ${q(module)}`),
  importNotFound: define("WEIR2009", "error", (name: string, module: string) => `${q(module)} does not export a function named ${q(name)}`),
  unsupportedImportType: define("WEIR2010", "error", (name: string, detail: string) => `the function ${q(name)} cannot be called from weir: ${detail}`),
  unknownField: define("WEIR2011", "error", (name: string, type: string) => `${type} has no field ${q(name)}`),
  importShadowsBuiltin: define("WEIR2012", "error", (name: string) => `the import ${q(name)} has the name of a built-in function`),
  selfReference: define("WEIR2013", "error", (name: string) => `${q(name)} reads from itself`),
  reservedFieldName: define("WEIR2015", "error", (name: string) => `${q(name)} cannot be a field name: JavaScript objects reserve it`),
  tableNotJoined: define("WEIR2016", "error", (name: string) => `the table ${q(name)} is not joined here`),
  unsupportedAggregate: define("WEIR2025", "error", (name: string, detail: string) => `the aggregate ${q(name)} cannot be used from weir: ${detail}`),
  aggregateCalledAsFunction: define("WEIR2026", "error", (name: string) => `${q(name)} is an aggregate: it folds many records into one value, so it is used inside 'aggregate { ... }'`),
  noWindow: define("WEIR2014", "error", () => "there is no window here: 'window' is known only in the records of a windowed table"),

  // types
  operandType: define("WEIR3001", "error", (operator: string, expected: string, found: string) => `${q(operator)} needs ${expected}, but this is ${found}`),
  notBoolean: define("WEIR3002", "error", (what: string, found: string) => `${what} must be a boolean, but this is ${found}`),
  argumentCount: define("WEIR3003", "error", (name: string, expected: string, found: number) => `${q(name)} takes ${expected}, but is given ${found}`),
  topicNotString: define("WEIR3025", "error", (found: string) => `the topic a sink writes to must be a string, but this is ${found}`),
  headerNotString: define("WEIR3026", "error", (name: string, found: string) => `the header ${q(name)} must be a string (or null, which leaves it out), but this is ${found}`),
  argumentType: define("WEIR3004", "error", (position: number, name: string, expected: string, found: string) => `argument ${position} of ${q(name)} must be ${expected}, but this is ${found}`),
  notAList: define("WEIR3005", "error", (found: string) => `flatmap needs a list, but this is ${found}`),
  mayBeNull: define("WEIR3006", "error", (found: string) => `this may be null (${found})`),
  incomparable: define("WEIR3007", "error", (operator: string, left: string, right: string) => `cannot compare ${left} with ${right} using ${q(operator)}`),
  eventTimeType: define("WEIR3008", "error", (field: string, found: string) => `the event time field ${q(field)} must be a number or timestamp (epoch milliseconds), but it is ${found}`),
  eventTimeNeedsSchema: define("WEIR3009", "error", () => "event time needs a value format of 'json SCHEMA', so that the field's type is known"),
  formatMismatch: define("WEIR3010", "error", (part: string, format: string, found: string) => `the ${part} format '${format}' needs a string ${part}, but the ${part} is ${found}`),
  notARecord: define("WEIR3011", "error", (field: string, found: string) => `cannot read the field ${q(field)} of ${found}`),
  notIndexable: define("WEIR3012", "error", (found: string) => `only a list can be indexed, but this is ${found}`),
  branchTypes: define("WEIR3013", "error", (thenType: string, elseType: string) => `the branches of 'if' have different types: ${thenType} and ${elseType}`),
  listElementTypes: define("WEIR3014", "error", (first: string, other: string) => `list elements must have one type, but they are ${first} and ${other}`),
  invalidPattern: define("WEIR3015", "error", (detail: string) => `invalid regular expression: ${detail}`),
  sinkSchemaMismatch: define("WEIR3016", "error", (schema: string, detail: string) => `the value does not match the schema ${q(schema)}: ${detail}`),
  unknownTimeUnit: define("WEIR3017", "error", (unit: string) => `unknown unit of time ${q(unit)}`),
  durationNotWhole: define("WEIR3018", "error", (duration: string) => `a duration must be a whole number of milliseconds, but ${duration} is not`),
  joinKeyType: define("WEIR3019", "error", (streamKey: string, table: string, tableKey: string) => `the stream's key is ${streamKey}, but the table ${q(table)} is keyed by ${tableKey}`),

  // pipelines
  aggregateWithoutGroup: define("WEIR4001", "error", (step: string) => `${q(step)} needs a grouped stream`),
  groupWithoutAggregate: define("WEIR4002", "error", () => "'group by' must be followed by an aggregation (count, sum or aggregate)"),
  stepAfterAggregate: define("WEIR4003", "error", (step: string) => `${q(step)} cannot follow an aggregation in the same pipeline`),
  collectionMismatch: define("WEIR4004", "error", (declared: string, actual: string) => `declared as a ${declared}, but this pipeline makes a ${actual}`),
  notAnAggregateCall: define("WEIR4005", "error", (field: string) => `the field ${q(field)} of 'aggregate' must be an aggregate function call`),
  tableTransform: define("WEIR4006", "error", (step: string) => `${q(step)} on a table is not supported yet`),
  sinkLoop: define("WEIR4007", "error", (topic: string) => `the topology reads the topic "${topic}" that this sink writes to`),
  unusedCollection: define("WEIR4008", "warning", (name: string) => `${q(name)} is never used: nothing reads it and no sink writes it`),
  emptyAggregate: define("WEIR4009", "error", () => "'aggregate' needs at least one field"),
  windowWithoutGroup: define("WEIR4010", "error", () => "'window' needs a grouped stream: windows are per key"),
  windowWithoutAggregate: define("WEIR4011", "error", () => "'window' must be followed by an aggregation (count, sum or aggregate)"),
  durationNotPositive: define("WEIR4012", "error", (what: string, duration: string) => `${what} must be longer than 0, but it is ${duration}`),
  negativeGrace: define("WEIR4013", "error", (duration: string) => `the grace period cannot be negative, but it is ${duration}`),
  advanceLargerThanSize: define("WEIR4014", "error", (advance: string, size: string) => `the advance (${advance}) is larger than the window size (${size}): records between two windows would fall in none`),
  hoppingWithoutAdvance: define("WEIR4015", "error", () => "a hopping window needs 'advance': how far each window starts after the previous one"),
  advanceNotAllowed: define("WEIR4016", "error", (type: string) => `'advance' belongs to hopping windows, not ${type} windows`),
  emitFinalWithoutGrace: define("WEIR4017", "error", () => "'emit final' needs an explicit grace period: it decides when the one result of each window is written"),
  sinkToInternalTopic: define("WEIR4019", "error", (topic: string) => `"${topic}" is one of this application's own topics (changelog, repartition or dead letters)`),
  duplicateSource: define("WEIR4020", "error", (topic: string, other: string) => `the topic "${topic}" is already read by ${q(other)}`),
  duplicateSink: define("WEIR4021", "error", (name: string, topic: string) => `${q(name)} is already written to "${topic}"`),
  joinNotATable: define("WEIR4022", "error", (name: string) => `${q(name)} is a stream: 'join' needs a table`),
  joinDerivedTable: define("WEIR4023", "error", (name: string) => `joining the table ${q(name)}, made by an aggregation, is not supported yet`),
  sessionAggregateWithoutMerge: define("WEIR4030", "error", (name: string) => `the aggregate ${q(name)} has no 'merge', which a session window needs: sessions merge when a record bridges them`),
  windowWithoutEventTime: define("WEIR4018", "warning", (source: string) => `${q(source)} declares no event time: these windows use the timestamps its records have on the topic`),
} as const;

export type DiagnosticName = keyof typeof diagnostics;
export type DiagnosticCode = (typeof diagnostics)[DiagnosticName]["code"];
type ArgsOf<Name extends DiagnosticName> = Parameters<(typeof diagnostics)[Name]["message"]>;

export interface ReportOptions {
  readonly hint?: string;
  readonly related?: readonly { readonly message: string; readonly node: { readonly range: SourceRange } }[];
}

/**
 * Collects the diagnostics of one file. Checks report a node (or a range the
 * parser gave); the node's range becomes the diagnostic's span here, in one place.
 */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  constructor(readonly file: string) {}

  report<Name extends DiagnosticName>(name: Name, at: Node | { readonly range: SourceRange }, args: ArgsOf<Name>, options: ReportOptions = {}): void {
    const definition = diagnostics[name] as DiagnosticDefinition<ArgsOf<Name>>;
    const { start, end } = at.range;
    this.items.push({
      code: definition.code as DiagnosticCode,
      severity: definition.severity,
      message: definition.message(...args),
      file: this.file,
      start,
      length: Math.max(0, end - start),
      ...(options.hint !== undefined ? { hint: options.hint } : {}),
      ...(options.related
        ? { related: options.related.map((r) => ({ message: r.message, file: this.file, start: r.node.range.start, length: r.node.range.end - r.node.range.start })) }
        : {}),
    });
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }
}

export function hasErrors(list: readonly Diagnostic[]): boolean {
  return list.some((d) => d.severity === "error");
}

/** "did you mean" for an unknown name: the closest candidate within a small edit distance. */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const closest = closestName(name, candidates);
  return closest === undefined ? undefined : `did you mean '${closest}'?`;
}
