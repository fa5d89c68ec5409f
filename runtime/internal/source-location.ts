// Where in a .weir file an error happened. A compiled module carries a source
// map back to its .weir file (compiler/source-map.ts); with source maps on
// (tsx turns them on, a built package's index.js does), Node writes the stack
// frames of the generated expressions at the .weir file's line and column.
// An imported function that throws has such a frame too: the expression that
// called it.
import { basename } from "node:path";

/** A frame's place: `at f (/path/shop.weir:14:22)` or `at /path/shop.weir:14:22`. */
const weirFrame = /^\s*at (?:.*\()?(.+\.weir):(\d+):(\d+)\)?$/m;

/** `shop.weir:14:22`: the innermost stack frame of `error` in a .weir file, if there is one. */
export function weirLocationOf(error: unknown): string | undefined {
  if (!(error instanceof Error) || typeof error.stack !== "string") return undefined;
  const frame = weirFrame.exec(error.stack);
  if (!frame) return undefined;
  return `${basename(frame[1]!)}:${frame[2]}:${frame[3]}`;
}
