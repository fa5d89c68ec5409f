// The types of weir's expression language. Types flow from schemas: a source's
// value has its schema's record type, and every step's type follows from it.

export type Type =
  | { readonly kind: "string" }
  | { readonly kind: "number" }
  | { readonly kind: "boolean" }
  /** Epoch milliseconds; mixes with number in arithmetic and comparison. */
  | { readonly kind: "timestamp" }
  | { readonly kind: "null" }
  | { readonly kind: "list"; readonly element: Type }
  | RecordType
  | { readonly kind: "nullable"; readonly type: Type }
  /** A value whose shape is not known (plain `json` without a schema): anything goes, checked at run time. */
  | { readonly kind: "any" }
  /** Stands for an expression that already has an error: never reported again. */
  | { readonly kind: "error" };

export interface RecordField {
  readonly name: string;
  readonly type: Type;
}

export interface RecordType {
  readonly kind: "record";
  readonly fields: readonly RecordField[];
  /** The schema this record came from, for messages. */
  readonly schema?: string;
}

export const Types = {
  string: { kind: "string" },
  number: { kind: "number" },
  boolean: { kind: "boolean" },
  timestamp: { kind: "timestamp" },
  null: { kind: "null" },
  any: { kind: "any" },
  error: { kind: "error" },
  list: (element: Type): Type => ({ kind: "list", element }),
  nullable: (type: Type): Type => (type.kind === "nullable" || type.kind === "null" || type.kind === "any" || type.kind === "error" ? type : { kind: "nullable", type }),
  record: (fields: readonly RecordField[], schema?: string): RecordType => ({ kind: "record", fields, ...(schema ? { schema } : {}) }),
} as const satisfies Record<string, Type | ((...args: never[]) => Type)>;

export function isNullable(type: Type): boolean {
  return type.kind === "nullable" || type.kind === "null";
}

export function nonNull(type: Type): Type {
  return type.kind === "nullable" ? type.type : type;
}

export function isNumeric(type: Type): boolean {
  return type.kind === "number" || type.kind === "timestamp";
}

/** Types that an error was already reported for, or that are checked only at run time. */
export function isUnchecked(type: Type): boolean {
  return type.kind === "any" || type.kind === "error";
}

export function typeToString(type: Type): string {
  switch (type.kind) {
    case "list":
      return `list<${typeToString(type.element)}>`;
    case "record":
      return type.schema ?? `{ ${type.fields.map((f) => `${f.name}: ${typeToString(f.type)}`).join(", ")} }`;
    case "nullable":
      return `${typeToString(type.type)} or null`;
    default:
      return type.kind;
  }
}

/** "a string", "a list<number>", "null": for messages. */
export function describeType(type: Type): string {
  switch (type.kind) {
    case "null":
      return "null";
    case "record":
      return type.schema ? `${article(type.schema)} ${type.schema} record` : `a record ${typeToString(type)}`;
    case "nullable":
      return `${describeType(type.type)} or null`;
    case "any":
      return "a value of unknown type";
    default: {
      const text = typeToString(type);
      return `${article(text)} ${text}`;
    }
  }
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? "an" : "a";
}

/** Whether a value of type `source` can stand where `target` is expected. */
export function isAssignable(source: Type, target: Type): boolean {
  if (isUnchecked(source) || isUnchecked(target)) return true;
  if (target.kind === "nullable") return source.kind === "null" || isAssignable(nonNull(source), target.type);
  if (source.kind === "nullable" || source.kind === "null") return false;
  if (isNumeric(source) && isNumeric(target)) return true;
  if (source.kind === "list" && target.kind === "list") return isAssignable(source.element, target.element);
  if (source.kind === "record" && target.kind === "record") {
    return target.fields.every((field) => {
      const match = source.fields.find((f) => f.name === field.name);
      return match ? isAssignable(match.type, field.type) : isNullable(field.type);
    });
  }
  return source.kind === target.kind;
}

export function sameType(a: Type, b: Type): boolean {
  return isAssignable(a, b) && isAssignable(b, a);
}

/** The type both branches of an `if` (or all list elements) can be seen as, if there is one. */
export function unify(a: Type, b: Type): Type | undefined {
  if (isUnchecked(a)) return b;
  if (isUnchecked(b)) return a;
  if (a.kind === "null") return Types.nullable(b);
  if (b.kind === "null") return Types.nullable(a);
  const nullable = isNullable(a) || isNullable(b);
  const inner = nonNull(a);
  const other = nonNull(b);
  if (!sameType(inner, other)) return undefined;
  const result = inner.kind === "timestamp" && other.kind === "timestamp" ? inner : isNumeric(inner) ? Types.number : inner;
  return nullable ? Types.nullable(result) : result;
}

export function fieldOf(type: RecordType, name: string): RecordField | undefined {
  return type.fields.find((field) => field.name === name);
}
