// `weir build` as a user ships it: the package is copied to a fresh folder
// with no weir checkout around it, `npm install` fetches what was not bundled
// (better-sqlite3) from the registry, and plain `node index.js` runs it on the
// embedded engine and on the real broker; `npm start` stops cleanly on SIGTERM.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROKERS, connectBroker, createTopic, readCommitted, uniqueName, type Broker } from "../../helpers.ts";
import { root, weir } from "../weir-cli.ts";

const fixture = join(root, "test", "src", "fixtures", "build");
const app = uniqueName("weir-test-build");
const inputTopic = `${app}-orders`;
const outputTopic = `${app}-scored`;

let broker: Broker;
/** The built package, in a folder of its own under the system's temporary folder, installed. */
let pkg: string;
/** The fixture's copy with this test's topics, and the package as built. */
let source: string;

/** The variables a service gets: nothing of this test process (no tsx loader in NODE_OPTIONS, no npm_ variables). */
function serviceEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...settings };
}

const orders = [
  { key: "o1", value: { id: "o1", amount: 250, tier: "gold" } },
  { key: "o2", value: { id: "o2", amount: -5, tier: "silver" } },
];

beforeAll(async () => {
  broker = await connectBroker();
  // The fixture with topics of this test's own, next to the module it imports.
  source = mkdtempSync(join(tmpdir(), "weir-build-source-"));
  writeFileSync(
    join(source, "orders.weir"),
    readFileSync(join(fixture, "orders.weir"), "utf8").replace('topic "orders"', `topic "${inputTopic}"`).replace('topic "scored"', `topic "${outputTopic}"`),
  );
  cpSync(join(fixture, "risk.ts"), join(source, "risk.ts"));
  const out = join(source, "out");
  const built = weir(["build", join(source, "orders.weir"), "--out", out]);
  expect(built.stderr).toBe("");
  expect(built.status).toBe(0);

  pkg = mkdtempSync(join(tmpdir(), "weir-built-package-"));
  cpSync(out, pkg, { recursive: true });
  // From the registry only (the package names no path); --prefer-offline takes what npm's cache has.
  const install = spawnSync("npm", ["install", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: pkg, env: serviceEnv({}), encoding: "utf8", timeout: 600_000 });
  expect(install.status, install.stderr).toBe(0);
}, 660_000);

