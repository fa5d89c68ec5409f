// ts-morph (and the TypeScript compiler inside it) takes about a second to
// load. Only emitting code and reading imported modules need it, so it is
// loaded on first use: `weir check` on a file without imports never pays.
import { createRequire } from "node:module";

type TsMorph = typeof import("ts-morph");

let loaded: TsMorph | undefined;

export function tsMorph(): TsMorph {
  loaded ??= createRequire(import.meta.url)("ts-morph") as TsMorph;
  return loaded;
}
