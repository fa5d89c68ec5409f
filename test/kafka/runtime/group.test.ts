// Several instances of one application sharing its tasks through the consumer
// group, against the real broker: started together, one joining mid-stream,
// one stopped with its abort signal (as SIGTERM does), one SIGKILLed. In every
// case the union of their output is exactly that of one run: each word's
// counts go 1, 2, ..., N, none repeated or skipped.
// Without record caches (cacheMaxBytes 0): these tests check every update.
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { AssignerProtocol, Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Engine, RunSummary } from "../../../runtime/engine.ts";
import { createKafkaEngine, type KafkaSettings } from "../../../runtime/kafka.ts";
import type { Topology } from "../../../runtime/topology/graph.ts";
import { countWords, generateLines } from "../../runtime/fixtures/wordcount.ts";
import { BROKERS, connectBroker, countsByWord, createTopic, produceLines, readCommitted, uniqueName, wordcount, type Broker, type ReadRecord } from "../helpers.ts";

const child = join(import.meta.dirname, "fixtures", "wordcount-child.ts");
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href;

/** Short group timings, so that a test notices a rebalance quickly (the broker's minimum session timeout is 6 s). */
const GROUP_TIMINGS = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000 } satisfies Partial<KafkaSettings>;

let broker: Broker;
beforeAll(async () => {
  broker = await connectBroker();
});
afterAll(async () => {
  await broker?.close();
});
beforeEach(() => {
  instances.length = 0;
});

interface Assignment {
  readonly generation: number;
  readonly members: number;
  readonly tasks: string[];
}

/** The latest "generation G of M member(s): running N task(s) (ids)" line of an instance's log. */
function latestAssignment(log: readonly string[]): Assignment | undefined {
  for (let i = log.length - 1; i >= 0; i--) {
    const match = /generation (\d+) of (\d+) member\(s\): running \d+ task\(s\)(?: \(([^)]*)\))?/.exec(log[i]!);
    if (match) return { generation: Number(match[1]), members: Number(match[2]), tasks: match[3] ? match[3].split(" ") : [] };
  }
  return undefined;
}

/** The instances of the running test, whose logs explain a wait that gave up. */
const instances: Instance[] = [];

/** One instance of the application in this process, following its input until stopped. */
class Instance {
  readonly log: string[] = [];
  commits = 0;
  private readonly engine: Engine;
  private readonly stopper = new AbortController();
  private readonly running: Promise<RunSummary>;

  constructor(topology: Topology, settings: Partial<KafkaSettings> = {}) {
    this.engine = createKafkaEngine({ brokers: BROKERS, ...GROUP_TIMINGS, ...settings });
    this.running = this.engine.run(topology, {
      cacheMaxBytes: 0,
      follow: true,
      pollIntervalMs: 10,
      commitIntervalMs: 50,
      signal: this.stopper.signal,
      onCommit: () => this.commits++,
      logger: (line) => this.log.push(line),
    });
    this.running.catch((error: unknown) => this.log.push(`run failed: ${String(error)}`));
    instances.push(this);
  }

  get assignment(): Assignment | undefined {
    return latestAssignment(this.log);
  }

  /** Aborts the run, as SIGTERM does for a service: it commits, leaves the group and resolves. */
  async stop(): Promise<RunSummary> {
    this.stopper.abort();
    try {
      return await this.running;
    } finally {
      await this.engine.close();
    }
  }
}

/** Waits up to 40 s (less than a test's timeout, so that the reason is told, with the instances' logs). */
async function waitFor(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 40_000;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const logs = instances.map((instance, i) => `instance ${i + 1}:\n  ${instance.log.slice(-15).join("\n  ")}`).join("\n");
  throw new Error(`gave up waiting until ${what}\n${logs}`);
}

/** Every word counts 1, 2, ..., N in output order, N its number of occurrences in `lines`. */
function expectExactCounts(output: readonly ReadRecord[], lines: readonly string[]): void {
  const sequences = countsByWord(output);
  expect(new Map([...sequences].map(([word, counts]) => [word, counts.length]))).toEqual(countWords(lines));
  for (const [word, counts] of sequences) expect(counts, word).toEqual(counts.map((_, i) => i + 1));
}

function wordTotal(lines: readonly string[]): number {
  return [...countWords(lines).values()].reduce((a, b) => a + b, 0);
}

async function waitForOutput(output: string, lines: readonly string[]): Promise<void> {
  const total = wordTotal(lines);
  await waitFor(`${output} has ${total} records`, async () => (await readCommitted(broker, output)).length >= total);
}

