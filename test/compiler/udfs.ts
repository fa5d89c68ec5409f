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

export const notAFunction = 42;

export function half(value: number): number | undefined {
  return value > 0 ? value / 2 : undefined;
}

export function builder(text: string): string {
  return `built ${text}`;
}
