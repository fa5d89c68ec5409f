// Windows, as in Kafka Streams: time windows (tumbling, hopping) aligned to the
// epoch, start inclusive and end exclusive; sliding windows [t - difference, t]
// placed by the records themselves, both ends inclusive; session windows that grow while
// records keep arriving within the inactivity gap. Every window has a grace
// period: a window closes once stream time (the highest timestamp its task has
// seen) reaches its end plus grace (for a session: its end plus gap plus grace,
// see windowCloseTime), and a record that only falls in closed windows is late.

/** A window's bounds in epoch milliseconds. */
export interface TimeWindow {
  readonly start: number;
  /**
   * Time windows: exclusive. Sliding windows: inclusive. Session windows: the
   * timestamp of the session's last record (inclusive). As in Kafka Streams.
   */
  readonly end: number;
}

export type WindowSpec =
  | {
      readonly kind: "time";
      readonly sizeMs: number;
      /** Equal to sizeMs for tumbling windows. */
      readonly advanceMs: number;
      readonly graceMs: number;
    }
  /** Kafka Streams' SlidingWindows: windows of `differenceMs` + 1 milliseconds, both ends inclusive. */
  | { readonly kind: "sliding"; readonly differenceMs: number; readonly graceMs: number }
  | { readonly kind: "session"; readonly gapMs: number; readonly graceMs: number };

/**
 * The window of a stream-stream join (Kafka Streams' JoinWindows): a left
 * record at t joins the right records with one key at [t - beforeMs, t +
 * afterMs], both ends inclusive (a right record at t, the left ones at [t -
 * afterMs, t + beforeMs]). `ofTimeDifferenceAndGrace(D, grace)` has before =
 * after = D.
 */
export interface JoinWindowSpec {
  readonly beforeMs: number;
  readonly afterMs: number;
  readonly graceMs: number;
}

/** `emit changes`: every update of a window flows downstream. `emit final`: one result per window, once it closes. */
export type EmitMode = "changes" | "final";

function positive(what: string, ms: number): number {
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new RangeError(`${what} must be a positive whole number of milliseconds, not ${ms}`);
  return ms;
}

function notNegative(what: string, ms: number): number {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`${what} must be a whole number of milliseconds, at least 0, not ${ms}`);
  return ms;
}

function grace(ms: number): number {
  return notNegative("grace", ms);
}

export const windows = {
  /** Fixed-size, non-overlapping windows: [0, size), [size, 2 size), ... */
  tumbling(options: { readonly sizeMs: number; readonly graceMs: number }): WindowSpec {
    const size = positive("a tumbling window's size", options.sizeMs);
    return { kind: "time", sizeMs: size, advanceMs: size, graceMs: grace(options.graceMs) };
  },
  /** Fixed-size windows that start every `advanceMs`: a record falls in size / advance of them. */
  hopping(options: { readonly sizeMs: number; readonly advanceMs: number; readonly graceMs: number }): WindowSpec {
    const size = positive("a hopping window's size", options.sizeMs);
    const advance = positive("a hopping window's advance", options.advanceMs);
    if (advance > size) throw new RangeError(`a hopping window's advance (${advance} ms) must not be larger than its size (${size} ms)`);
    return { kind: "time", sizeMs: size, advanceMs: advance, graceMs: grace(options.graceMs) };
  },
  /**
   * A stream-stream join's window: `{ withinMs }`, records join when |t1 - t2|
   * <= withinMs; or `{ beforeMs, afterMs }`, a left record at t joins the right
   * ones at [t - beforeMs, t + afterMs] (each bound 0 or more, not both 0).
   */
  join(
    options: { readonly withinMs: number; readonly graceMs: number } | { readonly beforeMs: number; readonly afterMs: number; readonly graceMs: number },
  ): JoinWindowSpec {
    if ("withinMs" in options) {
      const within = positive("a join window ('within')", options.withinMs);
      return { beforeMs: within, afterMs: within, graceMs: grace(options.graceMs) };
    }
    const before = notNegative("a join window's 'before'", options.beforeMs);
    const after = notNegative("a join window's 'after'", options.afterMs);
    positive("a join window (before + after)", before + after);
    return { beforeMs: before, afterMs: after, graceMs: grace(options.graceMs) };
  },
  /**
   * Sliding windows (Kafka Streams' SlidingWindows.ofTimeDifferenceAndGrace):
   * two records are in a common window when their timestamps differ by at most
   * `differenceMs`. Only windows that hold records exist.
   */
  sliding(options: { readonly differenceMs: number; readonly graceMs: number }): WindowSpec {
    return { kind: "sliding", differenceMs: positive("a sliding window's time difference", options.differenceMs), graceMs: grace(options.graceMs) };
  },
  /** Sessions: records of a key closer than `gapMs` to each other are one session. */
  session(options: { readonly gapMs: number; readonly graceMs: number }): WindowSpec {
    return { kind: "session", gapMs: positive("a session window's gap", options.gapMs), graceMs: grace(options.graceMs) };
  },
};

/**
 * The time windows a timestamp falls in, earliest first (Kafka Streams'
 * TimeWindows.windowsFor): every window [start, start + size) with start a
 * multiple of the advance and start <= timestamp < start + size. Windows
 * never start before the epoch.
 */
export function timeWindowsFor(timestamp: number, sizeMs: number, advanceMs: number): TimeWindow[] {
  const found: TimeWindow[] = [];
  let start = Math.floor(Math.max(0, timestamp - sizeMs + advanceMs) / advanceMs) * advanceMs;
  for (; start <= timestamp; start += advanceMs) found.push({ start, end: start + sizeMs });
  return found;
}

/**
 * The stream time at which a window closes: no record can change it from
 * then on. A time window closes at end + grace. A sliding window's end is
 * inclusive, so it closes one millisecond later (Kafka Streams keeps it open
 * while end >= stream time - grace). A session [start, end] can still be
 * extended by a record up to end + gap, so it closes after end + gap + grace:
 * Kafka Streams' KStreamSessionWindowAggregate, whose windowCloseTime is
 * stream time - grace - gap and which drops a merged session that ends
 * before it. The same time closes a session (emit final, deletion) and makes
 * a record whose merged session it closes late.
 */
export function windowCloseTime(spec: WindowSpec, window: TimeWindow): number {
  switch (spec.kind) {
    case "time":
      return window.end + spec.graceMs;
    case "sliding":
      return window.end + spec.graceMs + 1;
    case "session":
      return window.end + spec.gapMs + spec.graceMs + 1;
  }
}

/**
 * The stream time from which a closed sliding window can be forgotten. A
 * record that is not late has t >= stream time - grace - difference, and it
 * reads only windows that end at or after t - difference (the one it takes its
 * left window's aggregate from); so a window ending before stream time - grace
 * - 2 * difference is never read again.
 */
export function slidingWindowExpiry(spec: Extract<WindowSpec, { kind: "sliding" }>, window: TimeWindow): number {
  return window.end + 2 * spec.differenceMs + spec.graceMs + 1;
}
