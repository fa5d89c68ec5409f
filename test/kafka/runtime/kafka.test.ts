// The Kafka engine against the real broker: wordcount exactly-once end to end,
// stopped and restarted, with a failure injected inside a transaction, and
// with a zombie instance. Every check reads with read_committed.
// Without record caches (cacheMaxBytes 0): these tests check every update.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommitInfo } from "../../../runtime/engine.ts";
import { TopicError } from "../../../runtime/errors.ts";
import { createKafkaEngine, runKafka } from "../../../runtime/kafka.ts";
import { partitionForKey } from "../../../runtime/internal/partitioner.ts";
import { countWords, generateLines } from "../../runtime/fixtures/wordcount.ts";
import {
  BROKERS,
  connectBroker,
  countsByWord,
  createTopic,
  produceLines,
  readCommitted,
  uniqueName,
  wordcount,
  writtenOffsets,
  type Broker,
  type ReadRecord,
} from "../helpers.ts";

let broker: Broker;
beforeAll(async () => {
  broker = await connectBroker();
});
afterAll(async () => {
  await broker?.close();
});

/** Asserts the output is exactly that of processing `lines` once: each word counts 1, 2, ..., N. */
function expectExactCounts(output: readonly ReadRecord[], lines: readonly string[]): void {
  const expected = countWords(lines);
  const sequences = countsByWord(output);
  expect(new Map([...sequences].map(([word, counts]) => [word, counts.length]))).toEqual(expected);
  for (const [word, counts] of sequences) expect(counts, word).toEqual(counts.map((_, i) => i + 1));
}

interface Setup {
  readonly app: string;
  readonly input: string;
  readonly output: string;
}

async function setup(partitions: number, lines: readonly string[]): Promise<Setup> {
  const app = uniqueName("weir-test-wc");
  const input = `${app}-lines`;
  const output = `${app}-counts`;
  await createTopic(broker, input, partitions);
  await produceLines(broker, input, lines);
  return { app, input, output };
}

