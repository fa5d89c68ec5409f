// The engine host: one run at a time, any number of runs, until closed; a run
// refused for a bad option leaves the engine as it was.
import { describe, expect, it } from "vitest";
import { createEmbeddedEngine, openEmbeddedLog } from "../../../runtime/embedded.ts";
import { EngineStateError } from "../../../runtime/errors.ts";
import { wordcountTopology } from "../fixtures/wordcount.ts";

describe("EngineHost", () => {
  it("refuses a run with a bad commit option, stays IDLE, runs the next one and closes", async () => {
    const log = openEmbeddedLog(":memory:");
    log.createTopic("text-lines", 1);
    log.produce("text-lines", [{ value: "a b a" }]);
    const engine = createEmbeddedEngine({ log });
    await expect(engine.run(wordcountTopology(), { commitIntervalMs: -1 })).rejects.toThrowError(new EngineStateError("commitIntervalMs must be >= 0, not -1"));
    await expect(engine.run(wordcountTopology(), { maxRecordsPerCommit: 0 })).rejects.toThrowError("maxRecordsPerCommit must be >= 1, not 0");
    await expect(engine.run(wordcountTopology(), { cacheMaxBytes: -1 })).rejects.toThrowError("cacheMaxBytes must be a whole number >= 0, not -1");
    await engine.run(wordcountTopology());
    // One input record: its updates collapse in the record cache, a key's latest last.
    expect(log.consume("word-counts").map((r) => [r.key, r.value])).toEqual([["b", 1], ["a", 2]]);
    await engine.close();
    await expect(engine.run(wordcountTopology())).rejects.toThrowError("the engine is closed");
    log.close();
  });
});