async function setup(partitions: number, lines: readonly string[]): Promise<{ app: string; input: string; output: string; topology: Topology }> {
  const app = uniqueName("weir-test-group");
  const input = `${app}-lines`;
  const output = `${app}-counts`;
  await createTopic(broker, input, partitions);
  await produceLines(broker, input, lines);
  return { app, input, output, topology: wordcount(app, input, output) };
}

/** Both instances in one generation of two members. */
function sharing(a: { assignment: Assignment | undefined }, b: { assignment: Assignment | undefined }): boolean {
  const [x, y] = [a.assignment, b.assignment];
  return x !== undefined && y !== undefined && x.members === 2 && y.members === 2 && x.generation === y.generation;
}

const ALL_TASKS = ["0_0", "0_1", "0_2", "0_3", "1_0", "1_1", "1_2", "1_3"];

/** An instance in a child process (fixtures/wordcount-child.ts), drain run or follow run, that can be SIGKILLed. */
class ChildInstance {
  readonly log: string[] = [];
  commits = 0;
  stdout = "";
  stderr = "";
  readonly exited: Promise<number | null>;
  private readonly process: ChildProcess;

  constructor(app: string, input: string, output: string, mode: "drain" | "follow", sessionTimeoutMs?: number) {
    this.process = spawn(globalThis.process.execPath, ["--import", tsxLoader, child, app, input, output, BROKERS.join(","), ...(mode === "follow" ? ["follow"] : [])], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...globalThis.process.env, ...(sessionTimeoutMs ? { WEIR_CHILD_SESSION_TIMEOUT_MS: String(sessionTimeoutMs) } : {}) },
    });
    this.exited = new Promise((resolve) => this.process.on("exit", (code) => resolve(code)));
    this.process.stderr!.on("data", (chunk: Buffer) => (this.stderr += chunk.toString("utf8")));
    let pending = "";
    this.process.stdout!.on("data", (chunk: Buffer) => {
      this.stdout += chunk.toString("utf8");
      pending += chunk.toString("utf8");
      const complete = pending.split("\n");
      pending = complete.pop()!;
      for (const line of complete) {
        if (line.startsWith("commit ")) this.commits++;
        if (line.startsWith("log ")) this.log.push(line.slice(4));
      }
    });
  }

  get assignment(): Assignment | undefined {
    return latestAssignment(this.log);
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  kill(): void {
    if (this.running) this.process.kill("SIGKILL");
  }
}

