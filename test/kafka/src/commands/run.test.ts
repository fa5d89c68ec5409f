// `weir run FILE --brokers ...` as a user runs it: a child process compiling
// examples/wordcount.weir (with topic names of the test's own) and running it
// on the real broker.
import { spawn, spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROKERS, connectBroker, countsByWord, createTopic, produceLines, readCommitted, uniqueName, type Broker } from "../../helpers.ts";
import { expectedSequences, root, weirBin, wordcountFile } from "../weir-cli.ts";

let broker: Broker;
beforeAll(async () => {
  broker = await connectBroker();
});
afterAll(async () => {
  await broker?.close();
});

const lines = ["The quick brown fox", "jumps over the lazy dog", "the dog sleeps", "A fox, a dog, THE end"];

describe("weir run --brokers", () => {
  it("runs examples/wordcount.weir until drained under its own application id, exactly once", async () => {
    const app = uniqueName("weir-test-cli");
    const input = `${app}-lines`;
    const output = `${app}-counts`;
    await createTopic(broker, input, 2);
    await produceLines(broker, input, lines);
    const file = wordcountFile(input, output);

    const result = spawnSync(process.execPath, [weirBin, "run", file, "--brokers", BROKERS.join(","), "--application-id", app, "--cache-max-bytes", "0"], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.stderr).toMatch(new RegExp(`^${app}: processed \\d+ records in \\d+ commits \\(drained\\)$`, "m"));
    expect(result.status).toBe(0);
    const out = await readCommitted(broker, output);
    const sequences = countsByWord(out);
    // Per key, Kafka keeps order: each word's counts are 1..N in order.
    expect(new Map([...sequences].sort())).toEqual(new Map([...expectedSequences(lines)].sort()));
    // The internal topics carry the application id given on the command line.
    expect(await broker.reader.topic(`${app}-counts-changelog`)).toMatchObject({ partitions: 2 });
    expect(await broker.reader.topic("wordcount-counts-changelog-should-not-matter")).toBeUndefined();
  });

  it("with --follow, keeps running until SIGTERM, which commits, leaves the consumer group and exits 0", async () => {
    const app = uniqueName("weir-test-cli-follow");
    const input = `${app}-lines`;
    const output = `${app}-counts`;
    await createTopic(broker, input, 1);
    const file = wordcountFile(input, output);

    const child = spawn(process.execPath, [weirBin, "run", file, "--brokers", BROKERS.join(","), "--application-id", app, "--cache-max-bytes", "0", "--follow", "--session-timeout", "7000", "--heartbeat-interval", "700", "--rebalance-timeout", "20000"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await produceLines(broker, input, lines);
      const total = [...expectedSequences(lines).values()].reduce((sum, counts) => sum + counts.length, 0);
      let seen = 0;
      for (let i = 0; i < 400 && seen < total; i++) {
        await new Promise((r) => setTimeout(r, 50));
        seen = (await broker.reader.topic(output)) ? (await readCommitted(broker, output)).length : 0;
      }
      expect(seen).toBe(total);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    expect(stderr).toMatch(new RegExp(`^${app}: processed \\d+ records in \\d+ commits \\(closed\\)$`, "m"));
    expect(stderr).toMatch(new RegExp(`^${app}: generation 1 of 1 member\\(s\\): running 2 task\\(s\\) \\(0_0 1_0\\)$`, "m"));
    // Each line names the application once (the consumer group is the application's).
    expect(stderr).toMatch(new RegExp(`^${app}: consumer group: generation 1, member \\S+ \\(leader\\): tasks 0_0 1_0$`, "m"));
    expect(stderr).toMatch(new RegExp(`^${app}: stopped after \\d+ commit\\(s\\)$`, "m"));
    // It left the group on its way out (LeaveGroup), rather than letting its session expire.
    const { groups } = await broker.admin.describeGroups([app]);
    expect(groups[0]).toMatchObject({ state: "Empty", members: [] });
    const committed = await broker.admin.fetchOffsets({ groupId: app, topics: [input] });
    expect(committed[0]!.partitions[0]!.offset).toBe(String(lines.length));
  });

  it("a bad --guarantee is one line", () => {
    const result = spawnSync(process.execPath, [weirBin, "run", "examples/wordcount.weir", "--brokers", "127.0.0.1:1", "--guarantee", "twice"], {
      cwd: root,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("error: option '--guarantee <guarantee>' argument 'twice' is invalid. expected exactly_once or at_least_once");
  });
});
