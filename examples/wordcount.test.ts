// A test of examples/wordcount.weir, as a user writes one: no broker, no files.
import { afterEach, describe, expect, it } from "vitest";
import { loadWeir, TopologyTestDriver } from "weir/testing";

describe("wordcount", () => {
  let driver: TopologyTestDriver;
  afterEach(() => driver.close());

  it("counts each word, lowercased, as it arrives", async () => {
    driver = new TopologyTestDriver(await loadWeir("examples/wordcount.weir"));
    driver.pipeInput("text-lines", [
      { key: "1", value: "The cat", timestamp: 1000 },
      { key: "2", value: "the CAT sat", timestamp: 2000 },
    ]);
    await driver.run();

    const counts = driver.readOutput("word-counts").map((r) => [r.key, r.value, r.timestamp]);
    expect(counts).toEqual([
      ["the", 1, 1000],
      ["cat", 1, 1000],
      ["the", 2, 2000],
      ["cat", 2, 2000],
      ["sat", 1, 2000],
    ]);
    expect(driver.readTable("counts")).toEqual(new Map([["the", 2], ["cat", 2], ["sat", 1]]));
  });
});
