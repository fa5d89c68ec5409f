// `weir produce TOPIC (--data DIR | --brokers HOST:PORT)`: JSON lines from standard input to a topic.
import { namedSetting } from "../../runtime/settings.ts";
import { positiveInteger, settingOption } from "./options.ts";
import { openLog, parseRecordLines, produceRecords, readStdin } from "./records.ts";
import { dataOrBrokers, type RegisterCommand } from "./shared.ts";

export const registerProduce: RegisterCommand = (program, context) => {
  program
    .command("produce")
    .description(
      "append records to a topic (of the embedded log with --data, of Kafka with --brokers), one JSON object per line on standard input: {\"key\", \"value\", \"timestamp\"}",
    )
    .argument("<topic>", "topic name")
    .addOption(settingOption(namedSetting("data"), { help: "data folder of the embedded engine" }))
    .addOption(settingOption(namedSetting("brokers"), { help: "produce to Kafka: the bootstrap brokers" }))
    .option("-p, --partitions <n>", "partitions, when the topic is created (default 1)", positiveInteger)
    .action(async (topic: string, options: { data?: string; brokers?: string[]; partitions?: number }) => {
      const where = dataOrBrokers("produce", options);
      const text = await readStdin();
      const records = parseRecordLines(text, "standard input");
      let count: number;
      if (where === "kafka") {
        // Loaded only here: kafkajs adds to every start of the CLI otherwise.
        const { produceKafka } = await import("../../runtime/kafka.ts");
        count = await produceKafka({ brokers: options.brokers! }, topic, records, options.partitions !== undefined ? { partitions: options.partitions } : {});
      } else {
        const log = openLog(options.data!);
        try {
          count = produceRecords(log, topic, records, options.partitions);
        } finally {
          log.close();
        }
      }
      context.io.err(`produced ${count} record${count === 1 ? "" : "s"} to ${topic}\n`);
    });
};
