// Changing a topology that has state (docs/state.md), as a user meets it: `weir
// run` twice on one data folder with the .weir file edited in between, `weir
// reset`, and a compiled module run as a service. Real child processes, real
// files, a real SQLite data folder.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { loadTopology } from "../../src/compiled-module.ts";

const root = join(import.meta.dirname, "..", "..");
const weirBin = join(root, "bin", "weir.js");
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href;

function weir(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [weirBin, ...args], { cwd: root, input, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function service(modulePath: string, env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ["--import", tsxLoader, modulePath], { encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The values of a topic's records. */
function consume(topic: string, data: string): unknown[] {
  const result = weir(["consume", topic, "--data", data]);
  expect(result.stderr).toBe("");
  return jsonLines(result.stdout).map((record) => record.value);
}

/** The example: totals per customer, then the same with two fields added. */
const statsV1 = `application stats

schema Order { customer: string, amount: number }

stream orders from topic "orders" key string value json Order

table stats = orders
  | group by customer
  | aggregate { total: sum(amount) }

sink stats to topic "stats-out"
`;
const statsV2 = statsV1.replace("{ total: sum(amount) }", "{ total: sum(amount), biggest: max(amount), n: count() }");

const orderLines = (orders: [string, number][]) => orders.map(([customer, amount], i) => JSON.stringify({ key: `o${i}`, value: { customer, amount } })).join("\n");

/** A folder with a data folder and the .weir file, written as `stats.weir`. */
function workspace(): { dir: string; file: string; data: string; write(source: string): void } {
  const dir = mkdtempSync(join(tmpdir(), "weir-state-"));
  const file = join(dir, "stats.weir");
  return { dir, file, data: join(dir, "data"), write: (source) => writeFileSync(file, source) };
}

describe("weir run on a data folder written by another topology", () => {
  it("refuses a changed aggregation with one line naming the store, the change and the reset; weir reset, then the run recomputes from the beginning", () => {
    const { file, data, write } = workspace();
    expect(weir(["produce", "orders", "--data", data], orderLines([["a", 5], ["a", 7]])).status).toBe(0);
    write(statsV1);
    expect(weir(["run", file, "--data", data]).status).toBe(0);
    // Both orders were processed in one commit: the record cache forwarded a's latest total.
    expect(consume("stats-out", data)).toEqual([{ total: 12 }]);
    expect(weir(["produce", "orders", "--data", data], orderLines([["a", 1]])).status).toBe(0);
    const changelog = consume("stats-stats-changelog", data);

    write(statsV2);
    const refused = weir(["run", file, "--data", data]);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toBe(
      "weir: store 'stats' was written with value { total: sum(amount) } but this topology has { total: sum(amount), biggest: max(amount), n: count() } (added biggest, n). " +
        `Reset the application to recompute its state from its inputs: weir reset ${file} --data ${data}\n`,
    );
    expect(refused.status).toBe(3);
    // Nothing was processed: no output, no state written (the third order waits).
    expect(consume("stats-out", data)).toEqual([{ total: 12 }]);
    expect(consume("stats-stats-changelog", data)).toEqual(changelog);

    const reset = weir(["reset", file, "--data", data]);
    expect(reset.stderr).toBe("");
    expect(reset.stdout).toBe(
      [
        "stats: deleted internal topics: stats-stats-changelog, stats-stats-repartition",
        "stats: the next run reads from the beginning: orders",
        "stats: not touched: stats-out, stats-dlq",
        "",
      ].join("\n"),
    );
    expect(reset.status).toBe(0);

    const rerun = weir(["run", file, "--data", data]);
    expect(rerun.stderr).toBe("processed 6 records in 2 commits\n");
    expect(rerun.status).toBe(0);
    // The outputs of the first topology stay; the new ones are computed over every order.
    expect(consume("stats-out", data)).toEqual([{ total: 12 }, { total: 13, biggest: 7, n: 3 }]);
  }, 180_000);

  it("restarts an unchanged topology, one only reformatted, and one changed elsewhere than its store, without a false refusal", () => {
    const { file, data, write } = workspace();
    write(statsV1);
    expect(weir(["produce", "orders", "--data", data], orderLines([["a", 5]])).status).toBe(0);
    expect(weir(["run", file, "--data", data]).status).toBe(0);

    const next = (amount: number) => expect(weir(["produce", "orders", "--data", data], orderLines([["a", amount]])).status).toBe(0);
    next(7);
    const unchanged = weir(["run", file, "--data", data]);
    expect(unchanged.stderr).toBe("processed 2 records in 2 commits\n");

    next(1);
    write(`application stats
// The same topology, laid out otherwise and commented.
schema Order {
  customer: string,
  amount: number
}
stream orders from topic "orders" key string value json Order
table stats = orders | group by customer | aggregate {
  total: sum(  amount  )   // the running total
}
sink stats to topic "stats-out"
`);
    const reformatted = weir(["run", file, "--data", data]);
    expect(reformatted.stderr).toBe("processed 2 records in 2 commits\n");

    next(10);
    write(`${statsV1.replace("  | group by customer", "  | where amount > 0\n  | group by customer")}
stream big = orders | where amount > 6
sink big to topic "big-orders"
`);
    const elsewhere = weir(["run", file, "--data", data]);
    expect(elsewhere.stderr).toBe("processed 2 records in 2 commits\n");
    expect(elsewhere.status).toBe(0);
    expect(consume("stats-out", data)).toEqual([{ total: 5 }, { total: 12 }, { total: 13 }, { total: 23 }]);
    // Each run checked the shape the first one recorded, and none recorded another.
    const changelog = jsonLines(weir(["consume", "stats-stats-changelog", "--data", data]).stdout);
    expect(changelog.filter((record) => record.key === "@weir/store-shape").map((record) => (record.value as { shape: { value: string } }).shape.value)).toEqual([
      "{ total: sum(amount) }",
    ]);
  }, 180_000);

  it("refuses a window store whose window changed size", () => {
    const { file, data, write } = workspace();
    const perMinute = (window: string) => `application clicks

schema Click { page: string, ts: timestamp }

stream clicks from topic "clicks" key string value json Click event time ts

table perWindow = clicks
  | group by page
  | window ${window}
  | count

sink perWindow to topic "clicks-per-window" value { page: key, start: window.start, clicks: value }
`;
    write(perMinute("tumbling 1 minute"));
    expect(weir(["produce", "clicks", "--data", data], JSON.stringify({ key: "c1", value: { page: "/", ts: 1_000 } })).status).toBe(0);
    expect(weir(["run", file, "--data", data]).status).toBe(0);
    write(perMinute("tumbling 5 minutes"));
    const refused = weir(["run", file, "--data", data]);
    expect(refused.stderr).toBe(
      "weir: store 'perWindow' was written with window tumbling windows: size 60000 ms, grace 0 ms but this topology has tumbling windows: size 300000 ms, grace 0 ms. " +
        `Reset the application to recompute its state from its inputs: weir reset ${file} --data ${data}\n`,
    );
    expect(refused.status).toBe(3);
  }, 120_000);
});

describe("weir reset", () => {
  it("needs --data or --brokers, and a data folder that exists", () => {
    const { file, data, write } = workspace();
    write(statsV1);
    expect(weir(["reset", file])).toMatchObject({ status: 2, stderr: "weir: reset needs --data DIR (the embedded log) or --brokers HOST:PORT (Kafka)\n" });
    expect(weir(["reset", file, "--data", data])).toMatchObject({ status: 2, stderr: `weir: nothing to reset: ${data} is not a data folder (it has no weir.db)\n` });
    mkdirSync(data);
    expect(weir(["reset", file, "--data", data, "--application-id", "x"])).toMatchObject({ status: 2, stderr: "weir: --application-id is for Kafka: add --brokers HOST:PORT\n" });
  }, 60_000);
});

describe("a compiled module run as a service over state written by another topology", () => {
  it("is refused with one line naming the store, the change and the reset, and exit code 3", () => {
    const { dir, data } = workspace();
    for (const [version, source] of [["v1", statsV1], ["v2", statsV2]] as const) {
      mkdirSync(join(dir, version));
      writeFileSync(join(dir, version, "stats.weir"), source);
      expect(weir(["compile", join(dir, version, "stats.weir"), "--out", join(dir, version, "out")]).status).toBe(0);
    }
    expect(weir(["produce", "orders", "--data", data], orderLines([["a", 5]])).status).toBe(0);
    const first = service(join(dir, "v1", "out", "stats.ts"), { WEIR_DATA_DIR: data, WEIR_FOLLOW: "false" });
    expect(first.stderr).toContain("stats: processed 2 records");
    expect(first.status).toBe(0);

    const refused = service(join(dir, "v2", "out", "stats.ts"), { WEIR_DATA_DIR: data, WEIR_FOLLOW: "false" });
    expect(refused.stderr).toBe(
      "stats: store 'stats' was written with value { total: sum(amount) } but this topology has { total: sum(amount), biggest: max(amount), n: count() } (added biggest, n). " +
        `Reset the application to recompute its state from its inputs: weir reset stats.weir --data ${data}\n`,
    );
    expect(refused.status).toBe(3);
  }, 180_000);
});

describe("compiled topologies declare a shape for every store", () => {
  it("tables, aggregates, windows, dedup stores, join buffers and foreign-key joins", async () => {
    const stores: string[] = [];
    for (const fixture of ["tables", "windows", "dedup-branch-merge", "stream-joins"]) {
      const path = join(root, "test", "fixtures", fixture, "input.weir");
      const loaded = await loadTopology(path, readFileSync(path, "utf8"));
      for (const store of loaded.topology!.stores) {
        expect(store.shape, `${fixture}: ${store.name}`).toMatchObject({ kind: expect.any(String), fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) });
        stores.push(store.shape!.kind);
      }
    }
    expect(new Set(stores)).toEqual(
      new Set(["table", "windowed table", "aggregate", "table aggregate", "windowed aggregate", "dedup store", "join buffer", "foreign-key index", "foreign-key subscriptions"]),
    );
  }, 60_000);
});

describe("upgrades: weir diff, then weir reset --store", () => {
  /** Totals per customer and orders per key: two stores, in two sub-topologies. */
  const twoStores = (fields: string) => `application stats

schema Order { customer: string, amount: number }

stream orders from topic "orders" key string value json Order

table stats = orders
  | group by customer
  | aggregate { ${fields} }

table perKey = orders
  | group by key
  | count

sink stats to topic "stats-out"
sink perKey to topic "per-key"
`;

  it("weir diff names the store to reset and what is read again; weir reset --store resets it alone; the next run recomputes it and nothing else", () => {
    const { dir, file, data, write } = workspace();
    const oldFile = join(dir, "old.weir");
    writeFileSync(oldFile, twoStores("total: sum(amount)"));
    write(twoStores("total: sum(amount), n: count()"));
    expect(weir(["produce", "orders", "--data", data], orderLines([["a", 5], ["a", 7]])).status).toBe(0);
    expect(weir(["run", oldFile, "--data", data, "--cache-max-bytes", "0"]).status).toBe(0);

    const diff = weir(["diff", oldFile, file]);
    expect(diff.stderr).toBe("");
    expect(diff.status).toBe(4);
    expect(diff.stdout).toContain("  stats   changed    reset needed  refused (exit 3)\n");
    expect(diff.stdout).toContain("  perKey  unchanged  compatible    runs\n");
    expect(diff.stdout).toContain(`stats: reset needed: weir reset ${file} (--data DIR | --brokers HOST:PORT) --store stats\n`);
    expect(diff.stdout).toContain("stats: then read again: stats-stats-repartition from its beginning\n");
    const json = JSON.parse(weir(["diff", oldFile, file, "--json"]).stdout) as { verdict: string; resetStores: string[]; stores: { store: string; shapeChange?: string }[] };
    expect(json.verdict).toBe("reset");
    expect(json.resetStores).toEqual(["stats"]);
    expect(weir(["diff", oldFile, oldFile])).toMatchObject({ status: 0 });

    // The start refuses what diff said it would, in the same words.
    const refused = weir(["run", file, "--data", data]);
    expect(refused.status).toBe(3);
    expect(refused.stderr).toContain(`store 'stats' was written ${json.stores.find((store) => store.store === "stats")!.shapeChange}.`);

    expect(weir(["reset", file, "--data", data, "--store", "stat"])).toMatchObject({ status: 1, stderr: "weir: application 'stats' has no store 'stat': did you mean 'stats'?\n" });
    // Resetting perKey alone would read the orders again, which also reach stats through its repartition topic.
    expect(weir(["reset", file, "--data", data, "--store", "perKey"])).toMatchObject({
      status: 1,
      stderr: "weir: resetting 'perKey' reads again inputs whose records also reach 'stats', which would count them twice: reset them together (--store stats --store perKey)\n",
    });
    const reset = weir(["reset", file, "--data", data, "--store", "stats"]);
    expect(reset.stderr).toBe("");
    expect(reset.stdout).toBe(
      [
        "stats: emptied stores: stats (deleted changelogs: stats-stats-changelog)",
        "stats: the next run reads again: stats-stats-repartition from its beginning",
        "stats: receive their records again: stats-out, stats-dlq",
        "",
      ].join("\n"),
    );
    expect(reset.status).toBe(0);

    expect(weir(["produce", "orders", "--data", data], orderLines([["a", 1]])).status).toBe(0);
    const rerun = weir(["run", file, "--data", data, "--cache-max-bytes", "0"]); // every update: the test is about which come again
    expect(rerun.status).toBe(0);
    // stats is recomputed from the repartition topic's whole history (and its outputs come again); perKey goes on from where it was.
    expect(consume("stats-out", data)).toEqual([{ total: 5 }, { total: 12 }, { total: 5, n: 1 }, { total: 12, n: 2 }, { total: 13, n: 3 }]);
    // (orderLines numbers from o0 again: the new order is o0's second, counted on the kept state, and nothing before it came again.)
    expect(consume("per-key", data)).toEqual([1, 1, 2]);
  }, 180_000);
});
