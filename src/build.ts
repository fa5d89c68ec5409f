// `weir build`: a compiled topology as a self-contained Node package in plain
// JavaScript. esbuild bundles the generated module, weir's runtime and the
// user's imported modules into one file; what cannot be bundled (the native
// better-sqlite3) becomes a dependency by version, fetched by `npm install`
// from the registry. Nothing in the package points back at this checkout.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { build, type Plugin } from "esbuild";
import { withInlineSourceMap } from "../compiler/source-map.ts";
import { settingList, type NamedSetting } from "../runtime/settings.ts";
import { compile, type CompileResult } from "./index.ts";
import { moduleNameFor, weirRoot } from "./compiled-module.ts";

/** Packages kept out of the bundle: native modules, installed by `npm install` at the version weir depends on. */
export const unbundledPackages = ["better-sqlite3"] as const;

/** The folder, inside the package, of the bundle and its source map. */
const bundleFolder = "lib";

export interface BuiltPackage {
  readonly dir: string;
  /** The package's files, relative to its folder. */
  readonly files: readonly string[];
}

/**
 * Compiles `weirPath` and writes the package to `outDir`: index.js (the entry,
 * which turns source maps on and loads the bundle), lib/NAME.js and its map,
 * package.json, Dockerfile, .dockerignore, README.md, and the .weir file
 * itself under src/ (where the source map's .weir positions point).
 */
