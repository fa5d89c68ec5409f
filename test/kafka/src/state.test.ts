// Changing a topology that has state, on the real broker (docs/state.md): `weir
// run --brokers` refused over state written by another topology, `weir reset
// --brokers` (refused while an instance runs), then a run that recomputes
// from the beginning of the inputs. Real child processes.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROKERS, connectBroker, createTopic, readCommitted, uniqueName, type Broker } from "../helpers.ts";

const root = join(import.meta.dirname, "..", "..", "..");
const weirBin = join(root, "bin", "weir.js");
const brokers = BROKERS.join(",");

let broker: Broker;
beforeAll(async () => {
  broker = await connectBroker();
});
afterAll(async () => {
  await broker?.close();
});

function weir(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [weirBin, ...args], { cwd: root, encoding: "utf8", timeout: 90_000 });
}

/** The example over topics of the test's own; `fields` are the aggregation's. */
function statsFile(dir: string, input: string, output: string, fields: string): string {
  const file = join(dir, "stats.weir");
  writeFileSync(
    file,
    `application stats

schema Order { customer: string, amount: number }

stream orders from topic "${input}" key string value json Order

table stats = orders
  | group by customer
  | aggregate { ${fields} }

sink stats to topic "${output}"
`,
  );
  return file;
}

async function produceOrders(input: string, orders: readonly [string, string, number][]): Promise<void> {
  await broker.producer.send({
    topic: input,
    acks: -1,
    messages: orders.map(([key, customer, amount]) => ({ key, value: JSON.stringify({ customer, amount }) })),
  });
}

/** The committed offsets of the application's group for a topic, by partition ("-1": none). */
async function committedOffsets(app: string, topic: string): Promise<string[]> {
  const [committed] = await broker.admin.fetchOffsets({ groupId: app, topics: [topic] });
  return committed!.partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset);
}

const values = async (topic: string) => (await readCommitted(broker, topic)).map((record) => JSON.parse(record.value!) as unknown);