afterAll(async () => {
  await broker?.close();
  // The installed package holds tens of megabytes (better-sqlite3, built where no binary could be fetched).
  for (const dir of [pkg, source]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a package built by weir build, in a fresh folder", () => {
  it("installs only better-sqlite3 (and what it needs) from the registry: weir itself is bundled", () => {
    expect(existsSync(join(pkg, "node_modules", "better-sqlite3", "package.json"))).toBe(true);
    expect(existsSync(join(pkg, "node_modules", "weir"))).toBe(false);
    expect(existsSync(join(pkg, "node_modules", "kafkajs"))).toBe(false);
    expect(existsSync(join(pkg, "node_modules", "tsx"))).toBe(false);
    // Each package from a registry (npm leaves out `resolved` for the default one): no link, no file: path.
    const lock = JSON.parse(readFileSync(join(pkg, "package-lock.json"), "utf8")) as { packages: Record<string, { resolved?: string; integrity?: string; link?: boolean }> };
    const installed = Object.entries(lock.packages).filter(([name]) => name !== "");
    expect(installed.map(([name]) => name)).toContain("node_modules/better-sqlite3");
    for (const [name, entry] of installed) {
      expect(entry.link, name).toBeUndefined();
      expect(entry.integrity, name).toMatch(/^sha512-/);
      if (entry.resolved !== undefined) expect(entry.resolved, name).toMatch(/^https:\/\//);
    }
  });

  it("runs with plain node on the embedded engine: outputs, and the dead letter's reason at its .weir line and column", () => {
    const data = join(pkg, "data");
    const produced = weir(["produce", inputTopic, "--data", data], orders.map((o) => JSON.stringify(o)).join("\n"));
    expect(produced.status).toBe(0);
    const run = spawnSync(process.execPath, ["index.js"], { cwd: pkg, env: serviceEnv({ WEIR_DATA_DIR: data, WEIR_FOLLOW: "false" }), encoding: "utf8", timeout: 60_000 });
    expect(run.stderr).toBe(
      [
        "orders: dead letter to orders-dlq: processing failed: RangeError: negative amount -5 (at orders.weir:10:45); record " + `${inputTopic}-0 offset 1, node scored-1-select`,
        "orders: processed 2 records in 1 commits (drained)",
        "",
      ].join("\n"),
    );
    expect(run.status).toBe(0);
    const scored = weir(["consume", outputTopic, "--data", data]);
    expect(scored.stdout.trim().split("\n").map((line) => JSON.parse(line) as { key: string; value: unknown })).toMatchObject([{ key: "o1", value: { id: "o1", risk: 0.25 } }]);
    const letters = weir(["consume", "orders-dlq", "--data", data]);
    expect((JSON.parse(letters.stdout) as { value: { reason: string; node: string } }).value).toMatchObject({
      reason: "processing failed: RangeError: negative amount -5 (at orders.weir:10:45)",
      node: "scored-1-select",
    });
  });

  it("runs with plain node on Kafka until drained: outputs, and the dead letter's reason at its .weir line and column", async () => {
    await createTopic(broker, inputTopic, 2);
    await broker.producer.send({ topic: inputTopic, acks: -1, messages: orders.map((o) => ({ key: o.key, value: JSON.stringify(o.value) })) });
    const run = spawnSync(process.execPath, ["index.js"], {
      cwd: pkg,
      env: serviceEnv({ WEIR_BROKERS: BROKERS.join(","), WEIR_APPLICATION_ID: app, WEIR_FOLLOW: "false" }),
      encoding: "utf8",
      timeout: 90_000,
    });
    expect(run.stderr).toMatch(new RegExp(`^${app}: processed 2 records in \\d+ commits \\(drained\\)$`, "m"));
    // The service's log says it too.
    expect(run.stderr).toMatch(new RegExp(`^${app}: dead letter to ${app}-dlq: processing failed: RangeError: negative amount -5 \\(at orders\\.weir:10:45\\); record ${inputTopic}-\\d offset \\d, node scored-1-select$`, "m"));
    expect(run.status).toBe(0);
    expect((await readCommitted(broker, outputTopic)).map((r) => [r.key, JSON.parse(r.value!)])).toEqual([["o1", { id: "o1", risk: 0.25 }]]);
    const letters = await readCommitted(broker, `${app}-dlq`);
    expect(letters.map((r) => (JSON.parse(r.value!) as { reason: string }).reason)).toEqual(["processing failed: RangeError: negative amount -5 (at orders.weir:10:45)"]);
  });

  it("npm start, sent SIGTERM (to npm's pid), commits, leaves the consumer group and exits", async () => {
    const group = app;
    const npm = spawn("npm", ["start"], {
      cwd: pkg,
      env: serviceEnv({ WEIR_BROKERS: BROKERS.join(","), WEIR_APPLICATION_ID: group, WEIR_SESSION_TIMEOUT_MS: "7000", WEIR_HEARTBEAT_INTERVAL_MS: "700" }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    npm.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    // Every output closed: npm and the node it started (which holds the same pipes) are gone.
    const closed = new Promise<number | null>((resolve) => npm.on("close", (code) => resolve(code)));
    try {
      const written = (await readCommitted(broker, outputTopic)).length;
      await broker.producer.send({ topic: inputTopic, acks: -1, messages: [{ key: "o3", value: JSON.stringify({ id: "o3", amount: 100, tier: "silver" }) }] });
      let seen = written;
      for (let i = 0; i < 600 && seen === written; i++) {
        await new Promise((r) => setTimeout(r, 50));
        seen = (await readCommitted(broker, outputTopic)).length;
      }
      expect(seen).toBe(written + 1);
      npm.kill("SIGTERM");
      expect(await closed).toBe(0);
    } finally {
      if (npm.exitCode === null) npm.kill("SIGKILL");
    }
    expect(stderr).toMatch(new RegExp(`^${group}: stopped after \\d+ commit\\(s\\)$`, "m"));
    expect(stderr).toMatch(new RegExp(`^${group}: processed \\d+ records in \\d+ commits \\(closed\\)$`, "m"));
    const { groups } = await broker.admin.describeGroups([group]);
    expect(groups[0]).toMatchObject({ state: "Empty", members: [] });
    const committed = await broker.admin.fetchOffsets({ groupId: group, topics: [inputTopic] });
    expect(committed[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0)).toBe(3);
  });

  it("holds no path into the weir checkout", () => {
    const files = readdirSync(pkg, { recursive: true, encoding: "utf8" }).filter((file) => !file.startsWith("node_modules") && !file.startsWith("data"));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const path = join(pkg, file);
      if (!existsSync(path) || !/\.(js|json|map|md|weir)$|Dockerfile$/.test(file)) continue;
      expect(readFileSync(path, "utf8").includes(root), file).toBe(false);
    }
  });
});
