// The TypeScript functions that the examples in docs/language.md import.
export function riskScore(amount: number, tier: string): number {
  return tier === "gold" ? amount / 10_000 : amount / 1_000;
}
