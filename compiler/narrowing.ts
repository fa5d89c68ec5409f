// Narrowing after a null check: where a condition is known to hold (the steps after
// `where note != null`, the right of `note != null and ...`, the `then` of
// `if note != null then ...`), `note` cannot be null, and its type loses "or null".
//
// What is known is a set of paths that are not null: `key`, `value`, `value.note`,
// `value.address.city`, `joined.customers.tier` (a table joined earlier in the
// pipeline). A path that is not null says its prefixes are not null either:
// `address.city != null` is false when `address` is null.
import type { Expr, NameExpr } from "../grammar/ast.ts";

export type NonNullPaths = ReadonlySet<string>;

type NameBindings = ReadonlyMap<NameExpr, { readonly kind: string; readonly name?: string; readonly table?: string }>;

/** The path an expression reads (`note` is `value.note`), or undefined for anything else than a name or a field of one. */
export function pathOf(expr: Expr, names: NameBindings): string | undefined {
  if (expr.kind === "Member") {
    const object = pathOf(expr.object, names);
    return object === undefined || expr.property.name === "" ? undefined : `${object}.${expr.property.name}`;
  }
  if (expr.kind !== "Name") return undefined;
  const binding = names.get(expr);
  switch (binding?.kind) {
    case "key":
    case "value":
      return binding.kind;
    case "field":
      return `value.${binding.name}`;
    case "joined":
      return `joined.${binding.table}`;
    default:
      return undefined;
  }
}

/**
 * The paths that are not null when `condition` evaluates to `outcome`. Only what follows
 * for sure: `x != null`, `x == "literal"` (null equals no literal), `x in [literals]`, `and`
 * when true, `or` when false, and `not` turning one into the other.
 */
export function nonNullWhen(condition: Expr, outcome: boolean, names: NameBindings): string[] {
  switch (condition.kind) {
    case "Unary":
      return condition.operator === "not" ? nonNullWhen(condition.operand, !outcome, names) : [];
    case "Binary": {
      const { operator, left, right } = condition;
      if (operator === "and") return outcome ? [...nonNullWhen(left, true, names), ...nonNullWhen(right, true, names)] : [];
      if (operator === "or") return outcome ? [] : [...nonNullWhen(left, false, names), ...nonNullWhen(right, false, names)];
      if (operator !== "==" && operator !== "!=") return [];
      // `x != null` holds, or `x == null` fails: x is not null. `x == "gold"` holds: x is not null.
      const equal = (operator === "==") === outcome;
      const checked = left.kind === "NullLiteral" ? right : right.kind === "NullLiteral" ? left : undefined;
      if (checked) return equal ? [] : definedPaths(checked, names);
      if (!equal) return [];
      if (isNonNullLiteral(right)) return definedPaths(left, names);
      if (isNonNullLiteral(left)) return definedPaths(right, names);
      return [];
    }
    case "In": {
      // `x in ["a", "b"]` holds (or `x not in [...]` fails): x equals a literal, so it is not null.
      const inList = condition.negated !== outcome;
      const literals = condition.list.kind === "List" && condition.list.elements.every(isNonNullLiteral);
      return inList && literals ? definedPaths(condition.value, names) : [];
    }
    default:
      return [];
  }
}

function definedPaths(expr: Expr, names: NameBindings): string[] {
  const path = pathOf(expr, names);
  return path === undefined ? [] : [path];
}

function isNonNullLiteral(expr: Expr): boolean {
  return expr.kind === "StringLiteral" || expr.kind === "NumberLiteral" || expr.kind === "BooleanLiteral";
}

/** `known` with `paths` added (undefined stays undefined when there is nothing to add). */
export function withNonNull(known: NonNullPaths | undefined, paths: readonly string[]): NonNullPaths | undefined {
  if (paths.length === 0) return known;
  return new Set([...(known ?? []), ...paths]);
}

/** Whether `path` is known not to be null: it, or a path through it, was checked. */
export function isKnownNonNull(known: NonNullPaths | undefined, path: string): boolean {
  if (!known) return false;
  if (known.has(path)) return true;
  for (const checked of known) if (checked.startsWith(`${path}.`)) return true;
  return false;
}

/** `known` without `root` and the paths under it: what a step that replaces `root` (select replaces `value`) leaves. */
export function forget(known: NonNullPaths | undefined, root: string): NonNullPaths | undefined {
  if (!known) return undefined;
  const kept = [...known].filter((path) => path !== root && !path.startsWith(`${root}.`));
  return kept.length === 0 ? undefined : new Set(kept);
}

/** The paths known not to be null in both (after a merge: what holds for every record). */
export function commonNonNull(a: NonNullPaths | undefined, b: NonNullPaths | undefined): NonNullPaths | undefined {
  if (!a || !b) return undefined;
  const kept = [...a].filter((path) => isKnownNonNull(b, path));
  return kept.length === 0 ? undefined : new Set(kept);
}
