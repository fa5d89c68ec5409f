// `weir consume TOPIC (--data DIR | --brokers HOST:PORT)`: a topic's committed records as JSON lines.
import type { PrintFormat } from "../../runtime/internal/record-bytes.ts";
import { namedSetting } from "../../runtime/settings.ts";
import { printFormatOption, settingOption } from "./options.ts";
import { openLog, printRecords } from "./records.ts";
import { dataOrBrokers, type RegisterCommand } from "./shared.ts";

export const registerConsume: RegisterCommand = (program, context) => {
  const { io } = context;
  program
    .command("consume")
    .description("print the committed records of a topic, one JSON object per line (on Kafka: read_committed, up to the end offsets at start)")
    .argument("<topic>", "topic name")
    .addOption(settingOption(namedSetting("data"), { help: "data folder of the embedded engine" }))
    .addOption(settingOption(namedSetting("brokers"), { help: "consume from Kafka: the bootstrap brokers" }))
    .option("--key-format <format>", "on Kafka: print keys as json, string, or auto (JSON when the text parses)", printFormatOption, "auto" as PrintFormat)
    .option("--value-format <format>", "on Kafka: print values as json, string, or auto (JSON when the text parses)", printFormatOption, "auto" as PrintFormat)
    .action(async (topic: string, options: { data?: string; brokers?: string[]; keyFormat: PrintFormat; valueFormat: PrintFormat }) => {
      if (dataOrBrokers("consume", options) === "kafka") {
        const { consumeKafka } = await import("../../runtime/kafka.ts");
        for await (const record of consumeKafka({ brokers: options.brokers! }, topic, { keyFormat: options.keyFormat, valueFormat: options.valueFormat })) {
          io.out(`${JSON.stringify(record)}\n`);
        }
        return;
      }
      const log = openLog(options.data!);
      try {
        printRecords(log, topic, io);
      } finally {
        log.close();
      }
    });
};
