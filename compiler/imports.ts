// Reads the TypeScript modules a .weir file imports functions from, and turns
// each function's TypeScript signature into a weir signature, so that calls are
// type-checked on the .weir line rather than failing later in generated code.
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Node as TsNodeType, Project, Signature, Type as TsType } from "ts-morph";
import { tsMorph } from "./ts-morph.ts";
import type { FunctionSignature, ParameterSpec } from "./builtins.ts";
import { Types, describeType, isAssignable, type RecordField, type Type } from "./types.ts";

export interface ImportedFunction {
  readonly name: string;
  /** Absolute path of the module. */
  readonly modulePath: string;
  /** For an aggregate: the arguments after the accumulator, and the result's type. */
  readonly signature: FunctionSignature;
  /** Set for a user aggregate: an exported object with init and add (see readAggregate). */
  readonly aggregate?: UserAggregateInfo;
  /** Where its declaration's name is (in the module, or in the one it re-exports it from): an editor goes there. */
  readonly declaredAt: SourcePosition;
}

/** A place in a TypeScript file; line and column 1-based. */
export interface SourcePosition {
  readonly path: string;
  readonly line: number;
  readonly column: number;
}

export interface UserAggregateInfo {
  /** What init returns and add takes and returns: kept in the state store. */
  readonly accumulator: Type;
  /** Whether it can merge two accumulators (session windows need it). */
  readonly merge: boolean;
  /** Whether it can take a record back out (aggregating a table needs it). */
  readonly subtract: boolean;
}

export type ImportLookup =
  | { readonly ok: true; readonly fn: ImportedFunction }
  | { readonly ok: false; readonly problem: "module-not-found" | "unsupported" | "unsupported-aggregate"; readonly detail?: string }
  /** `exported`: the functions the module does export, for a "did you mean". */
  | { readonly ok: false; readonly problem: "not-exported"; readonly detail?: string; readonly exported: readonly string[] };

/**
 * One TypeScript project for the process: making one loads TypeScript's own lib files, about a
 * second each time, which every compilation (and every test) would pay again. A module that
 * changed on disk since it was read is read again.
 */
let sharedProject: Project | undefined;
const versionRead = new Map<string, string>();

function fileVersion(path: string): string {
  if (!existsSync(path)) return "absent";
  const stats = statSync(path);
  return `${stats.mtimeMs}:${stats.size}`;
}

function projectWithFreshFiles(): Project {
  const { Project } = tsMorph();
  sharedProject ??= new Project({
    compilerOptions: { strict: true, allowImportingTsExtensions: true, noEmit: true },
    skipAddingFilesFromTsConfig: true,
  });
  // Modules the imported ones import are in the project too: any of them may have changed.
  let refreshed = false;
  for (const file of sharedProject.getSourceFiles()) {
    const path = file.getFilePath();
    const version = fileVersion(path);
    if (versionRead.get(path) === version) continue;
    file.refreshFromFileSystemSync();
    versionRead.set(path, version);
    refreshed = true;
  }
  // A changed module may import others, not read yet.
  if (refreshed) addDependencies(sharedProject);
  return sharedProject;
}

function addDependencies(project: Project): void {
  for (const added of project.resolveSourceFileDependencies()) versionRead.set(added.getFilePath(), fileVersion(added.getFilePath()));
}

/** Loads imported modules for one compilation; a module is parsed only if some name is imported from it. */
export class ImportReader {
  private project: Project | undefined;

  constructor(private readonly weirFilePath: string) {}

  modulePath(specifier: string): string {
    return resolve(dirname(this.weirFilePath), specifier);
  }

  lookup(specifier: string, name: string): ImportLookup {
    const path = this.modulePath(specifier);
    if (!existsSync(path)) return { ok: false, problem: "module-not-found" };
    const { Node: TsNode } = tsMorph();
    this.project ??= projectWithFreshFiles();
    let sourceFile = this.project.getSourceFile(path);
    if (!sourceFile) {
      sourceFile = this.project.addSourceFileAtPath(path);
      versionRead.set(path, fileVersion(path));
      // The modules it imports become the project's too, so that a change in one is seen.
      addDependencies(this.project);
    }
    const exports = sourceFile.getExportedDeclarations();
    const declaration = exports.get(name)?.[0];
    const exportedFunctions = (): string[] =>
      [...exports].filter(([, declarations]) => declarations[0]?.getType().getCallSignatures().length).map(([exported]) => exported);
    if (!declaration) return { ok: false, problem: "not-exported", exported: exportedFunctions() };
    const declaredAt = positionOfName(declaration);
    const callSignatures = declaration.getType().getCallSignatures();
    if (callSignatures.length === 0 && isAggregateShaped(declaration.getType())) {
      const aggregate = readAggregate(declaration, declaration.getType());
      if (typeof aggregate === "string") return { ok: false, problem: "unsupported-aggregate", detail: aggregate };
      return { ok: true, fn: { name, modulePath: path, signature: { ...aggregate.signature, summary: `an aggregate imported from ${specifier}` }, aggregate: aggregate.info, declaredAt } };
    }
    if (callSignatures.length === 0) return { ok: false, problem: "not-exported", detail: "it is not a function", exported: exportedFunctions() };
    if (callSignatures.length > 1) return { ok: false, problem: "unsupported", detail: "it has overloads" };
    const callSignature = callSignatures[0]!;
    const parameters = readParameters(callSignature, declaration, 0);
    if (typeof parameters === "string") return { ok: false, problem: "unsupported", detail: parameters };
    const returnTsType = callSignature.getReturnType();
    if (returnTsType.getSymbol()?.getName() === "Promise") {
      return { ok: false, problem: "unsupported", detail: "it returns a Promise; weir calls functions synchronously" };
    }
    const result = weirTypeOf(returnTsType);
    if (typeof result === "string") return { ok: false, problem: "unsupported", detail: `it returns ${result}` };
    return {
      ok: true,
      fn: {
        name,
        modulePath: path,
        signature: { ...parameters, result: () => result, summary: `imported from ${specifier}` },
        declaredAt,
      },
    };
  }
}

