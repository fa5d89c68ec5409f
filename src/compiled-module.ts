// Writing compiled topologies to disk, and loading them to run. The compiler
// itself is pure; every file it produces is written here.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Topology } from "../runtime/index.ts";
import { withInlineSourceMap } from "../compiler/source-map.ts";
import { compile, type CompileResult } from "./index.ts";

/** The root of the weir package (where its package.json is). */
export const weirRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export function moduleNameFor(weirPath: string): string {
  return basename(weirPath, extname(weirPath));
}

export interface WrittenProject {
  readonly modulePath: string;
  readonly files: readonly string[];
}

/**
 * Writes a compiled topology as a small TypeScript project: the module, a
 * strict tsconfig.json, a package.json, and node_modules/weir pointing at this
 * weir installation so that `weir/runtime` resolves for tsc and for Node.
 */
export function writeCompiledProject(weirPath: string, source: string, outDir: string): CompileResult & { written?: WrittenProject } {
  const absoluteOut = resolve(outDir);
  const result = compile(source, {
    path: weirPath,
    runtimeModule: "weir/runtime",
    importSpecifier: (modulePath) => {
      const specifier = relative(absoluteOut, modulePath).split(sep).join("/");
      return specifier.startsWith(".") ? specifier : `./${specifier}`;
    },
  });
  if (!result.code) return result;
  mkdirSync(absoluteOut, { recursive: true });
  const modulePath = join(absoluteOut, `${moduleNameFor(weirPath)}.ts`);
  // The source map inline: tsx and esbuild find it there, so stack traces show the .weir lines.
  writeFileSync(modulePath, withInlineSourceMap(result.code, result.sourceMap!));
  const tsconfig = {
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      allowImportingTsExtensions: true,
      noEmit: true,
      strict: true,
      skipLibCheck: true,
      types: ["node"],
      typeRoots: [join(weirRoot, "node_modules", "@types")],
    },
    include: ["*.ts"],
  };
  writeFileSync(join(absoluteOut, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
  const packageJsonPath = join(absoluteOut, "package.json");
  if (!existsSync(packageJsonPath) || !JSON.parse(readFileSync(packageJsonPath, "utf8")).weirGenerated) {
    writeFileSync(packageJsonPath, `${JSON.stringify({ private: true, type: "module", weirGenerated: true }, null, 2)}\n`);
  }
  const link = join(absoluteOut, "node_modules", "weir");
  if (!isInside(absoluteOut, weirRoot)) {
    mkdirSync(dirname(link), { recursive: true });
    rmSync(link, { force: true, recursive: false });
    symlinkSync(weirRoot, link, "dir");
  }
  return { ...result, written: { modulePath, files: [modulePath, join(absoluteOut, "tsconfig.json"), packageJsonPath] } };
}

/** Inside weir's own folder, `weir/runtime` resolves by the package's self-reference. */
function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !rel.startsWith(sep));
}

/**
 * Compiles and imports a topology to run it in this process. The module is
 * written to a temporary folder and imports this process's runtime by URL, so
 * that the topology and the engine share one runtime instance.
 */
export async function loadTopology(weirPath: string, source: string): Promise<CompileResult & { topology?: Topology }> {
  const result = compile(source, {
    path: weirPath,
    runtimeModule: pathToFileURL(join(weirRoot, "runtime", "index.ts")).href,
    importSpecifier: (modulePath) => pathToFileURL(modulePath).href,
  });
  if (!result.code) return result;
  const dir = mkdtempSync(join(tmpdir(), "weir-module-"));
  // .mts: an ES module wherever it is written, whatever package.json is (or is not) around it.
  const modulePath = join(dir, `${moduleNameFor(weirPath)}.mts`);
  writeFileSync(modulePath, withInlineSourceMap(result.code, result.sourceMap!));
  try {
    const loaded = (await import(pathToFileURL(modulePath).href)) as { topology: Topology };
    return { ...result, topology: loaded.topology };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
