// chevrotain, loaded from the single-file bundle its package ships.
//
// The package's entry point is ~200 ES modules (its own and lodash-es'), which
// take ~0.9 s to load at every start of `weir`; the bundle (lib/chevrotain.mjs,
// the same code) loads in ~30 ms. Everything in grammar/ takes chevrotain from
// here, so that one instance is used throughout. Types still come from the
// package: `import type { ... } from "chevrotain"` is erased.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

type Chevrotain = typeof import("chevrotain");

// The entry point resolves to <package>/lib/src/api.js; the bundle is <package>/lib/chevrotain.mjs.
const entryPoint = createRequire(import.meta.url).resolve("chevrotain");
const bundle = join(dirname(dirname(entryPoint)), "chevrotain.mjs");
const chevrotain = (await import(pathToFileURL(bundle).href)) as Chevrotain;

export const { createToken, CstParser, EOF, generateCstDts, Lexer, tokenMatcher } = chevrotain;
