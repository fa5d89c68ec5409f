// The broker-outage limit against failures that Kafka keeps answering around:
// a run whose every write fails while its reads, its rejoins and its tasks'
// InitProducerId succeed rides the failure out again and again, and must
// still give up once it has been failing for the limit (counted from the
// first failure since its last progress, not from Kafka's last answer); an
// idle run that rode a failure out starts counting afresh at the next one; a
// run whose sink topic is deleted under it must end with a line that names
// the topic. All against the shared broker, which is never stopped: the
// failures are connections dropped on the client's side.
// Without record caches (cacheMaxBytes 0): these tests check every update.
import { spawn } from "node:child_process";
import { connect } from "node:net";
import type { ISocketFactory } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BrokerOutageError } from "../../../runtime/errors.ts";
import { createKafkaEngine } from "../../../runtime/kafka.ts";
import { generateLines } from "../../runtime/fixtures/wordcount.ts";
import { BROKERS, connectBroker, createTopic, produceLines, readCommitted, uniqueName, wordcount, type Broker } from "../helpers.ts";
import { root, weirBin, wordcountFile } from "../src/weir-cli.ts";

/** The Kafka protocol's API keys (the first int16 after a request's size) of Produce and Fetch. */
const PRODUCE_API_KEY = 0;
const FETCH_API_KEY = 1;

/**
 * Connections as kafkajs opens them, except that while `cutting()` a
 * connection that sends a request with this API key is dropped: for
 * Produce, as a broker that can take no writes would do (a full disk, a
 * partition without enough replicas), while reads, group requests and
 * InitProducerId still answer.
 */