describe("Kafka engine, exactly_once", () => {
  it("wordcount end to end: every word counts 1..N exactly once, internal topics created, offsets committed", async () => {
    const lines = generateLines(300, 40);
    const { app, input, output } = await setup(3, lines);
    const commits: CommitInfo[] = [];
    const summary = await runKafka(wordcount(app, input, output), { brokers: BROKERS, cacheMaxBytes: 0, onCommit: (c) => commits.push(c) });

    const words = [...countWords(lines).values()].reduce((a, b) => a + b, 0);
    expect(summary).toMatchObject({
      application: app,
      recordsProcessed: lines.length + words,
      outputs: { [`${app}-words-repartition`]: words, [output]: words },
      deadLettered: 0,
      stoppedBy: "drained",
    });
    expect(summary.commits).toBe(commits.length);

    const out = await readCommitted(broker, output);
    expectExactCounts(out, lines);
    for (const record of out) expect(record.partition).toBe(partitionForKey(Buffer.from(record.key!), 3));

    // Internal topics: partitions as the embedded engine computes them, changelog compacted.
    const metadata = await broker.admin.fetchTopicMetadata({ topics: [`${app}-words-repartition`, `${app}-counts-changelog`, output, `${app}-dlq`] });
    expect(Object.fromEntries(metadata.topics.map((t) => [t.name, t.partitions.length]))).toEqual({
      [`${app}-words-repartition`]: 3,
      [`${app}-counts-changelog`]: 3,
      [output]: 3,
      [`${app}-dlq`]: 1,
    });
    const configs = await broker.admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: `${app}-counts-changelog`, configNames: ["cleanup.policy"] }],
    });
    expect(configs.resources[0]!.configEntries[0]!.configValue).toBe("compact");

    // The changelog holds each word's final count (last change per key per commit, so its last record per key).
    const changelog = await readCommitted(broker, `${app}-counts-changelog`);
    const finals = new Map(changelog.map((r) => [JSON.parse(r.key!) as string, JSON.parse(r.value!) as number]));
    expect(finals).toEqual(countWords(lines));

    // The group's offsets are the next offsets to read: each input partition's end.
    const ends = await broker.admin.fetchTopicOffsets(input);
    const committed = await broker.admin.fetchOffsets({ groupId: app, topics: [input] });
    expect(committed[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual(ends.map((p) => [p.partition, p.high]).sort());
  });

  it("refuses a commit interval that is not shorter than the transaction timeout (GUIDE fact 7)", async () => {
    const engine = createKafkaEngine({ brokers: BROKERS, transactionTimeoutMs: 1000 });
    try {
      await expect(engine.run(wordcount(uniqueName("weir-test-timeout"), "in", "out"), { commitIntervalMs: 1000 })).rejects.toThrowError(
        "the commit interval (1000 ms) must be shorter than the transaction timeout (1000 ms)",
      );
    } finally {
      await engine.close();
    }
  });

  it("refuses a heartbeat interval that is not shorter than the session timeout", () => {
    expect(() => createKafkaEngine({ brokers: BROKERS, sessionTimeoutMs: 6000, heartbeatIntervalMs: 6000 })).toThrowError(
      "the heartbeat interval (6000 ms) must be shorter than the session timeout (6000 ms); a third of it is usual",
    );
    expect(() => createKafkaEngine({ brokers: BROKERS, rebalanceTimeoutMs: 0 })).toThrowError("rebalanceTimeoutMs must be a whole number of milliseconds >= 1, not 0");
    expect(() => createKafkaEngine({ brokers: BROKERS, maxTaskIdleMs: -1 })).toThrowError("maxTaskIdleMs must be a whole number of milliseconds >= 0, not -1");
    expect(() => createKafkaEngine({ brokers: BROKERS, brokerOutageMs: 1.5 })).toThrowError("brokerOutageMs must be a whole number of milliseconds >= 0, not 1.5");
  });

  it("refuses a broker address that is not host:port before connecting", () => {
    for (const bad of ["notahost", "127.0.0.1:99999", "kafka:0", "kafka:port"]) {
      expect(() => createKafkaEngine({ brokers: `127.0.0.1:9092,${bad}` }), bad).toThrowError(
        `brokers must be host:port, several separated by commas (for example kafka-1:9092,kafka-2:9092), not "${bad}"`,
      );
    }
    expect(() => createKafkaEngine({ brokers: ["kafka-1:9092", " kafka-2:19092 "], brokerOutageMs: 0 })).not.toThrow();
  });

  it("a missing source topic is one clear error, before anything is created", async () => {
    const app = uniqueName("weir-test-missing");
    await expect(runKafka(wordcount(app, `${app}-nope`, `${app}-out`), { brokers: BROKERS })).rejects.toThrowError(
      new TopicError(`source topic "${app}-nope" does not exist: create it first (for example with kafka-topics.sh --create --topic ${app}-nope)`),
    );
    expect(await broker.reader.topic(`${app}-words-repartition`)).toBeUndefined();
  });

  it("stopped after a few commits and started again: state restored from the changelog, output still exact", async () => {
    const lines = generateLines(200, 30, 7);
    const { app, input, output } = await setup(2, lines);
    const topology = wordcount(app, input, output);

    const stop = new AbortController();
    let commits = 0;
    const first = await runKafka(topology, {
      brokers: BROKERS,
      cacheMaxBytes: 0,
      maxRecordsPerCommit: 40,
      signal: stop.signal,
      onCommit: () => {
        if (++commits === 12) stop.abort();
      },
    });
    expect(first.stoppedBy).toBe("closed");
    const partial = await readCommitted(broker, output);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan([...countWords(lines).values()].reduce((a, b) => a + b, 0));

    // More input arrives while it is stopped.
    const more = generateLines(50, 30, 8);
    await produceLines(broker, input, more, lines.length);

    const second = await runKafka(topology, { brokers: BROKERS, cacheMaxBytes: 0 });
    expect(second.stoppedBy).toBe("drained");
    expect(second.restored[0]!.records).toBeGreaterThan(0);
    // A known application resumes from its committed offsets: nothing is read twice.
    expect(first.recordsProcessed + second.recordsProcessed).toBe(
      lines.length + more.length + [...countWords([...lines, ...more]).values()].reduce((a, b) => a + b, 0),
    );
    expectExactCounts(await readCommitted(broker, output), [...lines, ...more]);
  });

  it("a failure inside a transaction leaves nothing visible, and the run after it is exact", async () => {
    const lines = generateLines(120, 20, 11);
    const { app, input, output } = await setup(1, lines);
    const topology = wordcount(app, input, output);

    let ends = 0;
    const engine = createKafkaEngine(
      { brokers: BROKERS },
      {
        // The 3rd transaction fails after its records and offsets were sent, before EndTxn.
        beforeEndTransaction: () => {
          if (++ends === 3) throw new Error("injected failure before EndTxn");
        },
      },
    );
    const committed: CommitInfo[] = [];
    try {
      await expect(engine.run(topology, { cacheMaxBytes: 0, maxRecordsPerCommit: 30, onCommit: (c) => committed.push(c) })).rejects.toThrowError("injected failure before EndTxn");
    } finally {
      await engine.close();
    }
    // Something of the failed transaction reached the log, but no read_committed reader sees it.
    const visibleOutput = (await readCommitted(broker, output)).length;
    const visibleRepartition = (await readCommitted(broker, `${app}-words-repartition`)).length;
    const visibleChangelog = (await readCommitted(broker, `${app}-counts-changelog`)).length;
    const written =
      (await writtenOffsets(broker, output)) + (await writtenOffsets(broker, `${app}-words-repartition`)) + (await writtenOffsets(broker, `${app}-counts-changelog`));
    expect(written).toBeGreaterThan(visibleOutput + visibleRepartition + visibleChangelog + 2 * committed.length);
    const committedOutputs = committed.reduce((sum, c) => sum + (c.outputs[output] ?? 0), 0);
    expect(visibleOutput).toBe(committedOutputs);

    const retried = await runKafka(topology, { brokers: BROKERS, cacheMaxBytes: 0 });
    expect(retried.stoppedBy).toBe("drained");
    expectExactCounts(await readCommitted(broker, output), lines);
  });

  it("a zombie: a member stuck inside its transactions loses its tasks to a successor; its open and late transactions never become visible", async () => {
    const lines = generateLines(60, 15, 21);
    const { app, input, output } = await setup(2, lines);
    const topology = wordcount(app, input, output);
    // A short rebalance timeout: the group stops waiting for the stuck zombie
    // to rejoin after 3 s and gives its tasks to the successor.
    const groupTimings = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 1000, rebalanceTimeoutMs: 3000 };

    // The zombie commits once, then stops inside its next transactions (records
    // and offsets sent, EndTxn not yet) until the successor has taken over.
    let armed = false;
    let inTransaction!: () => void;
    const zombieInTransaction = new Promise<void>((resolve) => (inTransaction = resolve));
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const zombie = createKafkaEngine(
      { brokers: BROKERS, ...groupTimings },
      {
        beforeEndTransaction: async () => {
          if (!armed) return;
          inTransaction();
          await gate;
        },
      },
    );
    const zombieLog: string[] = [];
    const stopZombie = new AbortController();
    const zombieRun = zombie.run(topology, {
      cacheMaxBytes: 0,
      follow: true,
      pollIntervalMs: 10,
      maxRecordsPerCommit: 20,
      signal: stopZombie.signal,
      onCommit: () => (armed = true),
      logger: (line) => zombieLog.push(line),
    });
    await zombieInTransaction;

    const successor = createKafkaEngine({ brokers: BROKERS, ...groupTimings });
    const stop = new AbortController();
    let successorCommitted!: () => void;
    const committed = new Promise<void>((resolve) => (successorCommitted = resolve));
    const successorRun = successor.run(topology, { cacheMaxBytes: 0, follow: true, pollIntervalMs: 10, signal: stop.signal, onCommit: () => successorCommitted() });
    // The successor got the zombie's tasks and fenced them (aborting the
    // zombie's open transactions) before restoring, so it redoes that work and commits it.
    await committed;
    openGate();
    // The zombie's late EndTxn is refused: it closes those tasks without committing and rejoins the group.
    for (let i = 0; i < 400 && !zombieLog.some((line) => line.includes("was fenced")); i++) await new Promise((r) => setTimeout(r, 25));
    expect(zombieLog.join("\n")).toMatch(/task \d_\d was fenced \(another member owns it now\): closed without committing/);

    const more = generateLines(40, 15, 22);
    await produceLines(broker, input, more, lines.length);
    const total = [...countWords([...lines, ...more]).values()].reduce((a, b) => a + b, 0);
    for (let i = 0; i < 600 && (await readCommitted(broker, output)).length < total; i++) await new Promise((r) => setTimeout(r, 50));
    stopZombie.abort();
    stop.abort();
    const [zombieSummary, summary] = await Promise.all([zombieRun, successorRun]);
    await Promise.all([zombie.close(), successor.close()]);
    expect(zombieSummary.stoppedBy).toBe("closed");
    expect(summary.stoppedBy).toBe("closed");
    expectExactCounts(await readCommitted(broker, output), [...lines, ...more]);
  }, 60_000);
});

describe("Kafka engine, at_least_once", () => {
  it("without failures, the output is exact too, and offsets are committed", async () => {
    const lines = generateLines(100, 20, 31);
    const { app, input, output } = await setup(2, lines);
    const summary = await runKafka(wordcount(app, input, output), { brokers: BROKERS, cacheMaxBytes: 0, guarantee: "at_least_once" });
    expect(summary.stoppedBy).toBe("drained");
    expectExactCounts(await readCommitted(broker, output), lines);
    const ends = await broker.admin.fetchTopicOffsets(input);
    const committed = await broker.admin.fetchOffsets({ groupId: app, topics: [input] });
    expect(committed[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual(ends.map((p) => [p.partition, p.high]).sort());
  });
});
