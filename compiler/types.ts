// The types of weir's expression language. Types flow from schemas: a source's
// value has its schema's record type, and every step's type follows from it.

export type Type =
  | { readonly kind: "string" }
  | { readonly kind: "number" }
  /**
   * A whole number, exact (a JavaScript safe integer: at most 2^53 - 1 either side of 0).
   * A number wherever a number is taken; arithmetic of two integers gives an integer
   * (dividing truncates toward zero, as in Java and ksqlDB).
   */
  | { readonly kind: "integer" }
  | { readonly kind: "boolean" }
  /** Epoch milliseconds; mixes with number in arithmetic and comparison. */
  | { readonly kind: "timestamp" }
  | { readonly kind: "null" }
  | { readonly kind: "list"; readonly element: Type }
  /** A JSON object of any fields, all of one type: `map<string, V>` (its keys are text). */
  | { readonly kind: "map"; readonly value: Type }
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
  integer: { kind: "integer" },
  boolean: { kind: "boolean" },
  timestamp: { kind: "timestamp" },
  null: { kind: "null" },
  any: { kind: "any" },
  error: { kind: "error" },
  list: (element: Type): Type => ({ kind: "list", element }),
  map: (value: Type): Type => ({ kind: "map", value }),
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
  return type.kind === "number" || type.kind === "integer" || type.kind === "timestamp";
}

/** The type of `a OP b` for an arithmetic operator: an integer when both are, else a number. */
export function arithmeticType(a: Type, b: Type): Type {
  return a.kind === "integer" && b.kind === "integer" ? Types.integer : Types.number;
}

/** Types that an error was already reported for, or that are checked only at run time. */
export function isUnchecked(type: Type): boolean {
  return type.kind === "any" || type.kind === "error";
}

export function typeToString(type: Type): string {
  switch (type.kind) {
    case "list":
      return `list<${typeToString(type.element)}>`;
    case "map":
      return `map<string, ${typeToString(type.value)}>`;
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

/**
 * Whether a value of type `source` can stand where `target` is expected. Any number stands for
 * any other, except where an integer is expected: there only an integer does (a number may
 * have a fraction). With `numbersAlike`, that exception goes too.
 */
export function isAssignable(source: Type, target: Type, numbersAlike = false): boolean {
  if (isUnchecked(source) || isUnchecked(target)) return true;
  if (target.kind === "nullable") return source.kind === "null" || isAssignable(nonNull(source), target.type, numbersAlike);
  if (source.kind === "nullable" || source.kind === "null") return false;
  if (isNumeric(source) && isNumeric(target)) return numbersAlike || target.kind !== "integer" || source.kind === "integer";
  if (source.kind === "list" && target.kind === "list") return isAssignable(source.element, target.element, numbersAlike);
  if (source.kind === "map" && target.kind === "map") return isAssignable(source.value, target.value, numbersAlike);
  if (source.kind === "record" && target.kind === "record") {
    return target.fields.every((field) => {
      const match = source.fields.find((f) => f.name === field.name);
      return match ? isAssignable(match.type, field.type, numbersAlike) : isNullable(field.type);
    });
  }
  return source.kind === target.kind;
}

/**
 * Whether values of the two types can be told equal or not (compared with `==`, matched as
 * keys): one type, numbers of every kind alike (the integer 2 equals the number 2).
 */
export function sameType(a: Type, b: Type): boolean {
  return isAssignable(a, b, true) && isAssignable(b, a, true);
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
  const result = unifyNonNull(inner, other);
  if (!result) return undefined;
  return nullable ? Types.nullable(result) : result;
}

function unifyNonNull(a: Type, b: Type): Type | undefined {
  // Numbers of one kind keep it (two integers, two timestamps); mixed, they are numbers.
  if (isNumeric(a) && isNumeric(b)) return a.kind === b.kind ? a : Types.number;
  if (a.kind === "list" && b.kind === "list") {
    const element = unify(a.element, b.element);
    return element && Types.list(element);
  }
  if (a.kind === "map" && b.kind === "map") {
    const value = unify(a.value, b.value);
    return value && Types.map(value);
  }
  if (!sameType(a, b)) return undefined;
  if (a.kind !== "record" || b.kind !== "record" || isAssignable(b, a)) return a;
  // Field by field, so that an integer field met by a number field becomes a number.
  return Types.record(
    a.fields.map((field) => {
      const other = fieldOf(b, field.name);
      return other ? { name: field.name, type: unify(field.type, other.type) ?? field.type } : field;
    }),
  );
}

export function fieldOf(type: RecordType, name: string): RecordField | undefined {
  return type.fields.find((field) => field.name === name);
}
