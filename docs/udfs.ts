// The TypeScript functions that the examples in docs/language.md import.
export function riskScore(amount: number, tier: string): number {
  return tier === "gold" ? amount / 10_000 : amount / 1_000;
}

/** The aggregate that docs/language.md imports: the three largest amounts, largest first. */
export const top3 = {
  init: (): number[] => [],
  add: (largest: number[], amount: number): number[] => [...largest, amount].sort((a, b) => b - a).slice(0, 3),
  merge: (earlier: number[], later: number[]): number[] => [...earlier, ...later].sort((a, b) => b - a).slice(0, 3),
};

/** A user aggregate that can aggregate a table: `subtract` undoes `add`. The mean of amounts weighted by weights. */
export const weightedMean = {
  init: (): { total: number; weight: number } => ({ total: 0, weight: 0 }),
  add: (acc: { total: number; weight: number }, amount: number, weight: number) => ({ total: acc.total + amount * weight, weight: acc.weight + weight }),
  subtract: (acc: { total: number; weight: number }, amount: number, weight: number) => ({ total: acc.total - amount * weight, weight: acc.weight - weight }),
  result: (acc: { total: number; weight: number }): number => (acc.weight === 0 ? 0 : acc.total / acc.weight),
};
