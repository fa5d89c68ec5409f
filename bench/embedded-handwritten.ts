// The yardstick for the embedded engine: wordcount written by hand on
// better-sqlite3, doing the work weir's embedded engine must do and nothing
// else: read a batch of lines from one input partition, count the words, write
// the output updates, the changed counts and the partition's next offset in
// one SQLite transaction. The input is laid out per partition as the embedded
// log lays it out (murmur2 of the key, 4 partitions).
//
//   node --import tsx bench/embedded-handwritten.ts prepare DB LINES
//   node --import tsx bench/embedded-handwritten.ts run DB every|last
//
// every: one output update per word occurrence (as weir without a cache);
// last: the last count of each word changed in the batch (as a cache flushed
// at each commit). bench/compare.ts runs it beside `weir run --data`.
import Database from "better-sqlite3";
import { partitionForKey } from "../runtime/internal/partitioner.ts";
import { PARTITIONS, wordcount } from "./compare/workloads.ts";

const BATCH = 1000;
const [command, path, arg] = process.argv.slice(2);
if (!path || (command !== "prepare" && command !== "run")) {
  console.error("usage: embedded-handwritten.ts prepare DB LINES | run DB every|last");
  process.exit(2);
}
const db = new Database(path);
db.pragma("journal_mode = WAL");
// The durability weir's embedded log has (runtime/internal/embedded-log-impl.ts).
db.pragma("synchronous = FULL");

if (command === "prepare") {
  db.exec(`
    CREATE TABLE input (partition INTEGER, offset INTEGER, key TEXT, value TEXT, timestamp INTEGER, PRIMARY KEY (partition, offset)) WITHOUT ROWID;
    CREATE TABLE counts (word TEXT PRIMARY KEY, count INTEGER) WITHOUT ROWID;
    CREATE TABLE output (id INTEGER PRIMARY KEY, key TEXT, value TEXT, timestamp INTEGER);
    CREATE TABLE positions (partition INTEGER PRIMARY KEY, offset INTEGER);
  `);
  const insert = db.prepare("INSERT INTO input VALUES (?, ?, ?, ?, ?)");
  const next = new Array<number>(PARTITIONS).fill(0);
  const encoder = new TextEncoder();
  db.transaction(() => {
    for (let i = 0; i < Number(arg); i++) {
      const record = wordcount.record(i, wordcount.preloadTimestamp(i, Number(arg)));
      const partition = partitionForKey(encoder.encode(record.key), PARTITIONS);
      insert.run(partition, next[partition]!++, record.key, record.value, record.timestamp);
    }
  })();
} else {
  const mode = arg === "last" ? "last" : "every";
  const read = db.prepare("SELECT offset, value, timestamp FROM input WHERE partition = ? AND offset >= ? ORDER BY offset LIMIT ?");
  const position = db.prepare("SELECT offset FROM positions WHERE partition = ?").pluck();
  const savePosition = db.prepare("INSERT INTO positions VALUES (?, ?) ON CONFLICT (partition) DO UPDATE SET offset = excluded.offset");
  const loadCount = db.prepare("SELECT count FROM counts WHERE word = ?").pluck();
  const saveCount = db.prepare("INSERT INTO counts VALUES (?, ?) ON CONFLICT (word) DO UPDATE SET count = excluded.count");
  const output = db.prepare("INSERT INTO output (key, value, timestamp) VALUES (?, ?, ?)");
  const counts = new Map<string, number>();
  const count = (word: string) => counts.get(word) ?? (loadCount.get(word) as number | undefined) ?? 0;
  let outputs = 0;
  const batch = db.transaction((partition: number, from: number) => {
    const rows = read.all(partition, from, BATCH) as { offset: number; value: string; timestamp: number }[];
    const changed = new Map<string, { count: number; timestamp: number }>();
    for (const row of rows) {
      for (const word of row.value.toLowerCase().match(/[a-z]+/g) ?? []) {
        const n = count(word) + 1;
        counts.set(word, n);
        changed.set(word, { count: n, timestamp: row.timestamp });
        if (mode === "every") {
          output.run(word, String(n), row.timestamp);
          outputs++;
        }
      }
    }
    for (const [word, { count: n, timestamp }] of changed) {
      saveCount.run(word, n);
      if (mode === "last") {
        output.run(word, String(n), timestamp);
        outputs++;
      }
    }
    if (rows.length > 0) savePosition.run(partition, rows.at(-1)!.offset + 1);
    return rows.length;
  });
  const started = performance.now();
  // Partitions in turn, a batch each, as tasks take turns.
  let busy = true;
  while (busy) {
    busy = false;
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const from = (position.get(partition) as number | undefined) ?? 0;
      if (batch(partition, from) > 0) busy = true;
    }
  }
  console.log(JSON.stringify({ outputRecords: outputs, seconds: (performance.now() - started) / 1000 }));
}
db.close();
