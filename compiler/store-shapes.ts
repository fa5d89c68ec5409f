// The shape of each state store, decided by the planner: a canonical
// description of what the store holds, and a fingerprint of it. The runtime
// records it in the store's changelog and refuses to start a topology whose
// store has another shape than the one its state was written in
// (docs/state.md, "Changing a topology that has state").
//
// What goes in is what decides how the stored bytes are read: the store's kind;
// its key's type and how the records reaching it were partitioned (the key
// encoding: equal keys encoded otherwise land in other partitions, away from
// their state); what it keeps per key (a type, or an aggregation's functions
// and arguments, written as `weir fmt` writes them, and its result type); and
// a window's kind, size, advance and grace (or a dedup's or join's window).
// What does not: names of other streams, steps before the store that keep the
// key, sinks, comments and layout, and a windowed aggregation's emit mode (the
// store holds the same windows either way).
import { createHash } from "node:crypto";
import type { AggregateStep, CountStep, Expr, JoinType, SumStep } from "../grammar/ast.ts";
import { expression } from "../grammar/format.ts";
import type { StoreShape } from "../runtime/store-shape.ts";
import type { KeyEncoding as KeyEncodingOfTopic } from "./key-encoding.ts";
import type { Type } from "./types.ts";

/** What the generated code gives the runtime with a store's declaration: the runtime's own type, so that both read it alike. */
export type StoreShapePlan = StoreShape;

/** How the records reaching a store were partitioned by their key (compiler/key-encoding.ts); undefined: as their source topic's bytes, read as JSON. */
type KeyEncoding = KeyEncodingOfTopic | undefined;

type Description = Omit<StoreShapePlan, "fingerprint">;

/** A table's rows: read from a topic, or derived and materialized (per key and window, for a windowed table). */
export function tableShape(key: Type, encoding: KeyEncoding, value: Type, window?: string): StoreShapePlan {
  return withFingerprint({ kind: window ? "windowed table" : "table", key: keyText(key, encoding), value: typeText(value), ...(window ? { window } : {}) });
}

/**
 * An aggregation's accumulators per key (and window): `count`, `sum EXPR` or
 * `aggregate { ... }`. The key says what it groups by: grouping by another
 * expression of the same type puts other groups in the store.
 */
export function aggregateShape(
  kind: "aggregate" | "table aggregate" | "windowed aggregate",
  key: Type,
  encoding: KeyEncoding,
  groupedBy: Expr,
  step: CountStep | SumStep | AggregateStep,
  result: Type,
  window: string | undefined,
): StoreShapePlan {
  const valueType = typeText(result);
  const keyed = `${keyText(key, encoding)}, grouped by ${expressionText(groupedBy)}`;
  switch (step.kind) {
    case "Count":
      return withFingerprint({ kind, key: keyed, value: "count", valueType, ...(window ? { window } : {}) });
    case "Sum":
      return withFingerprint({ kind, key: keyed, value: `sum ${expressionText(step.value)}`, valueType, ...(window ? { window } : {}) });
    case "Aggregate": {
      const fields = step.value.fields.map((field) => `${field.name.name}: ${expressionText(field.value)}`);
      return withFingerprint({ kind, key: keyed, value: `{ ${fields.join(", ")} }`, fields, valueType, ...(window ? { window } : {}) });
    }
  }
}

/** A dedup's last kept time per key (and `by` value). */
export function dedupShape(key: Type, encoding: KeyEncoding, by: Expr | undefined, withinMs: number): StoreShapePlan {
  return withFingerprint({ kind: "dedup store", key: keyText(key, encoding), value: by ? `last kept time by key and ${expressionText(by)}` : "last kept time by key", window: `within ${withinMs} ms` });
}

/** One side's buffered records of a windowed stream-stream join. */
export function joinBufferShape(
  key: Type,
  encoding: KeyEncoding,
  value: Type,
  type: JoinType,
  window: { readonly beforeMs: number; readonly afterMs: number; readonly graceMs: number },
): StoreShapePlan {
  const join = type === "inner" ? "join" : `${type} join`;
  const within = window.beforeMs === window.afterMs ? `${window.beforeMs} ms` : `${window.beforeMs} ms before and ${window.afterMs} ms after`;
  return withFingerprint({ kind: "join buffer", key: keyText(key, encoding), value: typeText(value), window: `${join} within ${within}, grace ${window.graceMs} ms` });
}

/** A foreign-key join's left side: each left row's foreign key. */
export function foreignKeysShape(leftKey: Type, encoding: KeyEncoding, foreignKey: Type): StoreShapePlan {
  return withFingerprint({ kind: "foreign-key index", key: keyText(leftKey, encoding), value: `foreign key ${typeText(foreignKey)}` });
}

/** A foreign-key join's right side: the left rows subscribed to each right row, by [foreign key, left key]. */
export function subscriptionsShape(foreignKey: Type, encoding: KeyEncoding, leftKey: Type): StoreShapePlan {
  return withFingerprint({ kind: "foreign-key subscriptions", key: `${keyText(foreignKey, encoding)} and left key ${typeText(leftKey)}`, value: "hash of the left row" });
}

/** As `weir describe` says a window (runtime/topology/graph.ts), in milliseconds. */
export function windowText(
  window:
    | { readonly kind: "tumbling"; readonly sizeMs: number; readonly graceMs: number }
    | { readonly kind: "hopping"; readonly sizeMs: number; readonly advanceMs: number; readonly graceMs: number }
    | { readonly kind: "sliding"; readonly differenceMs: number; readonly graceMs: number }
    | { readonly kind: "session"; readonly gapMs: number; readonly graceMs: number },
): string {
  switch (window.kind) {
    case "tumbling":
      return `tumbling windows: size ${window.sizeMs} ms, grace ${window.graceMs} ms`;
    case "hopping":
      return `hopping windows: size ${window.sizeMs} ms, advance ${window.advanceMs} ms, grace ${window.graceMs} ms`;
    case "sliding":
      return `sliding windows: time difference ${window.differenceMs} ms, grace ${window.graceMs} ms`;
    case "session":
      return `session windows: gap ${window.gapMs} ms, grace ${window.graceMs} ms`;
  }
}

/**
 * The fingerprint: the first 16 hex digits of the SHA-256 of the description's
 * parts in a fixed order (`fields` are in `value` already).
 */
function withFingerprint(description: Description): StoreShapePlan {
  const parts = [description.kind, description.key, description.value, description.valueType ?? null, description.window ?? null];
  const fingerprint = createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 16);
  return { ...description, fingerprint };
}

function keyText(key: Type, encoding: KeyEncoding): string {
  return `${typeText(key)} (encoded as ${encoding === "string" ? "text" : "JSON"})`;
}

/** A type by its structure: a schema's name is not part of a shape, its fields are. */
function typeText(type: Type): string {
  switch (type.kind) {
    case "list":
      return `list<${typeText(type.element)}>`;
    case "map":
      return `map<string, ${typeText(type.value)}>`;
    case "record":
      return `{ ${type.fields.map((field) => `${field.name}: ${typeText(field.type)}`).join(", ")} }`;
    case "nullable":
      return `${typeText(type.type)} or null`;
    default:
      return type.kind;
  }
}

/** As `weir fmt` writes it, on one line. */
function expressionText(expr: Expr): string {
  return expression(expr).replace(/,\n\s*}/g, " }").replace(/\n\s*/g, " ");
}
