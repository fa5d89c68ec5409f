// runtime/kafka.ts without a broker: what is refused before connecting.
import { afterEach, describe, expect, it } from "vitest";
import { createKafkaEngine } from "../../runtime/kafka.ts";

describe("createKafkaEngine", () => {
  const saved = process.env.WEIR_KAFKA_CLIENT;
  afterEach(() => {
    if (saved === undefined) delete process.env.WEIR_KAFKA_CLIENT;
    else process.env.WEIR_KAFKA_CLIENT = saved;
  });

  it("WEIR_KAFKA_CLIENT names kafkajs or platformatic; anything else is refused in one line", async () => {
    process.env.WEIR_KAFKA_CLIENT = "librdkafka";
    expect(() => createKafkaEngine({ brokers: ["127.0.0.1:9092"] })).toThrow('WEIR_KAFKA_CLIENT must be kafkajs or platformatic, not "librdkafka"');
    for (const client of ["kafkajs", "platformatic"]) {
      process.env.WEIR_KAFKA_CLIENT = client;
      const engine = createKafkaEngine({ brokers: ["127.0.0.1:9092"] });
      expect(engine).toBeDefined();
      await engine.close();
    }
  });
});
