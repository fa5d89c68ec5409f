// `sink ... key windowed`: a windowed table's key written with its window, in
// Kafka Streams' formats (TimeWindowedSerializer: key bytes + 8-byte big-endian
// start; SessionWindowedSerializer: key bytes + 8-byte end + 8-byte start), so
// that a merged session's tombstone names the session it withdraws. Compiled
// from .weir, run on the embedded engine, the bytes read back raw from SQLite.
// Expected bytes are built here by hand.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { formats } from "../../runtime/formats.ts";
import { openEmbeddedLog, runEmbedded } from "../../runtime/embedded.ts";
import { EmbeddedLogImpl } from "../../runtime/internal/embedded-log-impl.ts";
import type { LogRecord } from "../../runtime/internal/log-client.ts";
import { partitionForKey } from "../../runtime/internal/partitioner.ts";
import type { Topology } from "../../runtime/topology/graph.ts";
import { loadTopology } from "../../src/compiled-module.ts";
import { byUser, clicks, expectedPerWindow, expectedSessions, json, sessionKey, windowedKeysSource } from "./fixtures/windowed-keys.ts";

/** Past 2^32 ms, a multiple of the 100 ms windows. */
const T0 = 1_700_000_000_000;

async function compileWeir(source: string): Promise<Topology> {
  const loaded = await loadTopology(join(import.meta.dirname, "windowed-keys.weir"), source);
  if (!loaded.topology) throw new Error(loaded.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return loaded.topology;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function readRaw(path: string, topic: string, partitions: number): LogRecord[] {
  const log = new EmbeddedLogImpl(path);
  try {
    return [...Array(partitions).keys()].flatMap((partition) => log.fetchSync(topic, partition, 0, 10_000));
  } finally {
    log.close();
  }
}

describe("windowed keys on the embedded engine", () => {
  it("write Kafka Streams' session and time-window keys, byte for byte, and tombstones that name the session they withdraw", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weir-windowed-keys-"));
    dirs.push(dir);
    const path = join(dir, "weir.db");
    const log = openEmbeddedLog(path);
    log.createTopic("clicks", 1);
    log.createTopic("sessions", 3);
    log.createTopic("per-window", 3);
    log.produce("clicks", clicks(T0).map((click) => ({ key: click.user, value: click, timestamp: click.ts })));
    // Every update, so that sessions merged away are withdrawn with tombstones.
    await runEmbedded(await compileWeir(windowedKeysSource("windowedKeys", { clicks: "clicks", sessions: "sessions", perWindow: "per-window" })), { log, cacheMaxBytes: 0 });

    // One literal, to pin the layout down: "u", end T0 + 5, start T0 (T0 = 0x18bcfe56800).
    expect(sessionKey("u", T0, T0 + 5).toString("hex")).toBe(`75${"0000018bcfe56805"}${"0000018bcfe56800"}`);
    const sessions = byUser(readRaw(path, "sessions", 3));
    expect(sessions.keys).toEqual(expectedSessions(T0));
    const perWindow = byUser(readRaw(path, "per-window", 3), 1);
    expect(perWindow.keys).toEqual(expectedPerWindow(T0));

    // Partitioned by the key alone (Kafka Streams' WindowedStreamPartitioner): all of a key's windows in one partition.
    for (const user of ["u", "v", "w"]) {
      expect(sessions.partitions.get(user)).toEqual(new Set([partitionForKey(Buffer.from(user), 3)]));
      expect(perWindow.partitions.get(user)).toEqual(new Set([partitionForKey(json(user), 3)]));
    }
    // (Hashing the whole windowed key would have put some elsewhere.)
    const movedByWindow = [...sessions.keys].flatMap(([user, records]) => records.filter(([key]) => partitionForKey(key, 3) !== partitionForKey(Buffer.from(user), 3)));
    expect(movedByWindow.length).toBeGreaterThan(0);

    // `weir consume` and the test driver show a windowed key as the key and its window.
    expect(log.consume("sessions", { partition: partitionForKey(Buffer.from("u"), 3) }).slice(-1)[0]!.key).toEqual({ key: "u", window: { start: T0, end: T0 + 25 } });
    expect(log.consume("per-window").map((r) => r.key)).toContainEqual({ key: "v", window: { start: T0 } });
    log.close();
  });

  it("round-trip through the formats, and refuse bytes too short for a window", () => {
    const session = formats.sessionWindowed(formats.string());
    expect(session.decode(session.encode({ key: "alice", window: { start: T0, end: T0 + 60_000 } }))).toEqual({ key: "alice", window: { start: T0, end: T0 + 60_000 } });
    const time = formats.timeWindowed(formats.json<{ id: number }>());
    expect(time.decode(time.encode({ key: { id: 7 }, window: { start: T0 } }))).toEqual({ key: { id: 7 }, window: { start: T0 } });
    expect(time.name).toBe("time-windowed json");
    expect(() => session.decode(Buffer.from("short"))).toThrow(/fewer than the 16 of its window/);
    expect(() => session.encode({ key: "a", window: { start: 1 } })).toThrow(/needs the session's end/);
  });
});
