// `weir produce`, `weir run` and `weir consume` together, as a user runs them:
// real child processes over real files and a real SQLite data folder.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root, weir, tempDir, jsonLines, expectedWordCounts, sequencesByKey } from "../weir-cli.ts";

describe("weir produce, run, consume", () => {
  const inputLines = ["the cat and the hat", "The Cat sat; the END", "", "cat-cat 42 cat"];

  it("runs the word count example over produced records with exact output", () => {
    const data = tempDir();
    const jsonl = inputLines.map((line, i) => JSON.stringify({ key: `l${i}`, value: line, timestamp: 1_700_000_000_000 + i })).join("\n");
    const produced = weir(["produce", "text-lines", "--data", data, "--partitions", "2"], jsonl);
    expect(produced.stderr).toBe("produced 4 records to text-lines\n");
    expect(produced.status).toBe(0);

    // Every update: the flag is read (with the default cache, a word's counts collapse per commit).
    const run = weir(["run", "examples/wordcount.weir", "--data", data, "--cache-max-bytes", "0"]);
    expect(run.status).toBe(0);

    const consumed = weir(["consume", "word-counts", "--data", data]);
    expect(consumed.status).toBe(0);
    const records = jsonLines(consumed.stdout);
    for (const record of records) expect(Object.keys(record)).toEqual(["topic", "partition", "offset", "key", "value", "timestamp"]);
    expect(sequencesByKey(records)).toEqual(expectedWordCounts(inputLines));

    // More input goes to the topic's existing partitions; another partition count is refused in one line.
    const more = weir(["produce", "text-lines", "--data", data, "--partitions", "3"], jsonl);
    expect(more.status).toBe(1);
    expect(more.stderr).toBe('weir: topic "text-lines" already exists with 2 partition(s), not 3\n');

    // Running again processes nothing new and emits nothing twice.
    expect(weir(["run", "examples/wordcount.weir", "--data", data, "--cache-max-bytes", "0"]).status).toBe(0);
    expect(jsonLines(weir(["consume", "word-counts", "--data", data]).stdout)).toEqual(records);
  });

  it("runs with --input and prints the output topics", () => {
    const result = weir(["run", "examples/wordcount.weir", "--input", "text-lines=examples/data/text-lines.jsonl"]);
    expect(result.status).toBe(0);
    const lines = readFileSync(join(root, "examples/data/text-lines.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => (JSON.parse(l) as { value: string }).value);
    // With the default record cache, a word's counts collapse per commit: they only grow, up to the word's count.
    const expected = expectedWordCounts(lines);
    const sequences = sequencesByKey(jsonLines(result.stdout));
    expect(new Map([...sequences].map(([word, counts]) => [word, counts.at(-1)]))).toEqual(new Map([...expected].map(([word, counts]) => [word, counts.at(-1)])));
    for (const [word, counts] of sequences) expect(counts, word).toEqual([...new Set(counts)].sort((a, b) => a - b));
  });

  it("refuses an --input topic that no source reads, at once, naming the topics sources read", () => {
    const result = weir(["run", "examples/wordcount.weir", "--input", "orders=examples/data/orders.jsonl"]);
    expect(result.stderr).toBe("weir: no source reads topic 'orders' (sources: text-lines)\n");
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    const misspelt = weir(["run", "examples/wordcount.weir", "--input", "text-line=examples/data/text-lines.jsonl"]);
    expect(misspelt.stderr).toBe("weir: no source reads topic 'text-line' (sources: text-lines): did you mean 'text-lines'?\n");
    expect(misspelt.status).toBe(2);
    // With a data folder too: records no source reads would be ignored.
    const withData = weir(["run", "examples/wordcount.weir", "--data", tempDir(), "--input", "orders=examples/data/orders.jsonl"]);
    expect(withData.stderr).toBe("weir: no source reads topic 'orders' (sources: text-lines)\n");
    expect(withData.status).toBe(2);
  });

  it("on a temporary data folder, asks for an --input for every source topic instead of pointing into the folder", () => {
    const result = weir(["run", "examples/enrich.weir", "--input", "orders=examples/data/enrich-orders.jsonl"]);
    expect(result.stderr).toBe(
      "weir: no --input for topic 'customers', which a source reads: add --input customers=PATH (an empty file for no records), or run on a data folder with --data DIR\n",
    );
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
  });

  it("on a temporary data folder, prints the dead letters, which go with the folder", () => {
    const dir = tempDir();
    const file = join(dir, "amounts.weir");
    writeFileSync(file, ["application amounts", "schema Order { id: string, amount: number }", 'stream orders from topic "orders" key string value json Order', 'sink orders to topic "out"', ""].join("\n"));
    const input = join(dir, "orders.jsonl");
    writeFileSync(input, [JSON.stringify({ key: "a", value: { id: "1", amount: 5 } }), JSON.stringify({ key: "b", value: { id: "2", amount: "12" } })].join("\n"));
    const result = weir(["run", file, "--input", `orders=${input}`]);
    expect(result.status).toBe(0);
    expect(jsonLines(result.stdout).map((r) => [r.topic, r.key])).toEqual([["out", "a"]]);
    const [summary, ...letters] = result.stderr.trimEnd().split("\n");
    expect(summary).toMatch(/; 1 sent to amounts-dlq$/);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatch(/^dead letter: /);
    const letter = JSON.parse(letters[0]!.slice("dead letter: ".length)) as { topic: string; value: { topic: string; offset: number; reason: string } };
    expect(letter.topic).toBe("amounts-dlq");
    expect(letter.value).toMatchObject({ topic: "orders", offset: 1 });
    expect(letter.value.reason).toMatch(/amount/);
  });

  it("runs the revenue example: per customer and 1-minute tumbling window, every change, late orders dead-lettered", () => {
    const data = join(tempDir(), "data");
    const result = weir(["run", "examples/revenue.weir", "--data", data, "--input", "orders=examples/data/orders.jsonl", "--cache-max-bytes", "0"]);
    expect(result.status).toBe(0);

    // Computed here from the input, independently of weir: one partition, so
    // orders are processed in file order; stream time is the highest ts so far.
    const orders = readFileSync(join(root, "examples/data/orders.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => (JSON.parse(l) as { value: { id: string; customerId: string; amount: number; ts: number } }).value);
    const windows = new Map<string, { total: number; count: number; timestamp: number }>();
    const expected: { key: string; value: unknown; timestamp: number }[] = [];
    const late: string[] = [];
    let streamTime = -Infinity;
    for (const order of orders) {
      streamTime = Math.max(streamTime, order.ts);
      const windowStart = order.ts - (order.ts % 60_000);
      const windowEnd = windowStart + 60_000;
      if (windowEnd <= streamTime) {
        late.push(order.id);
        continue;
      }
      const id = `${order.customerId}@${windowStart}`;
      const previous = windows.get(id) ?? { total: 0, count: 0, timestamp: -Infinity };
      const next = { total: previous.total + order.amount, count: previous.count + 1, timestamp: Math.max(previous.timestamp, order.ts) };
      windows.set(id, next);
      expected.push({ key: order.customerId, value: { customerId: order.customerId, windowStart, windowEnd, total: next.total, count: next.count }, timestamp: next.timestamp });
    }
    expect(late.length).toBeGreaterThan(0);
    expect(jsonLines(result.stdout).map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp }))).toEqual(expected);
    expect(result.stderr).toContain(`; ${late.length} sent to revenue-dlq (${late.length} late: past their window's end + grace)`);

    const dead = jsonLines(weir(["consume", "revenue-dlq", "--data", data]).stdout).map((r) => r.value as Record<string, unknown>);
    expect(dead.map((d) => d.reason)).toEqual(late.map(() => "late"));
    expect(dead.map((d) => (JSON.parse(d.value as string) as { id: string }).id)).toEqual(late);
    for (const letter of dead) expect(letter).toMatchObject({ topic: "revenue-revenue-repartition", partition: 0, offset: expect.any(Number) });
  });

  it("runs the enrich example: each order joined with its customer as of the order's event time", () => {
    const result = weir(["run", "examples/enrich.weir", "--input", "customers=examples/data/customers.jsonl", "--input", "orders=examples/data/enrich-orders.jsonl"]);
    expect(result.status).toBe(0);

    // Computed here from the input, independently of weir: one partition, so the
    // join's task sees every customer and every order, in timestamp order, a
    // customer before an order of the same timestamp; a null value deletes.
    const read = <T>(file: string) =>
      readFileSync(join(root, file), "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as T);
    type Customer = { id: string; name: string; tier: string };
    type Order = { id: string; customerId: string; amount: number; ts: number };
    const customers = read<{ key: string; value: Customer | null; timestamp: number }>("examples/data/customers.jsonl");
    const orders = read<{ value: Order }>("examples/data/enrich-orders.jsonl").map((r) => r.value);
    const events = [
      ...customers.map((c) => ({ time: c.timestamp, rank: 0, apply: () => (c.value === null ? table.delete(c.key) : table.set(c.key, c.value)) })),
      ...orders.map((o) => ({ time: o.ts, rank: 1, apply: () => joinOrder(o) })),
    ].sort((a, b) => a.time - b.time || a.rank - b.rank);
    const table = new Map<string, Customer>();
    const expected: { key: string; value: unknown; timestamp: number }[] = [];
    const joinOrder = (order: Order) => {
      const customer = table.get(order.customerId);
      if (customer) expected.push({ key: order.customerId, value: { orderId: order.id, customerId: order.customerId, amount: order.amount, name: customer.name, tier: customer.tier }, timestamp: order.ts });
    };
    for (const event of events) event.apply();

    // The data has what the example is about: an update between orders, an unknown customer, a deleted one.
    expect(new Set(expected.map((e) => (e.value as { tier: string }).tier)).size).toBeGreaterThan(1);
    expect(orders.length - expected.length).toBeGreaterThanOrEqual(2);
    expect(jsonLines(result.stdout).map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp }))).toEqual(expected);
  });

  it("describes the enrich example's repartition topic and the table's store", () => {
    const result = weir(["describe", "examples/enrich.weir"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Source: customers (topic: customers, table, store: customers)");
    expect(result.stdout).toContain("Processor: enriched-2-join (join customers, store: customers)");
    expect(result.stdout).toContain("enrich-enriched-repartition");
    expect(result.stdout).toContain("customers (changelog: enrich-customers-changelog)");
  });

  it("runs the sessions example: sessions per user with a 30-minute gap, merged sessions retracted with tombstones", () => {
    const result = weir(["run", "examples/sessions.weir", "--input", "clicks=examples/data/clicks.jsonl", "--cache-max-bytes", "0"]);
    expect(result.status).toBe(0);

    // Computed here from the input, independently of weir (Kafka Streams' session
    // semantics): one partition, clicks in file order, grace 0. A session closes once
    // stream time passes its end + gap; a click whose merged session is closed
    // (ends before stream time - gap) is late.
    const gap = 30 * 60_000;
    const clicks = readFileSync(join(root, "examples/data/clicks.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => (JSON.parse(l) as { value: { user: string; ts: number } }).value);
    let sessions: { user: string; start: number; end: number; clicks: number }[] = [];
    const expected: { key: string; value: unknown; timestamp: number }[] = [];
    let late = 0;
    let streamTime = -Infinity;
    for (const { user, ts } of clicks) {
      streamTime = Math.max(streamTime, ts);
      sessions = sessions.filter((s) => s.end + gap >= streamTime);
      const merging = sessions.filter((s) => s.user === user && s.end >= ts - gap && s.start <= ts + gap);
      const start = Math.min(ts, ...merging.map((s) => s.start));
      const end = Math.max(ts, ...merging.map((s) => s.end));
      if (end + gap < streamTime) {
        late++;
        continue;
      }
      for (const old of merging) {
        if (old.start !== start || old.end !== end) expected.push({ key: user, value: null, timestamp: old.end });
      }
      const merged = { user, start, end, clicks: 1 + merging.reduce((n, s) => n + s.clicks, 0) };
      sessions = [...sessions.filter((s) => !merging.includes(s)), merged];
      expected.push({ key: user, value: { user, sessionStart: start, sessionEnd: end, clicks: merged.clicks }, timestamp: end });
    }
    // alice's /faq comes out of order, inside her open session; her /late click comes after that session closed.
    expect(late).toBe(1);
    expect(expected.filter((r) => r.value === null).length).toBeGreaterThanOrEqual(3);
    expect(expected).toContainEqual({ key: "alice", value: { user: "alice", sessionStart: 1700002100000, sessionEnd: 1700004200000, clicks: 4 }, timestamp: 1700004200000 });
    expect(jsonLines(result.stdout).map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp }))).toEqual(expected);
  });

  it("sends records that do not match their schema to the dead-letter topic and goes on", () => {
    const dir = tempDir();
    const file = join(dir, "orders.weir");
    writeFileSync(
      file,
      [
        "application orders",
        "schema Order { id: string, amount: number }",
        "stream orders from topic \"orders\" key string value json Order",
        "table totals = orders | group by key | sum amount",
        "sink totals to topic \"totals\"",
        "",
      ].join("\n"),
    );
    const input = join(dir, "orders.jsonl");
    writeFileSync(
      input,
      [
        JSON.stringify({ key: "a", value: { id: "1", amount: 5 } }),
        JSON.stringify({ key: "a", value: "{not json" }),
        JSON.stringify({ key: "b", value: { id: "2", amount: "12" } }),
        JSON.stringify({ key: "a", value: { id: "3", amount: 7 } }),
      ].join("\n"),
    );
    const data = join(dir, "data");
    const run = weir(["run", file, "--data", data, "--input", `orders=${input}`]);
    expect(run.status).toBe(0);
    // One commit: the record cache forwarded a's latest total.
    expect(jsonLines(run.stdout).map((r) => [r.key, r.value])).toEqual([["a", 12]]);
    const dead = jsonLines(weir(["consume", "orders-dlq", "--data", data]).stdout);
    expect(dead).toHaveLength(2);
    const [notJson, mismatch] = dead.map((r) => r.value as Record<string, unknown>);
    expect(notJson).toMatchObject({ topic: "orders", partition: 0, offset: 1, value: "{not json" });
    expect(notJson!.reason).toMatch(/not valid JSON/);
    expect(mismatch).toMatchObject({ topic: "orders", partition: 0, offset: 2 });
    expect(mismatch!.reason).toMatch(/amount/);
  });

  it("answers a bad setting with one line", () => {
    const result = weir(["run", "examples/wordcount.weir"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("weir: run needs --data DIR, or --input TOPIC=PATH to run on a temporary data folder, or --brokers HOST:PORT to run on Kafka\n");
    const groupFlagWithoutKafka = weir(["run", "examples/wordcount.weir", "--data", tempDir(), "--session-timeout", "30000"]);
    expect(groupFlagWithoutKafka.status).toBe(2);
    expect(groupFlagWithoutKafka.stderr).toBe("weir: --session-timeout is for Kafka: add --brokers HOST:PORT\n");
    const idleWithoutKafka = weir(["run", "examples/wordcount.weir", "--data", tempDir(), "--max-task-idle", "0"]);
    expect(idleWithoutKafka.status).toBe(2);
    expect(idleWithoutKafka.stderr).toBe("weir: --max-task-idle is for Kafka: add --brokers HOST:PORT\n");
    const badIdle = weir(["run", "examples/wordcount.weir", "--brokers", "127.0.0.1:1", "--max-task-idle", "-5"]);
    expect(badIdle.status).toBe(2);
    expect(badIdle.stderr).toContain("expected a whole number of at least 0");
    const badPartitions = weir(["produce", "t", "--data", tempDir(), "--partitions", "zero"], "");
    expect(badPartitions.status).toBe(2);
    expect(badPartitions.stderr).toContain("expected a whole number of at least 1");
  });

  it("checks --brokers at once (exit 2), as the service checks WEIR_BROKERS, instead of trying a bad address for half a minute", () => {
    const data = tempDir();
    for (const args of [
      ["run", "examples/wordcount.weir", "--brokers", "notahost"],
      ["consume", "t", "--brokers", "127.0.0.1:99999"],
      ["produce", "t", "--brokers", "kafka-1:9092,kafka-2"],
    ]) {
      const started = Date.now();
      const result = weir(args, "");
      expect(result.status, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(
        `error: option '-b, --brokers <host:port,...>' argument '${args[3]}' is invalid. expected host:port, several separated by commas (for example kafka-1:9092,kafka-2:9092)`,
      );
      expect(Date.now() - started).toBeLessThan(15_000);
    }
    const outageWithoutKafka = weir(["run", "examples/wordcount.weir", "--data", data, "--broker-outage", "1000"]);
    expect(outageWithoutKafka.status).toBe(2);
    expect(outageWithoutKafka.stderr).toBe("weir: --broker-outage is for Kafka: add --brokers HOST:PORT\n");
    const badOutage = weir(["run", "examples/wordcount.weir", "--brokers", "127.0.0.1:1", "--broker-outage", "soon"]);
    expect(badOutage.status).toBe(2);
    expect(badOutage.stderr).toContain("expected a whole number of at least 0");
  });
});