function positionOfName(declaration: TsNodeType): SourcePosition {
  const { Node: TsNode } = tsMorph();
  const named = TsNode.hasName(declaration) ? declaration.getNameNode() : declaration;
  const sourceFile = declaration.getSourceFile();
  const { line, column } = sourceFile.getLineAndColumnAtPos(named.getStart());
  return { path: sourceFile.getFilePath(), line, column };
}

/** A signature's parameters from the `skip`-th on, as weir parameters; or why they cannot be. */
function readParameters(signature: Signature, at: TsNodeType, skip: number): { parameters: ParameterSpec[]; required: number } | string {
  const { Node: TsNode } = tsMorph();
  const parameters: ParameterSpec[] = [];
  let required = 0;
  for (const parameter of signature.getParameters().slice(skip)) {
    const parameterDeclaration = parameter.getValueDeclaration();
    const type = weirTypeOf(parameter.getTypeAtLocation(at));
    if (typeof type === "string") return `parameter '${parameter.getName()}' is ${type}`;
    if (TsNode.isParameterDeclaration(parameterDeclaration) && parameterDeclaration.isRestParameter()) return "rest parameters are not supported";
    const optional = TsNode.isParameterDeclaration(parameterDeclaration) && (parameterDeclaration.isOptional() || parameterDeclaration.hasInitializer());
    if (!optional) required = parameters.length + 1;
    parameters.push({ name: parameter.getName(), expected: describeType(type), accepts: (argument) => isAssignable(argument, type) });
  }
  return { parameters, required };
}

const aggregateMembers = ["init", "add", "subtract", "merge", "result"] as const;

function isAggregateShaped(type: TsType): boolean {
  return type.isObject() && type.getProperty("init") !== undefined && type.getProperty("add") !== undefined;
}

/**
 * A user aggregate: an exported object
 *   { init(): A, add(acc: A, ...args): A, subtract?(acc: A, ...args): A, merge?(a: A, b: A): A, result?(acc: A): R }
 * where A (the accumulator, kept in the state store) and R are weir types.
 * Its weir signature takes add's arguments after the accumulator, and gives R
 * (or A without result). The reasons it may be refused are for a person.
 */
