// `weir describe FILE`: the topology as Kafka Streams' TopologyDescription shows one.
import { ExitCode, topologyOf, type RegisterCommand } from "./shared.ts";

export const registerDescribe: RegisterCommand = (program, context) => {
  program
    .command("describe")
    .description("print the topology: sources, processors, state stores with their changelogs, repartition topics, sinks")
    .argument("<file>", ".weir file")
    .action(async (file: string) => {
      const topology = await topologyOf(file, context.io);
      if (!topology) {
        context.exitCode = ExitCode.failed;
        return;
      }
      context.io.out(`${topology.describe()}\n`);
    });
};
