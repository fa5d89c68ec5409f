// The embedded log on real SQLite: the facade the CLI uses, and the LogClient
// the engine uses (transactions, offsets, fencing).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openEmbeddedLog, type EmbeddedLog } from "../../runtime/embedded.ts";
import { ProducerFencedError, TopicError } from "../../runtime/errors.ts";
import { EmbeddedLogImpl } from "../../runtime/internal/embedded-log-impl.ts";
import { partitionForKey } from "../../runtime/internal/partitioner.ts";

describe("EmbeddedLog (the facade)", () => {
  let log: EmbeddedLog;
  beforeEach(() => {
    log = openEmbeddedLog(":memory:");
  });
  afterEach(() => log.close());

  it("assigns dense offsets per partition and reads back committed records", () => {
    log.createTopic("t", 1);
    expect(log.produce("t", [{ value: "a", timestamp: 10 }, { value: "b", timestamp: 11 }])).toEqual([
      { topic: "t", partition: 0, offset: 0 },
      { topic: "t", partition: 0, offset: 1 },
    ]);
    expect(log.produce("t", [{ value: "c", timestamp: 12 }])[0]!.offset).toBe(2);
    expect(log.consume("t")).toEqual([
      { topic: "t", partition: 0, offset: 0, key: null, value: "a", timestamp: 10 },
      { topic: "t", partition: 0, offset: 1, key: null, value: "b", timestamp: 11 },
      { topic: "t", partition: 0, offset: 2, key: null, value: "c", timestamp: 12 },
    ]);
    expect(log.consume("t", { fromOffset: 2 }).map((r) => r.value)).toEqual(["c"]);
  });

  it("stores strings as their text, other JSON values as JSON text, null as a tombstone", () => {
    log.produce("t", [{ key: "k", value: "plain text" }, { key: { id: 1 }, value: { a: [1, true] } }, { key: 7, value: null }]);
    // No format recorded on the topic: printed as text.
    expect(log.consume("t").map((r) => [r.key, r.value])).toEqual([
      ["k", "plain text"],
      ['{"id":1}', '{"a":[1,true]}'],
      ["7", null],
    ]);
  });

  it("creates a missing topic with one partition on produce, and refuses a different partition count", () => {
    log.produce("auto", [{ value: "x" }]);
    expect(log.topics()).toEqual([{ name: "auto", partitions: 1, keyFormat: null, valueFormat: null, records: 1 }]);
    expect(log.createTopic("auto", 1).partitions).toBe(1);
    expect(() => log.createTopic("auto", 3)).toThrowError(TopicError);
    expect(() => log.createTopic("auto", 3)).toThrowError('topic "auto" already exists with 1 partition(s), not 3');
    expect(() => log.consume("missing")).toThrowError('topic "missing" does not exist');
  });

  it("partitions keyed records as Kafka does, and null keys round-robin across produce calls", () => {
    log.createTopic("t", 4);
    const keys = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"];
    const produced = log.produce("t", keys.map((key) => ({ key, value: key })));
    expect(produced.map((p) => p.partition)).toEqual(keys.map((key) => partitionForKey(Buffer.from(key), 4)));
    expect(new Set(produced.map((p) => p.partition)).size).toBeGreaterThan(1);

    const fresh = openEmbeddedLog(":memory:");
    try {
      fresh.createTopic("n", 3);
      const first = fresh.produce("n", [{ value: 1 }, { value: 2 }]).map((p) => p.partition);
      const second = fresh.produce("n", [{ value: 3 }, { value: 4 }]).map((p) => p.partition);
      expect([...first, ...second]).toEqual([0, 1, 2, 0]);
    } finally {
      fresh.close();
    }
  });

  it("decodes for printing by the formats recorded on the topic", () => {
    const dir = mkdtempSync(join(tmpdir(), "weir-log-"));
    const facade = openEmbeddedLog(join(dir, "weir.db"));
    // What the engine does when a source or sink declares formats.
    const engineSide = new EmbeddedLogImpl(join(dir, "weir.db"));
    try {
      facade.produce("j", [{ key: "k1", value: { n: 1 } }, { key: "k2", value: "not json" }]);
      engineSide.recordFormatsSync("j", { key: "string", value: "json" });
      expect(facade.topics()).toEqual([{ name: "j", partitions: 1, keyFormat: "string", valueFormat: "json", records: 2 }]);
      expect(facade.consume("j").map((r) => [r.key, r.value])).toEqual([
        ["k1", { n: 1 }],
        ["k2", "not json"],
      ]);
    } finally {
      engineSide.close();
      facade.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps everything in one file across openings", () => {
    const dir = mkdtempSync(join(tmpdir(), "weir-log-"));
    try {
      const first = openEmbeddedLog(join(dir, "weir.db"));
      first.createTopic("t", 2);
      first.produce("t", [{ key: "a", value: { n: 1 } }]);
      first.close();
      const second = openEmbeddedLog(join(dir, "weir.db"));
      expect(second.topics().map((t) => [t.name, t.partitions, t.records])).toEqual([["t", 2, 1]]);
      expect(second.consume("t")[0]!.value).toBe('{"n":1}');
      second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("EmbeddedLogImpl (the LogClient)", () => {
  let log: EmbeddedLogImpl;
  beforeEach(() => {
    log = new EmbeddedLogImpl(":memory:");
    log.createTopicSync({ name: "in", partitions: 2 });
    log.createTopicSync({ name: "out", partitions: 1 });
  });
  afterEach(() => log.close());

  const record = (topic: string, partition: number, value: string) => ({ topic, partition, key: null, value: Buffer.from(value), timestamp: 0 });

  it("makes records and offsets visible together at commit, and nothing before", async () => {
    const producer = await log.initTransactions("app");
    const transaction = producer.beginTransaction();
    transaction.send([record("out", 0, "x"), record("out", 0, "y")]);
    transaction.sendOffsets("app", [{ topic: "in", partition: 1, offset: 5 }]);
    expect(await log.endOffsets([{ topic: "out", partition: 0 }])).toEqual([0]);
    expect(await log.committedOffsets("app", [{ topic: "in", partition: 1 }])).toEqual([undefined]);
    await transaction.commit();
    expect(await log.endOffsets([{ topic: "out", partition: 0 }])).toEqual([2]);
    expect(await log.committedOffsets("app", [{ topic: "in", partition: 0 }, { topic: "in", partition: 1 }])).toEqual([undefined, 5]);
    expect(() => transaction.send([record("out", 0, "late")])).toThrowError("cannot send records in state COMMITTED");
  });

  it("an aborted transaction leaves nothing", async () => {
    const transaction = (await log.initTransactions("app")).beginTransaction();
    transaction.send([record("out", 0, "x")]);
    transaction.sendOffsets("app", [{ topic: "in", partition: 0, offset: 1 }]);
    await transaction.abort();
    expect((await log.fetch({ topic: "out", partition: 0 }, 0, 10)).records).toEqual([]);
    expect(await log.committedOffsets("app", [{ topic: "in", partition: 0 }])).toEqual([undefined]);
  });

  it("a failing commit writes nothing at all (one SQLite transaction)", async () => {
    const transaction = (await log.initTransactions("app")).beginTransaction();
    transaction.send([record("out", 0, "x"), record("out", 7, "no such partition")]);
    transaction.sendOffsets("app", [{ topic: "in", partition: 0, offset: 1 }]);
    await expect(transaction.commit()).rejects.toThrowError('cannot write to partition 7 of topic "out": it has 1 partition(s)');
    expect(await log.endOffsets([{ topic: "out", partition: 0 }])).toEqual([0]);
    expect(await log.committedOffsets("app", [{ topic: "in", partition: 0 }])).toEqual([undefined]);
  });

  it("fences an older producer of the same transactional id: its commit fails and writes nothing", async () => {
    const zombie = await log.initTransactions("app");
    const open = zombie.beginTransaction();
    open.send([record("out", 0, "from the zombie")]);
    const successor = await log.initTransactions("app");
    await expect(open.commit()).rejects.toThrowError(ProducerFencedError);
    const ok = successor.beginTransaction();
    ok.send([record("out", 0, "from the successor")]);
    await ok.commit();
    const values = (await log.fetch({ topic: "out", partition: 0 }, 0, 10)).records.map((r) => r.value!.toString());
    expect(values).toEqual(["from the successor"]);
    // Another id is not affected.
    const other = (await log.initTransactions("other-app")).beginTransaction();
    other.send([record("out", 0, "other")]);
    await other.commit();
  });

  it("fetches in offset order from a position, up to a maximum", async () => {
    const transaction = (await log.initTransactions("app")).beginTransaction();
    transaction.send(["a", "b", "c", "d"].map((v) => record("in", 1, v)));
    await transaction.commit();
    const fetched = await log.fetch({ topic: "in", partition: 1 }, 1, 2);
    expect(fetched.records.map((r) => [r.offset, r.value!.toString()])).toEqual([
      [1, "b"],
      [2, "c"],
    ]);
    expect(fetched).toMatchObject({ nextOffset: 3, atEnd: false });
    expect(await log.fetch({ topic: "in", partition: 0 }, 0, 2)).toEqual({ records: [], nextOffset: 0, atEnd: true });
  });
});

describe("record headers in the embedded log", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "weir-headers-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps headers with their record through a transaction, and none on a record without", async () => {
    const log = new EmbeddedLogImpl(join(dir, "log.db"));
    try {
      log.createTopicSync({ name: "t", partitions: 1 });
      const producer = await log.initTransactions("p");
      const transaction = producer.beginTransaction();
      transaction.send([
        { topic: "t", partition: 0, key: null, value: Buffer.from("a"), timestamp: 1, headers: { region: "eu", note: "ünïcode" } },
        { topic: "t", partition: 0, key: null, value: Buffer.from("b"), timestamp: 2 },
      ]);
      await transaction.commit();
      const { records } = await log.fetch({ topic: "t", partition: 0 }, 0, 10);
      expect(records.map((r) => r.headers)).toEqual([{ region: "eu", note: "ünïcode" }, undefined]);
      expect("headers" in records[1]!).toBe(false);
    } finally {
      log.close();
    }
  });

  it("adds the headers column to a log written before records had headers, keeping its records", async () => {
    const path = join(dir, "old.db");
    const { default: Database } = await import("better-sqlite3");
    const old = new Database(path);
    old.exec(`CREATE TABLE records (topic TEXT NOT NULL, "partition" INTEGER NOT NULL, "offset" INTEGER NOT NULL, key BLOB, value BLOB,
      timestamp INTEGER NOT NULL, PRIMARY KEY (topic, "partition", "offset")) WITHOUT ROWID;
      CREATE TABLE topics (name TEXT PRIMARY KEY, partitions INTEGER NOT NULL, key_format TEXT, value_format TEXT);
      INSERT INTO topics VALUES ('t', 1, NULL, NULL);
      INSERT INTO records VALUES ('t', 0, 0, NULL, X'6f6c64', 5);`);
    old.close();
    const log = new EmbeddedLogImpl(path);
    try {
      log.appendSync([{ topic: "t", partition: 0, key: null, value: Buffer.from("new"), timestamp: 6, headers: { h: "1" } }]);
      expect(log.fetchSync("t", 0, 0, 10).map((r) => [r.value?.toString(), r.headers])).toEqual([
        ["old", undefined],
        ["new", { h: "1" }],
      ]);
    } finally {
      log.close();
    }
  });
});
