// Sinks that pick their topic per record, on the builder: topics of the
// application's own are refused per record, as are names that are not text.
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { formats } from "../../../runtime/formats.ts";
import { TopologyTestDriver } from "../../../runtime/testing.ts";
import { defineTopology } from "../../../runtime/topology/dsl.ts";

const Routed = z.object({ to: z.string(), n: z.number() });

const topology = defineTopology("router", (builder) => {
  const input = builder.stream("input", { topic: "input", key: formats.string(), value: formats.json(Routed) });
  input.to("route", {
    topic: (record) => record.value.to,
    headers: (record) => ({ n: String(record.value.n), empty: null }),
    project: (record) => record.value.n,
    key: formats.string(),
    value: formats.json(),
  });
});

describe("a sink that picks its topic per record", () => {
  it("dead-letters records for the application's own topics and for names that are not text, and writes the others", async () => {
    const driver = new TopologyTestDriver(topology);
    try {
      driver.log.createTopic("out", 1);
      driver.pipeInput("input", [
        { key: "a", value: { to: "out", n: 1 } },
        { key: "b", value: { to: "input", n: 2 } },
        { key: "c", value: { to: "router-dlq", n: 3 } },
        { key: "d", value: { to: "", n: 4 } },
      ]);
      const summary = await driver.run();
      expect(driver.readOutput("out").map((r) => [r.key, r.value, r.headers])).toEqual([["a", "1", { n: "1" }]]);
      expect(summary.deadLettered).toBe(3);
      const letters = driver.readOutput("router-dlq").map((r) => r.value as { reason: string; detail?: string });
      expect(letters.map((l) => [l.reason, l.detail])).toEqual([
        ["reserved-topic", `the topic "input" is one of the application's own`],
        ["reserved-topic", `the topic "router-dlq" is one of the application's own`],
        ['processing failed: TypeError: a topic name must be a non-empty string, not ""', undefined],
      ]);
    } finally {
      await driver.close();
    }
  });
});