describe("weir run --brokers over state written by another topology", () => {
  it("is refused with one line naming the store, the change and the reset; weir reset --brokers, then the run recomputes from the beginning", async () => {
    const app = uniqueName("weir-test-state");
    const input = `${app}-orders`;
    const output = `${app}-out`;
    await createTopic(broker, input, 2);
    const dir = mkdtempSync(join(tmpdir(), "weir-kafka-state-"));
    const run = () => weir(["run", join(dir, "stats.weir"), "--brokers", brokers, "--application-id", app]);

    statsFile(dir, input, output, "total: sum(amount)");
    await produceOrders(input, [["o1", "a", 5]]);
    expect(run().status).toBe(0);
    await produceOrders(input, [["o2", "a", 7]]);
    expect(run().status).toBe(0);
    expect(await values(output)).toEqual([{ total: 5 }, { total: 12 }]);
    await produceOrders(input, [["o3", "a", 1]]);
    const offsetsBefore = await committedOffsets(app, input);
    // The internal topics are read with clients of their own: kafkajs keeps asking for a topic
    // it has read, and fails once the reset deleted it.
    const internal = await connectBroker();
    const changelogBefore = await readCommitted(internal, `${app}-stats-changelog`);

    const file = statsFile(dir, input, output, "total: sum(amount), biggest: max(amount), n: count()");
    const refused = run();
    const refusal =
      "weir: store 'stats' was written with value { total: sum(amount) } but this topology has { total: sum(amount), biggest: max(amount), n: count() } (added biggest, n). " +
      `Reset the application to recompute its state from its inputs: weir reset ${file} --brokers ${brokers} --application-id ${app}`;
    // One line says it all (the lines before it are the run's progress: the consumer group joined); no stack trace.
    const lines = refused.stderr.trimEnd().split("\n");
    expect(lines.at(-1)).toBe(refusal);
    expect(lines.filter((line) => !line.startsWith(`${app}: consumer group:`))).toEqual([refusal]);
    expect(refused.status).toBe(3);
    // Nothing was processed: no output, no state, no offset moved.
    expect(await values(output)).toEqual([{ total: 5 }, { total: 12 }]);
    expect(await readCommitted(internal, `${app}-stats-changelog`)).toEqual(changelogBefore);
    await internal.close();
    expect(await committedOffsets(app, input)).toEqual(offsetsBefore);

    const reset = weir(["reset", file, "--brokers", brokers, "--application-id", app]);
    expect(reset.stderr).toBe("");
    expect(reset.stdout).toBe(
      [
        `${app}: deleted internal topics: ${app}-stats-changelog, ${app}-stats-repartition`,
        `${app}: the next run reads from the beginning: ${input}`,
        `${app}: not touched: ${output}, ${app}-dlq`,
        "",
      ].join("\n"),
    );
    expect(reset.status).toBe(0);
    const topics = await broker.admin.listTopics();
    expect(topics).not.toContain(`${app}-stats-changelog`);
    expect(topics).not.toContain(`${app}-stats-repartition`);
    expect(topics).toContain(output);
    // The input offsets are at the beginning of each partition, and the group has no others.
    expect(await committedOffsets(app, input)).toEqual(["0", "0"]);

    const rerun = run();
    expect(rerun.stderr).toMatch(new RegExp(`^${app}: processed 6 records in \\d+ commits \\(drained\\)$`, "m"));
    expect(rerun.status).toBe(0);
    const recomputed = (await values(output)).slice(2);
    // With the record cache, the three orders' updates collapse per commit: 1 to 3 records, the total over all three last.
    expect(recomputed.length).toBeGreaterThanOrEqual(1);
    expect(recomputed.length).toBeLessThanOrEqual(3);
    expect(recomputed.at(-1)).toEqual({ total: 13, biggest: 7, n: 3 });
  }, 240_000);

  it("weir reset --brokers is refused while an instance of the application runs", async () => {
    const app = uniqueName("weir-test-state-running");
    const input = `${app}-orders`;
    await createTopic(broker, input, 1);
    const dir = mkdtempSync(join(tmpdir(), "weir-kafka-state-"));
    const file = statsFile(dir, input, `${app}-out`, "total: sum(amount)");
    await produceOrders(input, [["o1", "a", 5]]);

    const child = spawn(process.execPath, [weirBin, "run", file, "--brokers", brokers, "--application-id", app, "--follow"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      for (let i = 0; i < 600 && !stderr.includes("running 2 task(s)"); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(stderr).toContain("running 2 task(s)");
      const reset = weir(["reset", file, "--brokers", brokers, "--application-id", app]);
      expect(reset.stderr).toBe(`weir: application '${app}' is running (its consumer group has 1 active member(s)): stop every instance, then reset it\n`);
      expect(reset.status).toBe(1);
      const storeReset = weir(["reset", file, "--brokers", brokers, "--application-id", app, "--store", "stats"]);
      expect(storeReset.stderr).toBe(reset.stderr);
      expect(storeReset.status).toBe(1);
      expect(await broker.admin.listTopics()).toContain(`${app}-stats-changelog`);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 120_000);
});

describe("weir reset --brokers --store", () => {
  it("deletes the named store's changelog, moves the offsets of the sub-topology that feeds it to the beginning, and leaves the other store and the input offsets as they are", async () => {
    const app = uniqueName("weir-test-store-reset");
    const input = `${app}-orders`;
    const output = `${app}-out`;
    const perKeyOutput = `${app}-per-key`;
    await createTopic(broker, input, 2);
    const dir = mkdtempSync(join(tmpdir(), "weir-kafka-store-reset-"));
    const file = join(dir, "stats.weir");
    const write = (fields: string) =>
      writeFileSync(
        file,
        `application stats

schema Order { customer: string, amount: number }

stream orders from topic "${input}" key string value json Order

table stats = orders
  | group by customer
  | aggregate { ${fields} }

table perKey = orders
  | group by key
  | count

sink stats to topic "${output}"
sink perKey to topic "${perKeyOutput}"
`,
      );
    // Every update (no cache): the test counts which results come again.
    const run = () => weir(["run", file, "--brokers", brokers, "--application-id", app, "--cache-max-bytes", "0"]);
    write("total: sum(amount)");
    await produceOrders(input, [
      ["o1", "a", 5],
      ["o2", "a", 7],
    ]);
    expect(run().status).toBe(0);
    const inputOffsets = await committedOffsets(app, input);
    const repartition = `${app}-stats-repartition`;
    expect((await committedOffsets(app, repartition)).map(Number).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

    write("total: sum(amount), n: count()");
    expect(run().status).toBe(3);
    const reset = weir(["reset", file, "--brokers", brokers, "--application-id", app, "--store", "stats"]);
    expect(reset.stderr).toBe("");
    expect(reset.stdout).toBe(
      [
        `${app}: emptied stores: stats (deleted changelogs: ${app}-stats-changelog)`,
        `${app}: the next run reads again: ${repartition} from its beginning`,
        `${app}: receive their records again: ${output}, ${app}-dlq`,
        "",
      ].join("\n"),
    );
    expect(reset.status).toBe(0);
    const topics = await broker.admin.listTopics();
    expect(topics).not.toContain(`${app}-stats-changelog`);
    expect(topics).toContain(`${app}-perKey-changelog`);
    expect(topics).toContain(repartition);
    expect(await committedOffsets(app, input)).toEqual(inputOffsets);
    expect(await committedOffsets(app, repartition)).toEqual(["0", "0"]);

    await produceOrders(input, [["o3", "a", 1]]);
    const rerun = run();
    expect(rerun.status).toBe(0);
    // The two first orders are in two input partitions: their order in the repartition topic is either.
    const recomputed = (await values(output)).slice(2) as { total: number; n: number }[];
    expect(recomputed.map((value) => value.n)).toEqual([1, 2, 3]);
    expect(recomputed.at(-1)).toEqual({ total: 13, n: 3 });
    // perKey went on from its state: only the new order was counted.
    expect(await values(perKeyOutput)).toEqual([1, 1, 1]);
  }, 240_000);
});
