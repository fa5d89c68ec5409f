// TypeScript functions that the compiler tests import from .weir files.
export function riskScore(amount: number, tier: string): number {
  return tier === "gold" ? amount / 1000 : amount / 100;
}

export function tags(text: string): string[] {
  return text.split(",");
}

export function maybeName(id: string): string | null {
  return id === "" ? null : id;
}

export async function fetchRate(currency: string): Promise<number> {
  return currency.length;
}

export function takesMap(values: Map<string, number>): number {
  return values.size;
}

/** A Date is not a weir timestamp (epoch milliseconds): refused, and said so. */
export function parsedAt(text: string): Date {
  return new Date(text);
}

export const notAFunction = 42;

export function half(value: number): number | undefined {
  return value > 0 ? value / 2 : undefined;
}

export function builder(text: string): string {
  return `built ${text}`;
}

/** A user aggregate: the three largest amounts, largest first. No merge, so not for sessions. */
export const top3 = {
  init: (): number[] => [],
  add: (acc: number[], amount: number): number[] => [...acc, amount].sort((a, b) => b - a).slice(0, 3),
};

/** A user aggregate with every optional part: the total of weighted amounts, read as a mean. */
export const weightedMean = {
  init: (): { total: number; weight: number } => ({ total: 0, weight: 0 }),
  add: (acc: { total: number; weight: number }, amount: number, weight: number) => ({ total: acc.total + amount * weight, weight: acc.weight + weight }),
  subtract: (acc: { total: number; weight: number }, amount: number, weight: number) => ({ total: acc.total - amount * weight, weight: acc.weight - weight }),
  merge: (a: { total: number; weight: number }, b: { total: number; weight: number }) => ({ total: a.total + b.total, weight: a.weight + b.weight }),
  result: (acc: { total: number; weight: number }): number => (acc.weight === 0 ? 0 : acc.total / acc.weight),
};

/** Not usable: add returns text, the accumulator is a number. */
export const addReturnsText = {
  init: (): number => 0,
  add: (acc: number, amount: number): string => String(acc + amount),
};

/** An aggregate named like a built-in one: refused, so that `max(x)` always means the built-in. */
export const max = {
  init: (): number => 0,
  add: (acc: number, amount: number): number => Math.max(acc, amount),
};
