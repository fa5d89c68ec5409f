// The benchmark's expected results are computed by the harness itself
// (bench/compare/workloads.ts); a run of either system counts only if its
// output equals them. Here they are checked against weir's own examples run
// by the TopologyTestDriver, so that a wrong model cannot fail (or pass) both
// systems alike.
import { describe, expect, it } from "vitest";
import { loadWeir, TopologyTestDriver } from "weir/testing";
import { workloadNames, workloads, type InputRecord } from "../../../bench/compare/workloads.ts";

const jsonTopics = new Set(["orders", "customers"]);

describe("benchmark workloads", () => {
  for (const name of workloadNames) {
    it(`${name}: the expected final results are what examples/${name}.weir computes`, async () => {
      const workload = workloads[name];
      const count = 600;
      const input: InputRecord[] = [...workload.tables()];
      for (let i = 0; i < count; i++) input.push(workload.record(i, workload.preloadTimestamp(i, count)));
      const model = workload.model();
      for (const record of input) model.add(record);

      const driver = new TopologyTestDriver(await loadWeir(workload.weirFile));
      try {
        for (const topic of workload.inputTopics) {
          driver.pipeInput(
            topic,
            input
              .filter((r) => r.topic === topic)
              .map((r) => ({ key: r.key, value: jsonTopics.has(topic) ? JSON.parse(r.value) : r.value, timestamp: r.timestamp })),
          );
        }
        await driver.run();
        const latest = new Map<string, string>();
        for (const record of driver.readOutput(workload.outputTopic)) {
          const [key, value] = workload.canonical(String(record.key), JSON.stringify(record.value));
          latest.set(key, value);
        }
        expect(model.expected.size).toBeGreaterThan(50);
        expect(latest).toEqual(model.expected);
      } finally {
        driver.close();
      }
    });
  }

  it("revenue: orders of one customer land on one partition, in timestamp order", () => {
    const seen = new Map<string, number>();
    const last = new Map<number, number>();
    for (let i = 0; i < 2000; i++) {
      const record = revenueRecord(i);
      const customer = (JSON.parse(record.value) as { customerId: string }).customerId;
      expect(seen.get(customer) ?? record.partition).toBe(record.partition);
      seen.set(customer, record.partition!);
      expect(record.timestamp).toBeGreaterThanOrEqual(last.get(record.partition!) ?? 0);
      last.set(record.partition!, record.timestamp);
    }
    expect(new Set(seen.values()).size).toBe(4);
  });
});

function revenueRecord(i: number): InputRecord {
  return workloads.revenue.record(i, workloads.revenue.preloadTimestamp(i, 2000));
}
