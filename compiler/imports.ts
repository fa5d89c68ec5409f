// Reads the TypeScript modules a .weir file imports functions from, and turns
// each function's TypeScript signature into a weir signature, so that calls are
// type-checked on the .weir line rather than failing later in generated code.
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Project, Type as TsType } from "ts-morph";
import { tsMorph } from "./ts-morph.ts";
import type { FunctionSignature, ParameterSpec } from "./builtins.ts";
import { Types, describeType, isAssignable, type RecordField, type Type } from "./types.ts";

export interface ImportedFunction {
  readonly name: string;
  /** Absolute path of the module. */
  readonly modulePath: string;
  readonly signature: FunctionSignature;
}

export type ImportLookup =
  | { readonly ok: true; readonly fn: ImportedFunction }
  | { readonly ok: false; readonly problem: "module-not-found" | "unsupported"; readonly detail?: string }
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
    const callSignatures = declaration.getType().getCallSignatures();
    if (callSignatures.length === 0) return { ok: false, problem: "not-exported", detail: "it is not a function", exported: exportedFunctions() };
    if (callSignatures.length > 1) return { ok: false, problem: "unsupported", detail: "it has overloads" };
    const callSignature = callSignatures[0]!;
    const parameters: ParameterSpec[] = [];
    let required = 0;
    for (const parameter of callSignature.getParameters()) {
      const parameterDeclaration = parameter.getValueDeclaration();
      const tsType = parameter.getTypeAtLocation(declaration);
      const type = weirTypeOf(tsType);
      if (typeof type === "string") return { ok: false, problem: "unsupported", detail: `parameter '${parameter.getName()}' has the type ${type}` };
      const optional = TsNode.isParameterDeclaration(parameterDeclaration) && (parameterDeclaration.isOptional() || parameterDeclaration.hasInitializer());
      if (TsNode.isParameterDeclaration(parameterDeclaration) && parameterDeclaration.isRestParameter()) {
        return { ok: false, problem: "unsupported", detail: `rest parameters are not supported` };
      }
      if (!optional) required = parameters.length + 1;
      parameters.push({ name: parameter.getName(), expected: describeType(type), accepts: (argument) => isAssignable(argument, type) });
    }
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
        signature: { parameters, required, result: () => result, summary: `imported from ${specifier}` },
      },
    };
  }
}

/** The weir type of a TypeScript type, or a description of why there is none. */
function weirTypeOf(type: TsType): Type | string {
  if (type.isAny() || type.isUnknown()) return Types.any;
  if (type.isString() || type.isStringLiteral() || type.isTemplateLiteral()) return Types.string;
  if (type.isNumber() || type.isNumberLiteral()) return Types.number;
  if (type.isBoolean() || type.isBooleanLiteral()) return Types.boolean;
  if (type.isNull()) return Types.null;
  if (type.isArray() || type.isReadonlyArray()) {
    const element = weirTypeOf(type.getArrayElementTypeOrThrow());
    return typeof element === "string" ? element : Types.list(element);
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
  if (type.isObject() && type.getCallSignatures().length === 0) {
    const fields: RecordField[] = [];
    for (const property of type.getProperties()) {
      const declaration = property.getValueDeclaration() ?? property.getDeclarations()[0];
      if (!declaration) return `'${type.getText()}'`;
      const fieldType = weirTypeOf(property.getTypeAtLocation(declaration));
      if (typeof fieldType === "string") return fieldType;
      fields.push({ name: property.getName(), type: property.isOptional() ? Types.nullable(fieldType) : fieldType });
    }
    return Types.record(fields);
  }
  return `'${type.getText()}'`;
}
