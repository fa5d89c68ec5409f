// Units of time in durations (`500 ms`, `30s`, `1 minute`, `2 hours`): each
// unit has a short form, a singular and a plural, and nothing else, so that
// the list is easy to remember and a misspelling gets a "did you mean".
import type { Duration } from "../grammar/ast.ts";

const unitsMs: Readonly<Record<string, number>> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  second: 1000,
  seconds: 1000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

export const timeUnits: readonly string[] = Object.keys(unitsMs);

export function isTimeUnit(unit: string): boolean {
  return Object.hasOwn(unitsMs, unit);
}

/** The duration in milliseconds; undefined for an unknown unit. Not rounded. */
export function durationMs(duration: Duration): number | undefined {
  return isTimeUnit(duration.unit.name) ? duration.amount * unitsMs[duration.unit.name]! : undefined;
}

/** As written: "30 s", "-1 minute". */
export function durationText(duration: Duration): string {
  return `${duration.amount} ${duration.unit.name}`;
}

/** Milliseconds in the largest unit that divides them: 30000 is "30 seconds", 1500 is "1500 ms". */
export function msText(ms: number): string {
  const units: readonly [number, string][] = [
    [86_400_000, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
    [1000, "second"],
  ];
  for (const [size, name] of units) {
    if (ms !== 0 && ms % size === 0) return `${ms / size} ${name}${ms / size === 1 ? "" : "s"}`;
  }
  return `${ms} ms`;
}
