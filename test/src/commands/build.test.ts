// `weir build`, run as a user runs it: what the package holds. Installing it
// in a fresh folder and running it on both engines is in
// test/kafka/src/commands/build.test.ts.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { settingList } from "../../../runtime/settings.ts";
import { root, tempDir, weir } from "../weir-cli.ts";

const fixture = "test/src/fixtures/build/orders.weir";

describe("weir build", () => {
  it("writes a package: the entry, the bundle with its source map, package.json, Dockerfile, README and the .weir file", () => {
    const out = tempDir();
    const result = weir(["build", fixture, "--out", out]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`wrote ${out}: .dockerignore, Dockerfile, README.md, index.js, lib/orders.js, lib/orders.js.map, package.json, src/orders.weir\n`);

    const weirPackage = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(JSON.parse(readFileSync(join(out, "package.json"), "utf8"))).toEqual({
      name: "orders",
      version: "0.0.0",
      private: true,
      description: "The weir application orders, built by weir build",
      type: "module",
      main: "index.js",
      scripts: { start: "exec node index.js" },
      engines: { node: ">=20" },
      // Only the native module, at the version range weir itself uses: kafkajs, zod and weir are in the bundle.
      dependencies: { "better-sqlite3": weirPackage.dependencies["better-sqlite3"] },
      allowScripts: { "better-sqlite3": true },
    });
    const index = readFileSync(join(out, "index.js"), "utf8");
    expect(index).toContain("process.setSourceMapsEnabled(true);\nawait import(\"./lib/orders.js\");\n");
    expect(readFileSync(join(out, "lib", "orders.js"), "utf8")).toMatch(/\/\/# sourceMappingURL=orders\.js\.map\n$/);
    const map = JSON.parse(readFileSync(join(out, "lib", "orders.js.map"), "utf8")) as { sources: string[] };
    // The .weir file and the imported module, named from the package's folder.
    expect(map.sources).toEqual(expect.arrayContaining(["../src/orders.weir", "../src/risk.ts", "../weir/runtime/service.ts"]));
    expect(readFileSync(join(out, "src", "orders.weir"), "utf8")).toBe(readFileSync(join(root, fixture), "utf8"));

    // Plain JavaScript: Node parses it without any TypeScript tool.
    for (const file of ["index.js", "lib/orders.js"]) {
      const check = spawnSync(process.execPath, ["--check", join(out, file)], { encoding: "utf8" });
      expect(check.stderr, file).toBe("");
      expect(check.status, file).toBe(0);
    }
  });

  it("writes a Dockerfile for node:20-slim that runs node itself as an unprivileged user, stopped by SIGTERM", () => {
    const out = tempDir();
    expect(weir(["build", fixture, "--out", out]).status).toBe(0);
    const lines = readFileSync(join(out, "Dockerfile"), "utf8").split("\n");
    expect(lines).toContain("FROM node:20-slim");
    expect(lines).toContain("RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force");
    expect(lines).toContain("USER node");
    expect(lines).toContain("STOPSIGNAL SIGTERM");
    expect(lines).toContain('CMD ["node", "index.js"]');
    expect(lines.indexOf("USER node")).toBeLessThan(lines.indexOf('CMD ["node", "index.js"]'));
    expect(readFileSync(join(out, ".dockerignore"), "utf8")).toBe("node_modules\ndata\n");
  });

  it("writes a README that names every setting a service reads", () => {
    const out = tempDir();
    expect(weir(["build", fixture, "--out", out]).status).toBe(0);
    const readme = readFileSync(join(out, "README.md"), "utf8");
    const variables = settingList.flatMap((setting) => (setting.env ? [setting.env] : []));
    expect(variables.length).toBeGreaterThan(10);
    for (const variable of variables) expect(readme, variable).toMatch(new RegExp(`^\\| \`${variable}\` \\|`, "m"));
    // The docs' links point into weir's docs/, which the package does not have.
    expect(readme).not.toMatch(/\]\([a-z-]+\.md/);
  });

  it("writes nothing for a file with errors, and prints them", () => {
    const dir = tempDir();
    const file = join(dir, "broken.weir");
    writeFileSync(file, "application broken\nstream b = missing | where x > 1\n");
    const out = join(dir, "out");
    const result = weir(["build", file, "--out", out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("broken.weir:2:12: error WEIR2003: unknown stream or table 'missing'");
    expect(existsSync(out)).toBe(false);
  });
});
