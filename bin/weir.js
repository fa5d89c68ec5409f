#!/usr/bin/env node
// The CLI runs from TypeScript sources through tsx, which also loads the
// TypeScript modules that a topology imports its functions from.
import { register } from "tsx/esm/api";

register();
// A reader that stops early (`weir consume ... | head`) is not an error.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});
const { main } = await import("../src/cli.ts");
process.exitCode = await main(process.argv.slice(2));