describe("Kafka engine, several instances in one consumer group", () => {
  it("two instances started together share the tasks, the group shows both with their partitions, and their output together is exact", async () => {
    const lines = generateLines(200, 40, 61);
    const { app, input, output, topology } = await setup(4, lines);
    const a = new Instance(topology);
    const b = new Instance(topology);
    await waitFor("both run in a generation of two members", () => sharing(a, b));
    const [tasksA, tasksB] = [a.assignment!.tasks, b.assignment!.tasks];
    expect(tasksA.length).toBeGreaterThan(0);
    expect(tasksB.length).toBeGreaterThan(0);
    expect([...tasksA, ...tasksB].sort()).toEqual(ALL_TASKS);

    // What kafka-consumer-groups.sh --describe shows: two members of a
    // "consumer" group, each reading some of the input's partitions.
    const { groups } = await broker.admin.describeGroups([app]);
    expect(groups[0]).toMatchObject({ groupId: app, state: "Stable", protocolType: "consumer", protocol: "weir-tasks" });
    expect(groups[0]!.members).toHaveLength(2);
    const inputPartitions = groups[0]!.members.map((m) => AssignerProtocol.MemberAssignment.decode(m.memberAssignment)!.assignment[input] ?? []);
    for (const partitions of inputPartitions) expect(partitions.length).toBeGreaterThan(0);
    expect(inputPartitions.flat().sort()).toEqual([0, 1, 2, 3]);

    // More input once both run: each instance processes its own partitions.
    const more = generateLines(200, 40, 62);
    await produceLines(broker, input, more, lines.length);
    const all = [...lines, ...more];
    await waitForOutput(output, all);
    const [summaryA, summaryB] = await Promise.all([a.stop(), b.stop()]);
    expect(summaryA.recordsProcessed).toBeGreaterThan(0);
    expect(summaryB.recordsProcessed).toBeGreaterThan(0);
    // Every line and every repartitioned word processed once, by one of them.
    expect(summaryA.recordsProcessed + summaryB.recordsProcessed).toBe(all.length + wordTotal(all));
    expectExactCounts(await readCommitted(broker, output), all);
  }, 60_000);

  it("at_least_once: two instances share the tasks and commit offsets with their generation; without failures the output is exact", async () => {
    const lines = generateLines(150, 30, 65);
    const { app, input, output, topology } = await setup(4, lines);
    const a = new Instance(topology, { guarantee: "at_least_once" });
    const b = new Instance(topology, { guarantee: "at_least_once" });
    await waitFor("both run in a generation of two members", () => sharing(a, b));
    const more = generateLines(150, 30, 66);
    await produceLines(broker, input, more, lines.length);
    const all = [...lines, ...more];
    await waitForOutput(output, all);
    const [summaryA, summaryB] = await Promise.all([a.stop(), b.stop()]);
    expect(summaryA.recordsProcessed + summaryB.recordsProcessed).toBe(all.length + wordTotal(all));
    expectExactCounts(await readCommitted(broker, output), all);
    // A member's OffsetCommit carries its generation and member id: accepted while the group has members.
    const ends = await broker.admin.fetchTopicOffsets(input);
    const committed = await broker.admin.fetchOffsets({ groupId: app, topics: [input] });
    expect(committed[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual(ends.map((p) => [p.partition, p.high]).sort());
  }, 60_000);

  it("another program's consumer holding the application id as its group id: the run fails saying so", async () => {
    const { app, input, topology } = await setup(1, ["a b"]);
    const consumer = new Kafka({ clientId: "foreign", brokers: BROKERS, logLevel: logLevel.NOTHING }).consumer({ groupId: app });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: input });
      let joined!: () => void;
      const inGroup = new Promise<void>((resolve) => (joined = resolve));
      consumer.on(consumer.events.GROUP_JOIN, () => joined());
      await consumer.run({ eachMessage: async () => {} });
      await inGroup;
      const engine = createKafkaEngine({ brokers: BROKERS, ...GROUP_TIMINGS });
      try {
        await expect(engine.run(topology, { follow: true })).rejects.toThrowError(
          `consumer group "${app}" is in use by another program (its members speak another protocol than "weir-tasks"): weir uses the application id as its group id; stop that program or run under another application id`,
        );
      } finally {
        await engine.close();
      }
    } finally {
      await consumer.disconnect();
    }
  }, 60_000);

  it("a second instance joining mid-stream takes over tasks, restores their state where they land, and the output stays exact", async () => {
    const lines = generateLines(100, 30, 71);
    const { input, output, topology } = await setup(4, lines);
    const a = new Instance(topology);
    await waitFor("the first instance committed", () => a.commits > 0 && a.assignment?.tasks.length === 8);

    // Records keep arriving while the group rebalances.
    const batches = Array.from({ length: 16 }, (_, i) => generateLines(25, 30, 100 + i));
    let produced = lines.length;
    let b: Instance | undefined;
    for (const [i, batch] of batches.entries()) {
      await produceLines(broker, input, batch, produced);
      produced += batch.length;
      if (i === 3) b = new Instance(topology);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    await waitFor("both run in a generation of two members", () => sharing(a, b!));
    // More once both run, so that the newcomer has records of its own to process
    // (the first instance may have finished the others before the rebalance).
    const after = Array.from({ length: 4 }, (_, i) => generateLines(25, 30, 200 + i));
    for (const batch of after) {
      await produceLines(broker, input, batch, produced);
      produced += batch.length;
    }
    const all = [...lines, ...batches.flat(), ...after.flat()];
    await waitForOutput(output, all);
    const [summaryA, summaryB] = await Promise.all([a.stop(), b!.stop()]);

    const restoredA = summaryA.restored.reduce((sum, r) => sum + r.records, 0);
    const restoredB = summaryB.restored.reduce((sum, r) => sum + r.records, 0);
    // The first instance started a new application (nothing to restore); the
    // counts that moved were restored from the changelog by their new owner.
    expect(restoredA + restoredB).toBeGreaterThan(0);
    expect(summaryB.recordsProcessed).toBeGreaterThan(0);
    expect(summaryA.recordsProcessed + summaryB.recordsProcessed).toBe(all.length + wordTotal(all));
    expectExactCounts(await readCommitted(broker, output), all);
  }, 60_000);

  it("an instance stopped with its abort signal commits and leaves the group: the other takes over its tasks without waiting for its session to expire", async () => {
    const lines = generateLines(150, 30, 81);
    const { input, output, topology } = await setup(4, lines);
    // A session timeout longer than this test's own timeout: if the stopped
    // instance did not leave, the survivor would not get its tasks in time.
    const settings = { sessionTimeoutMs: 90_000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000 };
    const a = new Instance(topology, settings);
    const b = new Instance(topology, settings);
    await waitFor("both run in a generation of two members", () => sharing(a, b));
    const generation = a.assignment!.generation;

    const summaryB = await b.stop();
    expect(summaryB.stoppedBy).toBe("closed");
    await waitFor("the survivor runs every task", () => a.assignment!.generation > generation && a.assignment!.members === 1 && a.assignment!.tasks.length === 8);

    const more = generateLines(100, 30, 82);
    await produceLines(broker, input, more, lines.length);
    const all = [...lines, ...more];
    await waitForOutput(output, all);
    const summaryA = await a.stop();
    expect(summaryA.recordsProcessed + summaryB.recordsProcessed).toBe(all.length + wordTotal(all));
    expectExactCounts(await readCommitted(broker, output), all);
  }, 45_000);

  it("an instance SIGKILLed while sharing: after its session expires the survivor takes over, aborts what it left open, and the output is exact", async () => {
    const lines = generateLines(100, 30, 91);
    const { app, input, output, topology } = await setup(4, lines);
    const childLog: string[] = [];
    let childCommits = 0;
    const process: ChildProcess = spawn(globalThis.process.execPath, ["--import", tsxLoader, child, app, input, output, BROKERS.join(","), "follow"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    process.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    let pending = "";
    process.stdout!.on("data", (chunk: Buffer) => {
      pending += chunk.toString("utf8");
      const complete = pending.split("\n");
      pending = complete.pop()!;
      for (const line of complete) {
        if (line.startsWith("commit ")) childCommits++;
        if (line.startsWith("log ")) childLog.push(line.slice(4));
      }
    });
    const exited = new Promise<void>((resolve) => process.on("exit", () => resolve()));
    const survivor = new Instance(topology);
    const childView = { get assignment() { return latestAssignment(childLog); } };
    try {
      await waitFor(`both run in a generation of two members (child stderr: ${stderr})`, () => sharing(survivor, childView));
      const generation = survivor.assignment!.generation;
      // New input for both; the child is killed in the middle of it.
      const more = generateLines(300, 30, 92);
      await produceLines(broker, input, more, lines.length);
      const commitsBefore = childCommits;
      await waitFor("the child committed some of the new input", () => childCommits >= commitsBefore + 3);
      process.kill("SIGKILL");
      await exited;

      await waitFor("the survivor runs every task", () => survivor.assignment!.generation > generation && survivor.assignment!.tasks.length === 8);
      const all = [...lines, ...more];
      await waitForOutput(output, all);
      const summary = await survivor.stop();
      expect(summary.stoppedBy).toBe("closed");
      expectExactCounts(await readCommitted(broker, output), all);
    } finally {
      if (process.exitCode === null && process.signalCode === null) process.kill("SIGKILL");
      await survivor.stop().catch(() => {});
    }
  }, 60_000);

  it("drain runs: an instance SIGKILLed mid-run leaves its tasks to the other, which stays in the group until the whole application is drained, takes them over after the session timeout, and ends with the output exact and complete", async () => {
    const lines = generateLines(1500, 30, 97);
    const { app, input, output } = await setup(4, lines);
    // A session long enough for the survivor to drain its own tasks before the
    // killed member's expires, however loaded the machine: the wait is what is tested.
    const a = new ChildInstance(app, input, output, "drain", 20_000);
    const b = new ChildInstance(app, input, output, "drain", 20_000);
    const logs = () => [a, b].map((c, i) => `child ${i + 1} (exit ${c.running ? "-" : "done"}):\n  ${c.log.slice(-15).join("\n  ")}\n${c.stderr}`).join("\n");
    try {
      await waitFor(`both run in a generation of two members\n${logs()}`, () => sharing(a, b));
      const commitsBefore = b.commits;
      await waitFor(`the second committed some of its share\n${logs()}`, () => b.commits >= commitsBefore + 3 || !b.running);
      expect(b.running, logs()).toBe(true);
      b.kill();
      await b.exited;

      // The survivor drains its own tasks, then stays (heartbeating) until the
      // killed member's session expires and its tasks come here; only when
      // the group's committed offsets reach every input's end does it stop.
      const code = await Promise.race([a.exited, new Promise<string>((resolve) => setTimeout(() => resolve("still running"), 100_000))]);
      expect(code, logs()).toBe(0);
      expect(a.stdout, logs()).toMatch(/^done .*"stoppedBy":"drained"/m);
      // Why it stayed depends on where the kill fell: between two of the
      // killed member's transactions, its own tasks drain and it waits for the
      // group (it logs so); inside one, its repartition inputs stop at the
      // open transaction until the takeover aborts it. Either way it may end
      // only after running every task in a group of its own:
      expect(a.log.some((line) => /generation \d+ of 1 member\(s\): running 8 task\(s\)/.test(line) && a.log.indexOf(line) > a.log.findIndex((l) => /of 2 member/.test(l))), logs()).toBe(true);
      expectExactCounts(await readCommitted(broker, output), lines);
    } finally {
      a.kill();
      b.kill();
    }
  }, 150_000);
});