function readAggregate(at: TsNodeType, type: TsType): { signature: Omit<FunctionSignature, "summary">; info: UserAggregateInfo } | string {
  const member = (name: (typeof aggregateMembers)[number]): Signature | undefined | string => {
    const property = type.getProperty(name);
    if (!property) return undefined;
    const signatures = property.getTypeAtLocation(at).getNonNullableType().getCallSignatures();
    if (signatures.length !== 1) return `'${name}' must be a function with one signature`;
    const returned = signatures[0]!.getReturnType();
    if (returned.getSymbol()?.getName() === "Promise") return `'${name}' returns a Promise; weir calls aggregates synchronously`;
    return signatures[0]!;
  };
  const signatures = Object.fromEntries(aggregateMembers.map((name) => [name, member(name)])) as Record<(typeof aggregateMembers)[number], Signature | undefined | string>;
  const problem = Object.values(signatures).find((s): s is string => typeof s === "string");
  if (problem) return problem;
  const { init, add, subtract, merge, result } = signatures as Record<(typeof aggregateMembers)[number], Signature | undefined>;
  if (init!.getParameters().length > 0) return "'init' must take no arguments: it makes the accumulator of a new group";
  const accumulator = weirTypeOf(init!.getReturnType());
  if (typeof accumulator === "string") return `its accumulator (what 'init' returns) has the type ${accumulator}; it is kept in a state store as JSON`;
  const shown = describeType(accumulator);
  const same = (candidate: TsType) => {
    const weir = weirTypeOf(candidate);
    return typeof weir !== "string" && isAssignable(weir, accumulator) && isAssignable(accumulator, weir);
  };
  const takesAccumulator = (name: string, signature: Signature, count: number): string | undefined => {
    const parameters = signature.getParameters();
    if (parameters.length < count || !parameters.slice(0, count).every((p) => same(p.getTypeAtLocation(at)))) {
      return `'${name}' must take the accumulator (${shown}) first${count === 2 ? ", twice" : ""}`;
    }
    return undefined;
  };
  const returnsAccumulator = (name: string, signature: Signature): string | undefined =>
    same(signature.getReturnType()) ? undefined : `'${name}' must return the accumulator (${shown}), as 'init' does`;

  const addProblem = takesAccumulator("add", add!, 1) ?? returnsAccumulator("add", add!);
  if (addProblem) return addProblem;
  const parameters = readParameters(add!, at, 1);
  if (typeof parameters === "string") return `'add': ${parameters}`;
  if (subtract) {
    const subtractProblem = takesAccumulator("subtract", subtract, 1) ?? returnsAccumulator("subtract", subtract);
    if (subtractProblem) return subtractProblem;
    if (subtract.getParameters().length !== add!.getParameters().length) return "'subtract' must take the same arguments as 'add'";
  }
  if (merge) {
    const mergeProblem = takesAccumulator("merge", merge, 2) ?? returnsAccumulator("merge", merge);
    if (mergeProblem) return mergeProblem;
  }
  let output: Type = accumulator;
  if (result) {
    const resultProblem = takesAccumulator("result", result, 1);
    if (resultProblem) return resultProblem;
    const resultType = weirTypeOf(result.getReturnType());
    if (typeof resultType === "string") return `'result' returns ${resultType}`;
    output = resultType;
  }
  return {
    signature: { ...parameters, result: () => output },
    info: { accumulator, merge: merge !== undefined, subtract: subtract !== undefined },
  };
}

/**
 * The weir type of a TypeScript type, or, when there is none, what the type is
 * (quoted, as TypeScript writes it) and why it cannot cross into weir.
 */
function weirTypeOf(type: TsType): Type | string {
  if (type.isAny() || type.isUnknown()) return Types.any;
  // A Date is not a timestamp: weir's timestamps are epoch milliseconds, numbers (in JSON too).
  if (isDate(type)) return "'Date' (a weir timestamp is a number of epoch milliseconds: pass date.getTime(), take new Date(ms))";
  if (type.isString() || type.isStringLiteral() || type.isTemplateLiteral()) return Types.string;
  if (type.isNumber() || type.isNumberLiteral()) return Types.number;
  if (type.isBoolean() || type.isBooleanLiteral()) return Types.boolean;
  if (type.isNull()) return Types.null;
  if (type.isArray() || type.isReadonlyArray()) {
    const element = weirTypeOf(type.getArrayElementTypeOrThrow());
    return typeof element === "string" ? `a list of ${element}` : Types.list(element);
  }
  if (type.isUnion()) {
    const members = type.getUnionTypes();
    const present = members.filter((member) => !member.isNull() && !member.isUndefined());
    const nullable = present.length < members.length;
    const kinds = present.map(weirTypeOf);
    const failed = kinds.find((k): k is string => typeof k === "string");
    if (failed) return failed;
    const first = kinds[0] as Type | undefined;
    if (!first) return Types.null;
    if (!kinds.every((k) => typeof k !== "string" && k.kind === first.kind)) return `'${type.getText()}'`;
    return nullable ? Types.nullable(first) : first;
  }
  // `Record<string, T>` and `{ [key: string]: T }`: a map.
  const mapValue = type.getStringIndexType();
  if (type.isObject() && mapValue && type.getProperties().length === 0 && type.getCallSignatures().length === 0) {
    const value = weirTypeOf(mapValue);
    return typeof value === "string" ? value : Types.map(value);
  }
  if (type.isObject() && type.getCallSignatures().length === 0) {
    const fields: RecordField[] = [];
    for (const property of type.getProperties()) {
      const declaration = property.getValueDeclaration() ?? property.getDeclarations()[0];
      if (!declaration) return `'${type.getText()}'`;
      const propertyType = property.getTypeAtLocation(declaration);
      // An object with methods (a Map, a RegExp, a class instance) is not a plain record: it does not survive JSON.
      if (propertyType.getCallSignatures().length > 0) return `'${type.getText()}' (weir passes plain records, not objects with methods)`;
      const fieldType = weirTypeOf(propertyType);
      if (typeof fieldType === "string") return `a record whose field '${property.getName()}' is ${fieldType}`;
      fields.push({ name: property.getName(), type: property.isOptional() ? Types.nullable(fieldType) : fieldType });
    }
    return Types.record(fields);
  }
  return `'${type.getText()}'`;
}

/** The global Date (not a user type that happens to be named so). */
function isDate(type: TsType): boolean {
  const symbol = type.getSymbol();
  return symbol?.getName() === "Date" && symbol.getDeclarations().some((declaration) => declaration.getSourceFile().getFilePath().includes("/typescript/lib/"));
}