export async function buildPackage(weirPath: string, source: string, outDir: string): Promise<CompileResult & { built?: BuiltPackage }> {
  const result = compile(source, {
    path: weirPath,
    runtimeModule: "weir/runtime",
    importSpecifier: (modulePath) => modulePath,
  });
  if (!result.code) return result;

  const name = moduleNameFor(weirPath);
  const weirFile = basename(weirPath);
  const out = resolve(outDir);
  const sourceDir = dirname(resolve(weirPath));
  // The generated module and the entry that starts it, for esbuild only.
  const work = mkdtempSync(join(tmpdir(), "weir-build-"));
  try {
    const modulePath = join(work, `${name}.ts`);
    writeFileSync(modulePath, withInlineSourceMap(result.code, result.sourceMap!));
    const entryPath = join(work, "entry.ts");
    writeFileSync(
      entryPath,
      [
        'import { runService } from "weir/runtime";',
        `import { topology } from ${JSON.stringify(`./${name}.ts`)};`,
        "",
        `await runService(topology, process.env, { source: ${JSON.stringify(weirFile)} });`,
        "",
      ].join("\n"),
    );
    mkdirSync(join(out, bundleFolder), { recursive: true });
    const bundlePath = join(out, bundleFolder, `${name}.js`);
    await build({
      entryPoints: [entryPath],
      outfile: bundlePath,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      sourcemap: "linked",
      external: [...unbundledPackages],
      plugins: [weirRuntimePlugin],
      // Bundled CommonJS packages (kafkajs) call require() for Node's own modules.
      banner: { js: 'import { createRequire as __weirCreateRequire } from "node:module";\nconst require = __weirCreateRequire(import.meta.url);' },
      legalComments: "eof",
      logLevel: "silent",
    });
    rewriteMapSources(`${bundlePath}.map`, { work, sourceDir, weirFile, name });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  mkdirSync(join(out, "src"), { recursive: true });
  copyFileSync(weirPath, join(out, "src", weirFile));
  const files: Record<string, string> = {
    "index.js": indexJs(name, weirFile),
    "package.json": `${JSON.stringify(packageJson(result.plan!.application), null, 2)}\n`,
    Dockerfile: dockerfile(),
    ".dockerignore": "node_modules\ndata\n",
    "README.md": readme(result.plan!.application, weirFile, name),
  };
  for (const [file, text] of Object.entries(files)) writeFileSync(join(out, file), text);
  return {
    ...result,
    built: { dir: out, files: [...Object.keys(files), `${bundleFolder}/${name}.js`, `${bundleFolder}/${name}.js.map`, `src/${weirFile}`].sort() },
  };
}

/** `weir/runtime` is this weir's runtime, wherever the build runs (the .weir file's folder need not have weir installed). */
const weirRuntimePlugin: Plugin = {
  name: "weir-runtime",
  setup(build) {
    build.onResolve({ filter: /^weir\/runtime$/ }, () => ({ path: join(weirRoot, "runtime", "index.ts") }));
  },
};

/**
 * The bundle's source map names files by their place on this machine. In the
 * package they are named as they will be read: the user's files under src/
 * (relative to the .weir file's folder), weir's own as weir/..., packages as
 * node_modules/...; each relative to lib/, where the map is.
 */
function rewriteMapSources(mapPath: string, where: { work: string; sourceDir: string; weirFile: string; name: string }): void {
  const map = JSON.parse(readFileSync(mapPath, "utf8")) as { sources: string[] };
  const mapDir = dirname(mapPath);
  map.sources = map.sources.map((source) => {
    const absolute = resolve(mapDir, source);
    const nodeModules = absolute.lastIndexOf(`${sep}node_modules${sep}`);
    let named: string;
    if (nodeModules >= 0) named = absolute.slice(nodeModules + 1);
    else if (isInside(absolute, where.work)) named = `src/${relative(where.work, absolute)}`;
    else if (isInside(absolute, where.sourceDir)) named = `src/${relative(where.sourceDir, absolute)}`;
    else if (isInside(absolute, weirRoot)) named = `weir/${relative(weirRoot, absolute)}`;
    else named = basename(absolute);
    return `../${named.split(sep).join("/")}`;
  });
  writeFileSync(mapPath, JSON.stringify(map));
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && !rel.startsWith("..") && !rel.startsWith(sep);
}

function indexJs(name: string, weirFile: string): string {
  return [
    `// Generated by weir build from ${weirFile}. Do not edit: change the .weir file and build again.`,
    "// Source maps first, so that the bundle loaded next has its stack traces (and the",
    `// dead letters' reasons) at ${weirFile}'s lines and the original TypeScript's.`,
    "process.setSourceMapsEnabled(true);",
    `await import(${JSON.stringify(`./${bundleFolder}/${name}.js`)});`,
    "",
  ].join("\n");
}

/** The version range weir itself depends on, for each package left out of the bundle. */
function unbundledDependencies(): Record<string, string> {
  const weirPackage = JSON.parse(readFileSync(join(weirRoot, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  return Object.fromEntries(unbundledPackages.map((name) => [name, weirPackage.dependencies[name]!]));
}

function packageJson(application: string): Record<string, unknown> {
  return {
    name: packageName(application),
    version: "0.0.0",
    private: true,
    description: `The weir application ${application}, built by weir build`,
    type: "module",
    main: "index.js",
    // Node itself is the process that does the work (npm runs it through a
    // shell that execs it, and passes SIGTERM and SIGINT on), so a stop commits.
    scripts: { start: "exec node index.js" },
    engines: { node: ">=20" },
    dependencies: unbundledDependencies(),
    // better-sqlite3's install script fetches (or builds) its binary; npm 11 asks for it to be allowed, as weir's own package.json does.
    allowScripts: Object.fromEntries(unbundledPackages.map((name) => [name, true])),
  };
}

/** npm's rules: lowercase, no spaces, at most 214 characters. */
function packageName(application: string): string {
  return application.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+/, "").slice(0, 214) || "weir-application";
}

function dockerfile(): string {
  return [
    "# Generated by weir build. Build: docker build -t NAME .   Run: see README.md",
    "FROM node:20-slim",
    "ENV NODE_ENV=production",
    "WORKDIR /app",
    "COPY package.json ./",
    "RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force",
    "COPY . .",
    "# The embedded engine's data folder (unused with WEIR_BROKERS; on Kafka, local state lives here too).",
    "ENV WEIR_DATA_DIR=/data",
    "RUN mkdir -p /data && chown node:node /data",
    "VOLUME /data",
    "USER node",
    "# SIGTERM commits the work done and, on Kafka, leaves the consumer group.",
    "STOPSIGNAL SIGTERM",
    "# node is the process itself (no npm, no shell): the stop signal reaches the service.",
    'CMD ["node", "index.js"]',
    "",
  ].join("\n");
}

/** A setting's line for the README: Markdown links of docs/ are left as their text. */
function settingRow(setting: NamedSetting): string {
  const fallback = setting.serviceDefault ?? setting.default;
  const shown = fallback === undefined ? (setting.defaultDoc ?? "none") : `\`${String(fallback)}\``;
  const doc = setting.doc.replace(/\[([^\]]+)\]\([^)]+\)/g, "$1");
  const engines = setting.engines.map((engine) => (engine === "kafka" ? "Kafka" : "embedded")).join(", ");
  return `| \`${setting.env}\` | ${shown.replaceAll("|", "\\|")} | ${engines} | ${doc.replaceAll("|", "\\|")} |`;
}

function readme(application: string, weirFile: string, name: string): string {
  const settings = settingList.filter((setting) => setting.env !== undefined);
  return [
    `# ${application}`,
    "",
    `The weir application \`${application}\`, compiled from \`src/${weirFile}\` and built by \`weir build\`: plain`,
    "JavaScript, with weir's runtime and the imported TypeScript modules bundled into",
    `\`lib/${name}.js\`. It needs Node 20 or later and \`npm install\` (for better-sqlite3, the`,
    "one native module, from the npm registry); no TypeScript tool and no weir checkout.",
    "",
    "```sh",
    "npm install --omit=dev",
    "WEIR_DATA_DIR=./data npm start                  # the embedded engine, state in ./data",
    "WEIR_BROKERS=kafka-1:9092,kafka-2:9092 npm start   # on Kafka",
    "```",
    "",
    "`npm start` runs `node index.js` (which may be started directly too). SIGTERM or SIGINT",
    "(to npm or to node) commits the work done and stops; on",
    "Kafka the instance then leaves its consumer group, so the others take over its tasks at",
    "once. Start more instances with the same `WEIR_APPLICATION_ID` to share the work (as many",
    "as the input topics have partitions).",
    "",
    "In a container:",
    "",
    "```sh",
    `docker build -t ${packageName(application)} .`,
    `docker run --rm -e WEIR_BROKERS=kafka:9092 ${packageName(application)}`,
    "```",
    "",
    "The image runs as the unprivileged `node` user, with `/data` as `WEIR_DATA_DIR` (a volume).",
    "",
    "A record that an expression or an imported function fails on is written to the",
    `dead-letter topic with a reason that names the place in \`${weirFile}\` (line and column),`,
    "through the source maps next to the bundle.",
    "",
    "## Settings",
    "",
    "Environment variables, validated at start: a bad one stops the service with one line per",
    "problem and exit code 2. Without `WEIR_BROKERS` the service runs on the embedded engine and",
    "needs `WEIR_DATA_DIR`.",
    "",
    "| variable | default | engines | meaning |",
    "| --- | --- | --- | --- |",
    ...settings.map(settingRow),
    "",
    "Exit codes: 0 stopped or drained, 1 failed, 2 a bad setting, 3 state written by a",
    `topology of another shape (reset it with \`weir reset ${weirFile}\`).`,
    "",
  ].join("\n");
}
