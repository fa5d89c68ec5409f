// `weir diff OLD.weir NEW.weir [--json]`: can NEW start on the state OLD left?
// Per store and internal topic, a verdict and its reasons (runtime/topology-diff.ts
// decides them; this prints them), and the exit code says the overall verdict.
import { diffTopologies, type Reason, type TopologyDiff, type Verdict } from "../../runtime/topology-diff.ts";
import { ExitCode, topologyOf, UsageError, type RegisterCommand } from "./shared.ts";

const exitCodes: Record<Verdict, ExitCode> = { compatible: ExitCode.ok, reset: ExitCode.resetNeeded, incompatible: ExitCode.incompatible };
const verdictWords: Record<Verdict, string> = { compatible: "compatible", reset: "reset needed", incompatible: "incompatible" };

export const registerDiff: RegisterCommand = (program, context) => {
  program
    .command("diff")
    .description(
      "compare two versions of a .weir file: can NEW start on the state OLD left? Per store and internal topic: compatible, reset needed (which stores, and what is read again from where) or incompatible (reset the application), with reasons; exit code 0, 4 or 5",
    )
    .argument("<old>", "the .weir file that wrote the state")
    .argument("<new>", "the .weir file to start next")
    .option("--json", "print the comparison as JSON")
    .action(async (oldFile: string, newFile: string, options: { json?: boolean }) => {
      const { io } = context;
      const oldTopology = await topologyOf(oldFile, io);
      const newTopology = await topologyOf(newFile, io);
      if (!oldTopology || !newTopology) {
        context.exitCode = ExitCode.failed;
        return;
      }
      if (oldTopology.application !== newTopology.application) {
        throw new UsageError(`${oldFile} is application '${oldTopology.application}' and ${newFile} is '${newTopology.application}': they share no state to compare`);
      }
      const diff = diffTopologies(oldTopology, newTopology);
      io.out(options.json ? `${JSON.stringify(diff, null, 2)}\n` : diffText(diff, newFile));
      context.exitCode = exitCodes[diff.verdict];
    });
};

/** The comparison as a table per store and per internal topic, each row's reasons below it, then what to do. */
export function diffText(diff: TopologyDiff, newFile: string): string {
  const lines: string[] = [];
  const reasonLine = (reason: Reason) => `      ${reason.kind}: ${reason.detail}`;
  const table = (rows: readonly (readonly string[])[]) => {
    const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
    return rows.map((row) => `  ${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join("  ")}`.trimEnd());
  };

  lines.push("stores:");
  if (diff.stores.length === 0) lines.push("  (none)");
  else {
    const rows = [["STORE", "CHANGE", "VERDICT", "AT START"], ...diff.stores.map((store) => [store.store, store.renamedFrom ? `renamed from ${store.renamedFrom}` : store.change, verdictWords[store.verdict], store.refusedAtStart ? "refused (exit 3)" : "runs"])];
    const [header, ...body] = table(rows);
    lines.push(header!);
    diff.stores.forEach((store, i) => {
      lines.push(body[i]!);
      for (const reason of store.reasons) lines.push(reasonLine(reason));
      if (store.migration) lines.push(`      migration: ${store.migration}`);
      for (const note of store.notes) lines.push(`      note: ${note}`);
    });
  }
  lines.push("internal topics:");
  if (diff.topics.length === 0) lines.push("  (none)");
  else {
    const rows = [["TOPIC", "ROLE", "CHANGE", "VERDICT"], ...diff.topics.map((topic) => [topic.topic, topic.role, topic.change, verdictWords[topic.verdict]])];
    const [header, ...body] = table(rows);
    lines.push(header!);
    diff.topics.forEach((topic, i) => {
      lines.push(body[i]!);
      for (const reason of topic.reasons) lines.push(reasonLine(reason));
      for (const note of topic.notes) lines.push(`      note: ${note}`);
    });
  }

  const where = "(--data DIR | --brokers HOST:PORT)";
  switch (diff.verdict) {
    case "compatible":
      lines.push(`${diff.application}: compatible: ${newFile} starts on the state as it is`);
      break;
    case "reset":
      lines.push(`${diff.application}: reset needed: weir reset ${newFile} ${where} ${diff.resetStores.map((store) => `--store ${store}`).join(" ")}`);
      lines.push(
        `${diff.application}: then read again: ${diff.reprocessed.map((input) => `${input.topic} from its ${input.from}${input.from === "end" ? " (written again)" : ""}`).join(", ")}`,
      );
      lines.push(`${diff.application}: receive their records again: ${diff.reemittedTo.join(", ")}`);
      break;
    case "incompatible":
      lines.push(`${diff.application}: incompatible: reset the application: weir reset ${newFile} ${where}`);
      break;
  }
  return `${lines.join("\n")}\n`;
}
