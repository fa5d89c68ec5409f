// `weir describe`, run as a user runs it.
import { describe, expect, it } from "vitest";
import { weir } from "../weir-cli.ts";

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