function dropConnectionsOn(apiKey: number, cutting: () => boolean): ISocketFactory {
  return ({ host, port, onConnect }) => {
    const socket = connect({ host, port }, onConnect);
    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (cutting() && Buffer.isBuffer(chunk) && chunk.length >= 6 && chunk.readInt16BE(4) === apiKey) {
        socket.destroy(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }));
        return false;
      }
      return write(chunk, ...rest);
    }) as typeof socket.write;
    return socket;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the broker-outage limit", () => {
  let broker: Broker;

  beforeAll(async () => {
    broker = await connectBroker();
  });

  afterAll(async () => {
    await broker?.close();
  });

  it("a failure that comes back after every rejoin (every write dropped, reads and rejoins answered) gives up once the run has been failing for the limit", async () => {
    const app = uniqueName("weir-test-outage-limit");
    const [input, output] = [`${app}-lines`, `${app}-counts`];
    await createTopic(broker, input, 2);
    const limitMs = 15_000;
    let cutting = false;
    const engine = createKafkaEngine({ brokers: BROKERS, brokerOutageMs: limitMs }, { socketFactory: dropConnectionsOn(PRODUCE_API_KEY, () => cutting) });
    const log: string[] = [];
    let commits = 0;
    const stop = new AbortController();
    const run = engine.run(wordcount(app, input, output), {
      cacheMaxBytes: 0,
      follow: true,
      pollIntervalMs: 10,
      signal: stop.signal,
      onCommit: () => commits++,
      logger: (line) => log.push(line),
    });
    const ended = run.then(
      () => "ended without an error",
      (error: unknown) => error,
    );
    try {
      await produceLines(broker, input, generateLines(100, 30, 41));
      for (let i = 0; i < 600 && commits === 0; i++) await sleep(50);
      expect(commits, log.join("\n")).toBeGreaterThan(0);

      cutting = true;
      const cutAt = performance.now();
      await produceLines(broker, input, generateLines(100, 30, 42), 100);
      const outcome = await Promise.race([ended, sleep(limitMs + 40_000).then(() => "still running")]);
      const failedForMs = performance.now() - cutAt;

      expect(outcome, log.join("\n")).toBeInstanceOf(BrokerOutageError);
      const message = (outcome as BrokerOutageError).message;
      expect(message).toMatch(
        new RegExp(`^Kafka at ${BROKERS.join(",").replace(/\./g, "\\.")} has been failing for [\\d.]+ s, longer than the outage limit \\(${limitMs} ms\\): giving up \\(last error: .+\\)$`),
      );
      // It did ride the failure out: rejoined, restored, and failed the same way again.
      expect(log.join("\n")).toMatch(/Kafka answers again: running 4 task\(s\) from their last commit/);
      const failingS = Number(/has been failing for ([\d.]+) s/.exec(message)![1]);
      console.log(`writes dropped: gave up ${(failedForMs / 1000).toFixed(1)} s after the cut, failing for ${failingS} s; rejoins: ${log.filter((l) => l.includes("Kafka answers again")).length}`);
      expect(failingS * 1000).toBeGreaterThanOrEqual(limitMs);
      // The limit, plus the time kafkajs retries a write before it reports it (about 8 s), plus one more try.
      expect(failedForMs).toBeLessThan(limitMs + 30_000);
    } finally {
      stop.abort();
      await ended;
      await engine.close();
    }
  }, 90_000);

  it("an idle run that rode a failure out counts the next one afresh, however long ago its last commit was", async () => {
    const app = uniqueName("weir-test-outage-idle");
    const [input, output] = [`${app}-lines`, `${app}-counts`];
    await createTopic(broker, input, 1);
    const limitMs = 5000;
    let cutting = false;
    const engine = createKafkaEngine({ brokers: BROKERS, brokerOutageMs: limitMs }, { socketFactory: dropConnectionsOn(FETCH_API_KEY, () => cutting) });
    const log: string[] = [];
    let commits = 0;
    const stop = new AbortController();
    const run = engine.run(wordcount(app, input, output), {
      cacheMaxBytes: 0,
      follow: true,
      pollIntervalMs: 10,
      signal: stop.signal,
      onCommit: () => commits++,
      logger: (line) => log.push(line),
    });
    const ended = run.then(
      () => "ended without an error",
      (error: unknown) => error,
    );
    const recoveries = () => log.filter((line) => line.startsWith("Kafka answers again")).length;
    try {
      await produceLines(broker, input, generateLines(20, 30, 45));
      for (let i = 0; i < 600 && commits === 0; i++) await sleep(50);
      expect(commits, log.join("\n")).toBeGreaterThan(0);
      // The input may take more than one commit: wait until a second passes without one.
      for (let seen = -1; seen !== commits; ) {
        seen = commits;
        await sleep(1000);
      }
      const commitsBefore = commits;

      // Twice, with an idle stretch longer than the limit between: reads fail for 2 s, then answer again.
      for (const round of [1, 2]) {
        cutting = true;
        await sleep(2000);
        cutting = false;
        for (let i = 0; i < 400 && recoveries() < round; i++) await sleep(50);
        expect(recoveries(), log.join("\n")).toBe(round);
        if (round === 1) await sleep(limitMs + 2000);
      }
      // Nothing was committed since the first commits: only idle rounds told the run that the first failure was over.
      expect(commits).toBe(commitsBefore);
      stop.abort();
      expect(await ended, log.join("\n")).toBe("ended without an error");
    } finally {
      stop.abort();
      await ended;
      await engine.close();
    }
  }, 60_000);

  it("weir run --follow whose sink topic is deleted mid-run ends with one line naming the topic, rather than riding the failure out again and again", async () => {
    const app = uniqueName("weir-test-deleted-sink");
    const [input, output] = [`${app}-lines`, `${app}-counts`];
    await createTopic(broker, input, 2);
    const limitMs = 20_000;
    const child = spawn(
      process.execPath,
      [weirBin, "run", wordcountFile(input, output), "--brokers", BROKERS.join(","), "--application-id", app, "--follow", "--broker-outage", String(limitMs)],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await produceLines(broker, input, generateLines(100, 30, 43));
      for (let i = 0; i < 600 && !((await broker.reader.topic(output)) && (await readCommitted(broker, output)).length > 0); i++) await sleep(50);

      await broker.admin.deleteTopics({ topics: [output] });
      const deletedAt = performance.now();
      await produceLines(broker, input, generateLines(100, 30, 44), 100);
      const code = await Promise.race([exited, sleep(limitMs + 30_000).then(() => "still running" as const)]);
      const endedAfterMs = performance.now() - deletedAt;
      console.log(`deleted sink topic: the run ended ${(endedAfterMs / 1000).toFixed(1)} s after the deletion`);

      expect(code, stderr).toBe(1);
      expect(stderr.trimEnd().split("\n").at(-1)).toMatch(new RegExp(`^weir: topic "${output}" no longer exists: deleted while the application was running \\(.+\\)$`));
      expect(stderr).not.toMatch(/^\s+at /m);
      expect(endedAfterMs).toBeLessThan(limitMs);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  }, 90_000);
});
