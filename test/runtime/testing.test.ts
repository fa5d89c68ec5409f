import { describe, expect, it } from "vitest";
import { z } from "zod";
import { formats } from "../../runtime/formats.ts";
import { TopologyTestDriver } from "../../runtime/testing.ts";
import { defineTopology } from "../../runtime/topology.ts";
import { wordcountTopology } from "./fixtures/wordcount.ts";

describe("TopologyTestDriver", () => {
  it("runs a topology on piped input and reads each output record once", async () => {
    const driver = new TopologyTestDriver(wordcountTopology());
    try {
      driver.pipeInput("text-lines", [{ value: "to be or not to be" }]);
      const summary = await driver.run();
      expect(summary.outputs["word-counts"]).toBe(6);
      expect(driver.readOutput("word-counts").map((r) => `${r.key}=${r.value}@${r.timestamp}`)).toEqual([
        "to=1@0",
        "be=1@0",
        "or=1@0",
        "not=1@0",
        "to=2@0",
        "be=2@0",
      ]);
      expect(driver.readOutput("word-counts")).toEqual([]);

      driver.pipeInput("text-lines", [{ value: "be" }, { value: "or", timestamp: 500 }]);
      await driver.run();
      // The clock moved one millisecond per piped record; an explicit timestamp wins.
      expect(driver.readOutput("word-counts").map((r) => `${r.key}=${r.value}@${r.timestamp}`)).toEqual(["be=3@1", "or=2@500"]);
    } finally {
      await driver.close();
    }
  });

  it("encodes input with the source's formats (a Buffer as is) and shows dead letters", async () => {
    const topology = defineTopology("prices", (builder) => {
      builder
        .stream("prices", { topic: "prices", key: formats.string(), value: formats.json(z.object({ eur: z.number() })) })
        .mapValues("to-cents", (r) => r.value.eur * 100)
        .to("cents", { topic: "cents", key: formats.string(), value: formats.json() });
    });
    const driver = new TopologyTestDriver(topology, { partitions: { prices: 2 } });
    try {
      driver.pipeInput("prices", [
        { key: "apple", value: { eur: 2 } },
        { key: "pear", value: Buffer.from("{") },
      ]);
      expect(driver.log.topics().find((t) => t.name === "prices")!.partitions).toBe(2);
      const summary = await driver.run();
      expect(summary.deadLettered).toBe(1);
      expect(driver.readOutput("cents").map((r) => [r.key, r.value])).toEqual([["apple", 200]]);
      const [letter] = driver.readOutput("prices-dlq");
      expect(letter!.key).toBe("pear");
      expect(letter!.value).toMatchObject({ topic: "prices", value: "{", reason: expect.stringMatching(/^value is not valid JSON/) });
    } finally {
      await driver.close();
    }
  });
});
