// `weir reset FILE (--data DIR | --brokers HOST:PORT) [--store NAME ...]`: as
// kafka-streams-application-reset, or for the named stores only.
import { existsSync } from "node:fs";
import { Option } from "commander";
import { embeddedDatabasePath, resetEmbedded, resetEmbeddedStores, type ApplicationReset, type StoreReset } from "../../runtime/index.ts";
import { namedSetting } from "../../runtime/settings.ts";
import { settingOption } from "./options.ts";
import { dataOrBrokers, ExitCode, topologyOf, UsageError, type RegisterCommand } from "./shared.ts";

export const registerReset: RegisterCommand = (program, context) => {
  const { io } = context;
  program
    .command("reset")
    .description(
      "reset an application, as kafka-streams-application-reset does: delete its internal topics (changelogs, repartition topics) and move its input offsets back to the beginning, so that its next run recomputes its state; output topics are not touched. With --store, reset only those stores (see weir diff)",
    )
    .argument("<file>", ".weir file")
    .addOption(settingOption(namedSetting("data"), { help: "data folder of the embedded engine" }))
    .addOption(settingOption(namedSetting("brokers"), { help: "reset on Kafka: the bootstrap brokers (refused while an instance runs)", takenAsGiven: true }))
    .addOption(settingOption(namedSetting("applicationId"), { help: "on Kafka: reset the application run under this id instead of the file's" }))
    .addOption(
      new Option(
        "--store <name>",
        "reset only this store (repeat for more): delete its changelog and read again the inputs that feed it; refused when that would empty a store not named",
      ).argParser((name: string, previous: string[] | undefined) => [...(previous ?? []), name]),
    )
    .action(async (file: string, options: { data?: string; brokers?: string; applicationId?: string; store?: string[] }) => {
      const where = dataOrBrokers("reset", options);
      if (where === "embedded" && options.applicationId !== undefined) throw new UsageError("--application-id is for Kafka: add --brokers HOST:PORT");
      if (where === "embedded" && !existsSync(embeddedDatabasePath(options.data!))) throw new UsageError(`nothing to reset: ${options.data} is not a data folder (it has no weir.db)`);
      const topology = await topologyOf(file, io);
      if (!topology) {
        context.exitCode = ExitCode.failed;
        return;
      }
      if (options.store !== undefined) {
        const stores = [...new Set(options.store)];
        let reset: StoreReset;
        if (where === "kafka") {
          const { resetKafkaStores } = await import("../../runtime/kafka.ts");
          reset = await resetKafkaStores(topology, { brokers: options.brokers!, stores, ...(options.applicationId !== undefined ? { applicationId: options.applicationId } : {}) });
        } else {
          reset = resetEmbeddedStores(topology, { data: options.data!, stores });
        }
        const { application, plan } = reset;
        const list = (items: readonly string[]) => (items.length > 0 ? items.join(", ") : "none");
        io.out(`${application}: emptied stores: ${list(plan.stores)} (deleted changelogs: ${list(reset.deletedTopics)})\n`);
        io.out(`${application}: the next run reads again: ${list(plan.inputs.map((input) => `${input.topic} from its ${input.from}`))}\n`);
        io.out(`${application}: receive their records again: ${list(plan.reemittedTo)}\n`);
        return;
      }
      let reset: ApplicationReset;
      if (where === "kafka") {
        const { resetKafka } = await import("../../runtime/kafka.ts");
        reset = await resetKafka(topology, { brokers: options.brokers!, ...(options.applicationId !== undefined ? { applicationId: options.applicationId } : {}) });
      } else {
        reset = resetEmbedded(topology, { data: options.data! });
      }
      const list = (topics: readonly string[]) => (topics.length > 0 ? topics.join(", ") : "none");
      io.out(`${reset.application}: deleted internal topics: ${list(reset.deletedTopics)}\n`);
      io.out(`${reset.application}: the next run reads from the beginning: ${list(reset.inputTopics)}\n`);
      io.out(`${reset.application}: not touched: ${list(reset.keptTopics)}\n`);
    });
};
