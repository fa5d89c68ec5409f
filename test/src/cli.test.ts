// The `weir` command line, run as a user runs it: a real child process over
// real files and a real SQLite data folder.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const weirBin = join(root, "bin", "weir.js");

function weir(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [weirBin, ...args], { cwd: root, input, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "weir-cli-test-"));
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The word counts the example must produce, computed directly from its input. */
function expectedWordCounts(lines: string[]): Map<string, number[]> {
  const totals = new Map<string, number>();
  const sequences = new Map<string, number[]>();
  for (const line of lines) {
    for (const word of line.toLowerCase().match(/[a-z]+/g) ?? []) {
      const count = (totals.get(word) ?? 0) + 1;
      totals.set(word, count);
      sequences.set(word, [...(sequences.get(word) ?? []), count]);
    }
  }
  return sequences;
}

function sequencesByKey(records: Record<string, unknown>[]): Map<string, number[]> {
  const sequences = new Map<string, number[]>();
  for (const record of records) {
    const key = record.key as string;
    sequences.set(key, [...(sequences.get(key) ?? []), record.value as number]);
  }
  return sequences;
}

describe("weir --help", () => {
  it("lists the commands", () => {
    const result = weir(["--help"]);
    expect(result.status).toBe(0);
    for (const command of ["check", "compile", "describe", "produce", "consume", "run"]) {
      expect(result.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
    }
  });
});

describe("weir check", () => {
  it("exits 0 for a valid file and prints nothing", () => {
    const result = weir(["check", "examples/wordcount.weir"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("reports every problem with file:line:col, code, the line and a caret, and exits 1", () => {
    const dir = tempDir();
    const file = join(dir, "broken.weir");
    writeFileSync(
      file,
      ["application broken", "stream lines from topic \"l\" key string value string", "stream words = lnes | flatmap split(value, \" \")", "sink words to topic \"w\" key strin", "sink wrds to topic \"x\"", ""].join("\n"),
    );
    const result = weir(["check", file]);
    expect(result.status).toBe(1);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.stderr).toContain(`${file}:4:`);
    expect(result.stderr).toMatch(/error WEIR1002:/);
  });

  it("reports name errors with a hint", () => {
    const dir = tempDir();
    const file = join(dir, "names.weir");
    writeFileSync(file, ["application names", "stream lines from topic \"l\" key string value string", "stream words = lnes | flatmap split(value, \" \")", "sink words to topic \"w\"", ""].join("\n"));
    const result = weir(["check", file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      [
        `${file}:3:16: error WEIR2003: unknown stream or table 'lnes'`,
        "  stream words = lnes | flatmap split(value, \" \")",
        "                 ^^^^",
        "  hint: did you mean 'lines'?",
        "",
      ].join("\n"),
    );
  });

  it("says what is wrong when the file is missing", () => {
    const result = weir(["check", "no/such/file.weir"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("weir: cannot read no/such/file.weir: no such file\n");
  });
});

describe("weir fmt", () => {
  it("prints the canonical layout, checks, and rewrites", () => {
    const dir = tempDir();
    const file = join(dir, "messy.weir");
    writeFileSync(file, 'application  a\nstream s from topic "t" key string value string\nstream w = s|where length(value)>1 // long ones\nsink w to topic "u"\n');
    const canonical = 'application a\nstream s from topic "t" key string value string\nstream w = s | where length(value) > 1 // long ones\nsink w to topic "u"\n';
    const printed = weir(["fmt", file]);
    expect(printed.status).toBe(0);
    expect(printed.stdout).toBe(canonical);
    const checked = weir(["fmt", "--check", file]);
    expect(checked.status).toBe(1);
    expect(checked.stderr).toBe(`${file}: not formatted (weir fmt --write ${file})\n`);
    expect(weir(["fmt", "--write", file]).status).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(canonical);
    expect(weir(["fmt", "--check", file]).status).toBe(0);
  });

  it("formats nothing in a file that does not parse, and says why", () => {
    const dir = tempDir();
    const file = join(dir, "broken.weir");
    writeFileSync(file, "application a\nstream s from topic key string value string\n");
    const result = weir(["fmt", file]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`${file}:2:21: error WEIR1002: expected a string`);
  });
});

describe("weir compile", () => {
  for (const fixture of ["shop", "windows", "tables", "dedup-branch-merge", "stream-joins", "types"]) {
    it(`writes a module that passes tsc --noEmit in strict mode, outside the weir folder too (${fixture})`, () => {
      const out = tempDir();
      const result = weir(["compile", `test/fixtures/${fixture}/input.weir`, "--out", out]);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      expect(existsSync(join(out, "input.ts"))).toBe(true);
      expect(JSON.parse(readFileSync(join(out, "tsconfig.json"), "utf8")).compilerOptions.strict).toBe(true);
      const tsc = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", out], { encoding: "utf8", timeout: 120_000 });
      expect(tsc.stdout + tsc.stderr).toBe("");
      expect(tsc.status).toBe(0);
    });
  }
});

describe("weir describe", () => {
  it("shows a stream-stream join with both inputs, its two buffers and the repartition topics of rekeyed sides", () => {
    const result = weir(["describe", "test/fixtures/stream-joins/input.weir"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      "Processor: matched-2-outer-join (outer join byOrder within 3600000 ms, grace 600000 ms, stores: matched-join-this, matched-join-other) --> matched-3-select <-- matched-repartition-source, matched-byOrder-repartition-source",
    );
    expect(result.stdout).toContain("paid-join-this (join buffer, changelog: shop-paid-join-this-changelog)");
    expect(result.stdout).toContain("paid-join-other (join buffer, changelog: shop-paid-join-other-changelog)");
    expect(result.stdout).toMatch(/Repartition topics:\n {4}shop-matched-repartition\n {4}shop-matched-byOrder-repartition\n/);
  });

  it("shows sources, processors, stores with changelogs, repartition topics and sinks", () => {
    const result = weir(["describe", "examples/wordcount.weir"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Source: lines (topic: text-lines)");
    expect(result.stdout).toContain("counts (changelog: wordcount-counts-changelog)");
    expect(result.stdout).toContain("wordcount-counts-repartition");
    expect(result.stdout).toContain("Sink: counts-to-word-counts (topic: word-counts)");
  });

  it("shows tables transformed as tables, table-table joins and a foreign-key join's internal topics and stores", () => {
    const result = weir(["describe", "test/fixtures/tables/input.weir"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Processor: gold-1-where (table filter) --> gold-2-select <-- customers");
    expect(result.stdout).toContain("Processor: everyone-1-outer-join (table outer join, stores: customers, addresses) --> everyone-2-select <-- customers, addresses");
    expect(result.stdout).toContain("gold (changelog: shop-gold-changelog)");
    expect(result.stdout).toContain("Processor: checked-1-join (join spent, store: spent)");
    for (const name of ["shop-ordersWithCustomer-subscription-repartition", "shop-ordersWithCustomer-response-repartition", "ordersWithCustomer-subscriptions (changelog: shop-ordersWithCustomer-subscriptions-changelog)", "ordersWithCustomer-foreign-keys (changelog: shop-ordersWithCustomer-foreign-keys-changelog)"]) {
      expect(result.stdout).toContain(name);
    }
  });
});

describe("weir produce, run, consume", () => {
  const inputLines = ["the cat and the hat", "The Cat sat; the END", "", "cat-cat 42 cat"];

  it("runs the word count example over produced records with exact output", () => {
    const data = tempDir();
    const jsonl = inputLines.map((line, i) => JSON.stringify({ key: `l${i}`, value: line, timestamp: 1_700_000_000_000 + i })).join("\n");
    const produced = weir(["produce", "text-lines", "--data", data, "--partitions", "2"], jsonl);
    expect(produced.stderr).toBe("produced 4 records to text-lines\n");
    expect(produced.status).toBe(0);

    const run = weir(["run", "examples/wordcount.weir", "--data", data]);
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
    expect(weir(["run", "examples/wordcount.weir", "--data", data]).status).toBe(0);
    expect(jsonLines(weir(["consume", "word-counts", "--data", data]).stdout)).toEqual(records);
  });

  it("runs with --input and prints the output topics", () => {
    const result = weir(["run", "examples/wordcount.weir", "--input", "text-lines=examples/data/text-lines.jsonl"]);
    expect(result.status).toBe(0);
    const lines = readFileSync(join(root, "examples/data/text-lines.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => (JSON.parse(l) as { value: string }).value);
    expect(sequencesByKey(jsonLines(result.stdout))).toEqual(expectedWordCounts(lines));
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
    const result = weir(["run", "examples/revenue.weir", "--data", data, "--input", "orders=examples/data/orders.jsonl"]);
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
    const result = weir(["run", "examples/sessions.weir", "--input", "clicks=examples/data/clicks.jsonl"]);
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
    expect(jsonLines(run.stdout).map((r) => [r.key, r.value])).toEqual([
      ["a", 5],
      ["a", 12],
    ]);
    const dead = jsonLines(weir(["consume", "orders-dlq", "--data", data]).stdout);
    expect(dead).toHaveLength(2);
    const [notJson, mismatch] = dead.map((r) => r.value as Record<string, unknown>);
    expect(notJson).toMatchObject({ topic: "orders", partition: 0, offset: 1, value: "{not json" });
    expect(notJson!.reason).toMatch(/not valid JSON/);
    expect(mismatch).toMatchObject({ topic: "orders", partition: 0, offset: 2 });
    expect(mismatch!.reason).toMatch(/amount/);
  });

  it("answers an unexpected failure with one line, not a stack trace", () => {
    const result = weir(["consume", "t", "--data", "/etc/passwd"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^weir: .*\nweir: \(set WEIR_DEBUG=1 to see where it happened\)\n$/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
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

  it("reports a bad input line with its line number and produces nothing", () => {
    const data = tempDir();
    const result = weir(["produce", "t", "--data", data], '{"value": "ok"}\n{"value": oops}\n');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^weir: standard input:2: not valid JSON/);
    const consumed = weir(["consume", "t", "--data", data]);
    expect(consumed.stdout).toBe("");
  });
});

describe("a compiled module run as a service", () => {
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href;

  function service(modulePath: string, env: Record<string, string>) {
    return spawnSync(process.execPath, ["--import", tsxLoader, modulePath], { encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } });
  }

  it("runs the topology on the data folder named by WEIR_DATA_DIR", () => {
    const dir = tempDir();
    expect(weir(["compile", "examples/wordcount.weir", "--out", join(dir, "out")]).status).toBe(0);
    const data = join(dir, "data");
    expect(weir(["produce", "text-lines", "--data", data], '{"value": "to be or not to be"}\n').status).toBe(0);
    const result = service(join(dir, "out", "wordcount.ts"), { WEIR_DATA_DIR: data, WEIR_FOLLOW: "false" });
    expect(result.stderr).toContain("wordcount: processed 7 records in");
    expect(result.status).toBe(0);
    const counts = jsonLines(weir(["consume", "word-counts", "--data", data]).stdout);
    expect(sequencesByKey(counts)).toEqual(expectedWordCounts(["to be or not to be"]));
  });

  it("names the application once on each log line", async () => {
    const dir = tempDir();
    expect(weir(["compile", "examples/wordcount.weir", "--out", join(dir, "out")]).status).toBe(0);
    const data = join(dir, "data");
    expect(weir(["produce", "text-lines", "--data", data], '{"value": "to be"}\n').status).toBe(0);
    expect(service(join(dir, "out", "wordcount.ts"), { WEIR_DATA_DIR: data, WEIR_FOLLOW: "false" }).status).toBe(0);
    // Run again, following: it restores its store, then a SIGTERM stops it with nothing new to commit.
    const child = spawn(process.execPath, ["--import", tsxLoader, join(dir, "out", "wordcount.ts")], { env: { ...process.env, WEIR_DATA_DIR: data } });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      const restoredBefore = stderr.includes("restored");
      stderr += chunk.toString("utf8");
      if (!restoredBefore && stderr.includes("restored")) child.kill("SIGTERM");
    });
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(status).toBe(0);
    const lines = stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^wordcount: restored 2 record\(s\) into store counts from wordcount-counts-changelog-0 in \d+\.\d ms$/);
    expect(lines[1]).toBe("wordcount: stopped after 0 commit(s)");
    expect(lines[2]).toBe("wordcount: processed 0 records in 0 commits (closed)");
  }, 60_000);

  it("a missing source topic is one line, as in the CLI, exit code 1", () => {
    const dir = tempDir();
    expect(weir(["compile", "examples/wordcount.weir", "--out", dir]).status).toBe(0);
    const data = join(dir, "data");
    const result = service(join(dir, "wordcount.ts"), { WEIR_DATA_DIR: data, WEIR_FOLLOW: "false" });
    expect(result.stderr).toBe(`wordcount: source topic "text-lines" does not exist: produce to it first (weir produce text-lines --data ${data})\n`);
    expect(result.status).toBe(1);
  });

  it("refuses bad settings with one line each and exit code 2", () => {
    const dir = tempDir();
    expect(weir(["compile", "examples/wordcount.weir", "--out", dir]).status).toBe(0);
    const result = service(join(dir, "wordcount.ts"), { WEIR_COMMIT_INTERVAL_MS: "soon", WEIR_FOLLOW: "maybe" });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n").sort()).toEqual([
      "wordcount: bad setting: WEIR_COMMIT_INTERVAL_MS must be a number",
      "wordcount: bad setting: WEIR_DATA_DIR is required: the data folder of the embedded engine (or set WEIR_BROKERS to run on Kafka)",
      "wordcount: bad setting: WEIR_FOLLOW must be true or false",
    ]);
  });
});
