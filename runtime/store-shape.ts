// What a state store holds, as the compiler describes it: the shape its
// changelog is written in. The runtime records it in each changelog partition
// and, on start, compares it with the shape of the topology being started: a
// store written in another shape is refused (docs/state.md), never read in the
// new one.

/**
 * A store's shape: a canonical description of what it holds, in words that
 * name the .weir file's own terms, and a fingerprint of that description.
 * Generated topologies give one with each store's declaration; a topology
 * built by hand may leave it out, and its store is then neither recorded nor checked.
 */
export interface StoreShape {
  /**
   * A hash of the description (kind, key, value, value type and window):
   * equal fingerprints, equal shapes. It is what is compared; the rest says what changed.
   */
  readonly fingerprint: string;
  /** What the store is: `table`, `aggregate`, `windowed aggregate`, `dedup store`, `join buffer`, ... */
  readonly kind: string;
  /** The key's type and how the records were partitioned by it: `string (encoded as JSON)`. */
  readonly key: string;
  /** What the store keeps per key: a type, or an aggregation (`{ total: sum(amount) }`). */
  readonly value: string;
  /** The fields of an aggregation `{ ... }`, each `name: function(argument)`, in order. */
  readonly fields?: readonly string[];
  /** The type of an aggregation's value, which `value` does not say. */
  readonly valueType?: string;
  /** The window a windowed store's entries belong to: `tumbling windows: size 60000 ms, grace 0 ms`. */
  readonly window?: string;
}

/** The parts of a shape that are described and compared, in the order a change is reported. */
const PARTS = [
  ["kind", "kind"],
  ["key", "key"],
  ["window", "window"],
  ["value", "value"],
  ["valueType", "value type"],
] as const satisfies readonly (readonly [keyof StoreShape, string])[];

/**
 * What changed from the shape a store was written with to the shape a
 * topology declares for it, in words that follow "store 'stats' was written":
 * `with value { total: sum(amount) } but this topology has { total:
 * sum(amount), n: count() } (added n)`. Each changed part is named; a value
 * type only when the value's description did not change (a changed
 * aggregation changes its type too).
 */
export function describeShapeChange(recorded: StoreShape, declared: StoreShape): string {
  const changes: string[] = [];
  for (const [part, label] of PARTS) {
    if (part === "valueType" && recorded.value !== declared.value) continue;
    const before = recorded[part];
    const after = declared[part];
    if (before === after) continue;
    if (part === "kind") {
      changes.push(`as ${withArticle(String(before))} but this topology has ${withArticle(String(after))}`);
      continue;
    }
    const written = before === undefined ? `with no ${label}` : `with ${label} ${before}`;
    const now = after === undefined ? `no ${label}` : after;
    const detail = part === "value" ? fieldChanges(recorded.fields, declared.fields) : "";
    changes.push(`${written} but this topology has ${now}${detail}`);
  }
  // The fingerprints differ, yet every part reads the same: the description has more than its words show.
  if (changes.length === 0) changes.push(`with shape ${recorded.fingerprint} but this topology has ${declared.fingerprint}`);
  return changes.join("; and ");
}

/** ` (added biggest, n; removed total)`: which of an aggregation's fields came, went or changed. */
function fieldChanges(before: readonly string[] | undefined, after: readonly string[] | undefined): string {
  if (!before || !after) return "";
  const nameOf = (field: string) => field.slice(0, field.indexOf(":"));
  const beforeNames = new Map(before.map((field) => [nameOf(field), field]));
  const afterNames = new Map(after.map((field) => [nameOf(field), field]));
  const added = [...afterNames.keys()].filter((name) => !beforeNames.has(name));
  const removed = [...beforeNames.keys()].filter((name) => !afterNames.has(name));
  const changed = [...afterNames.keys()].filter((name) => beforeNames.has(name) && beforeNames.get(name) !== afterNames.get(name));
  const parts = [
    ...(added.length > 0 ? [`added ${added.join(", ")}`] : []),
    ...(removed.length > 0 ? [`removed ${removed.join(", ")}`] : []),
    ...(changed.length > 0 ? [`changed ${changed.join(", ")}`] : []),
  ];
  return parts.length > 0 ? ` (${parts.join("; ")})` : "";
}

function withArticle(kind: string): string {
  return `${/^[aeiou]/i.test(kind) ? "an" : "a"} ${kind}`;
}

/**
 * The one comparison of shapes, for the start-time check and `weir diff`
 * alike, so that the two can never disagree: undefined when the shapes are
 * equal (same fingerprint), else what changed (describeShapeChange).
 */
export function shapeChange(recorded: StoreShape, declared: StoreShape): string | undefined {
  return recorded.fingerprint === declared.fingerprint ? undefined : describeShapeChange(recorded, declared);
}

/** The exit code of a start refused for a store's changed shape: `weir run` and a compiled service alike (docs/state.md). */
export const STORE_SHAPE_EXIT_CODE = 3;

/** Where an application's state lives, as `weir reset` is told. */
export type ResetTarget = { readonly data: string } | { readonly brokers: string; readonly applicationId?: string | undefined };

/** `weir reset FILE --data DIR` (or `--brokers ... [--application-id ...]`), each argument quoted for a shell when it needs it. */
export function resetCommand(file: string, target: ResetTarget): string {
  const where = "data" in target ? ["--data", target.data] : ["--brokers", target.brokers, ...(target.applicationId !== undefined ? ["--application-id", target.applicationId] : [])];
  return ["weir", "reset", file, ...where].map(shellWord).join(" ");
}

/**
 * The one line that refuses a start: what changed in which store, and how to
 * go on (`message` is a StoreShapeError's).
 */
export function storeShapeRefusal(message: string, resetWith: string): string {
  return `${message}. Reset the application to recompute its state from its inputs: ${resetWith}`;
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
