// "did you mean ...?": the names closest to a misspelt one, for hints.
//
// Distance is Damerau-Levenshtein in its "optimal string alignment" form (an
// insertion, a deletion, a substitution or a swap of two neighbours each count
// one), computed without regard to case: `customerid` is `customerId` misspelt
// by nothing but case, and is always the one suggestion. How far a suggestion
// may be grows with the name's length: one slip in a short name, more in a
// long one, so `id` never suggests `ts` but `customerIdentifer` finds
// `customerIdentifier`.

export interface Suggestion {
  readonly name: string;
  readonly distance: number;
}

/** The most candidates one hint names: more is a list to read, not a suggestion. */
const mostSuggestions = 3;

/** How many edits a name of this length may be away from a suggestion. */
export function allowedDistance(length: number): number {
  if (length <= 2) return 0;
  if (length <= 4) return 1;
  if (length <= 7) return 2;
  return Math.min(4, Math.floor(length / 3));
}

/**
 * The candidates closest to `name`, best first (at most three): those at the
 * smallest distance found, in the order given (ties keep the caller's order,
 * so results are deterministic). A candidate equal to `name` is never suggested.
 */
export function suggest(name: string, candidates: Iterable<string>): string[] {
  const wanted = name.toLowerCase();
  const limit = allowedDistance(name.length);
  let best: Suggestion[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    if (candidate === name || candidate === "" || seen.has(candidate)) continue;
    seen.add(candidate);
    const distance = editDistance(wanted, candidate.toLowerCase());
    // Never "fix" a name by replacing most of it: `ab` is not a misspelling of `xy`.
    if (distance > limit || distance >= Math.max(name.length, candidate.length)) continue;
    if (best.length === 0 || distance < best[0]!.distance) best = [{ name: candidate, distance }];
    else if (distance === best[0]!.distance) best.push({ name: candidate, distance });
  }
  return best.slice(0, mostSuggestions).map((s) => s.name);
}

/** The hint `did you mean 'a'?`, `did you mean 'a' or 'b'?`; undefined when nothing is close. */
export function didYouMean(name: string, candidates: Iterable<string>, quote: (candidate: string) => string = quoted): string | undefined {
  const found = suggest(name, candidates);
  return found.length === 0 ? undefined : `did you mean ${orList(found.map(quote))}?`;
}

/** `'a'`, `'a' or 'b'`, `'a', 'b' or 'c'`. */
export function orList(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

/** The most names a hint lists in full ("its fields are ..."); beyond that it says where names come from. */
export const longestListedNames = 8;

/** `a, b and c` when there are few enough to read at a glance, else undefined. */
export function shortList(names: readonly string[]): string | undefined {
  if (names.length === 0 || names.length > longestListedNames) return undefined;
  if (names.length === 1) return names[0];
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

const quoted = (text: string): string => `'${text}'`;

/** Optimal string alignment distance: Levenshtein plus the swap of two neighbouring characters. */
export function editDistance(a: string, b: string): number {
  // rows[i][j]: the distance between the first i characters of a and the first j of b.
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = distance;
    }
  }
  return rows[a.length]![b.length]!;
}
