// docs/settings.md, and the settings tables in docs/services.md and
// docs/kafka.md, are generated from the settings table (runtime/settings.ts),
// so they cannot go stale: a setting added, changed or reworded fails this
// test until the docs are regenerated with
//   UPDATE_SNAPSHOTS=1 npx vitest run test/runtime/settings-doc.test.ts
// and the diff reviewed. In services.md and kafka.md only the tables between
// the markers `<!-- generated: settings NAME -->` and `<!-- end: generated -->`
// are generated; the text around them is written by hand.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { settingList, type NamedSetting } from "../../runtime/settings.ts";

const docs = join(import.meta.dirname, "..", "..", "docs");
const regenerate = "UPDATE_SNAPSHOTS=1 npx vitest run test/runtime/settings-doc.test.ts regenerates it";

/** Text for a Markdown table cell. */
function cell(text: string): string {
  return text.replaceAll("|", "\\|");
}

function code(text: string): string {
  return `\`${text}\``;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`, ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`)];
}

/** The default as the API (and `weir run`) has it, or as a service has it. */
function defaultOf(setting: NamedSetting, where: "api" | "service" | "flag"): string {
  const value = where === "service" ? (setting.serviceDefault ?? setting.default) : setting.default;
  if (value === undefined) return setting.defaultDoc ?? "none";
  if (where === "flag" && typeof value === "boolean") return value ? "on" : "off";
  return code(String(value));
}

function engines(setting: NamedSetting): string {
  return setting.engines.map((engine) => (engine === "kafka" ? "Kafka" : "embedded")).join(", ");
}

/** `sasl.mechanism` is `mechanism` inside `sasl` (`{ mechanism, username, password }`). */
function option(setting: NamedSetting): string {
  return code(setting.key);
}

const refusedWithoutBrokers = settingList.filter((setting) => setting.withoutBrokers === "refused");

export function settingsPage(): string {
  const lines = [
    "# Settings",
    "",
    "<!-- Generated from runtime/settings.ts by test/runtime/settings-doc.test.ts: do not edit by",
    "     hand; regenerate with UPDATE_SNAPSHOTS=1 npx vitest run test/runtime/settings-doc.test.ts -->",
    "",
    "Every setting of a run, written once in `runtime/settings.ts`. A setting is given in one of",
    "three ways:",
    "",
    "- from code, as an option of `runEmbedded` / `createEmbeddedEngine` (`RunOptions`,",
    "  `EmbeddedOptions`) or of `runKafka` / `createKafkaEngine` (`RunOptions`, `KafkaSettings`);",
    "- to a compiled module run as a service, as an environment variable ([services.md](services.md));",
    "- to `weir run`, as a flag (the settings without a flag are set from code or the environment).",
    "",
    "The table itself is exported from `weir/runtime` (`settingsTable`, and `settingList` in this",
    "order), for tools that configure weir.",
    "",
    "A service or `weir run` given a bad value stops before it starts, with one line per problem and",
    "exit code 2: `wordcount: bad setting: WEIR_COMMIT_INTERVAL_MS must be a number`, or",
    "`error: option '--commit-interval <ms>' argument '0' is invalid. expected a whole number of at least 1`.",
    "",
    ...table(
      ["option", "variable", "`weir run` flag", "default", "value (variable, flag)", "engines", "meaning"],
      settingList.map((setting) => [
        option(setting),
        setting.env ? code(setting.env) : "",
        setting.flag ? code(setting.flag.spec) : "",
        defaultOf(setting, "api") + (setting.serviceDefault !== undefined ? ` (services: ${defaultOf(setting, "service")})` : ""),
        setting.type.values,
        engines(setting),
        setting.doc,
      ]),
    ),
    "",
    "The `sasl.*` options are the fields of `KafkaSettings`' `sasl`: `{ mechanism, username, password }`.",
    "",
    "Settings checked together (a service reports them with the others, each on its own line):",
    "",
    "- without `WEIR_BROKERS`, `WEIR_DATA_DIR` is required;",
    "- `WEIR_SASL_MECHANISM`, `WEIR_SASL_USERNAME` and `WEIR_SASL_PASSWORD`: all three or none;",
    "- the heartbeat interval must be shorter than the session timeout (also checked by `createKafkaEngine`);",
    "- on Kafka under exactly-once, the commit interval must be shorter than the transaction timeout",
    "  (checked when the run starts).",
    "",
    "Kafka settings given without brokers are refused with one line (`WEIR_APPLICATION_ID is a Kafka",
    "setting: set WEIR_BROKERS too`, `--application-id is for Kafka: add --brokers HOST:PORT`):",
    `${refusedWithoutBrokers.map((setting) => [setting.env, setting.flag ? /--[a-z-]+/.exec(setting.flag.spec)![0] : undefined].filter(Boolean).map((name) => code(name!)).join(", ")).join("; ")}.`,
    "The other Kafka settings are ignored on the embedded engine.",
  ];
  return `${lines.join("\n")}\n`;
}

/** The generated tables of the hand-written pages, by name. */
const blocks: Readonly<Record<string, () => string[]>> = {
  /** docs/services.md: a service on the embedded engine. */
  "service-embedded": () =>
    table(
      ["variable", "default", "meaning"],
      settingList.filter((s) => s.env && s.engines.includes("embedded")).map((s) => [code(s.env!), defaultOf(s, "service"), s.doc]),
    ),
  /** docs/kafka.md: `weir run --brokers`. */
  "run-kafka-flags": () =>
    table(
      ["option", "default", "meaning"],
      settingList.filter((s) => s.flag && s.engines.includes("kafka") && s.key !== "brokers").map((s) => [code(s.flag!.spec), defaultOf(s, "flag"), s.doc]),
    ),
  /** docs/kafka.md: createKafkaEngine's and runKafka's KafkaSettings. */
  "kafka-settings": () =>
    table(
      ["option", "default", "meaning"],
      settingList.filter((s) => s.of === "KafkaSettings").map((s) => [option(s), defaultOf(s, "api"), s.doc]),
    ),
  /** docs/kafka.md: a service on Kafka. */
  "service-kafka": () =>
    table(
      ["variable", "default", "meaning"],
      settingList.filter((s) => s.env && s.engines.includes("kafka")).map((s) => [code(s.env!), defaultOf(s, "service"), s.doc]),
    ),
  /** docs/kafka.md, "Scaling out": the consumer group's timings. */
  "group-timings": () =>
    table(
      ["option", "service variable, `weir run` flag", "default", "meaning"],
      settingList
        .filter((s) => ["sessionTimeoutMs", "heartbeatIntervalMs", "rebalanceTimeoutMs"].includes(s.key))
        .map((s) => [option(s), `${code(s.env!)}, ${code(s.flag!.spec)}`, defaultOf(s, "api"), s.doc]),
    ),
};

const blockPattern = /(<!-- generated: settings ([a-z-]+) -->\n)[\s\S]*?(<!-- end: generated -->)/g;

/** A hand-written page with its generated tables regenerated. */
function withBlocks(page: string): { text: string; names: string[] } {
  const names: string[] = [];
  const text = page.replace(blockPattern, (_whole, start: string, name: string, end: string) => {
    const render = blocks[name];
    if (!render) throw new Error(`no generated settings table named '${name}'`);
    names.push(name);
    return `${start}${render().join("\n")}\n${end}`;
  });
  return { text, names };
}

describe("docs generated from the settings table", () => {
  it("docs/settings.md", () => {
    const path = join(docs, "settings.md");
    const expected = settingsPage();
    if (process.env["UPDATE_SNAPSHOTS"]) writeFileSync(path, expected);
    expect(readFileSync(path, "utf8"), regenerate).toBe(expected);
  });

  for (const [page, names] of [
    ["services.md", ["service-embedded"]],
    ["kafka.md", ["run-kafka-flags", "kafka-settings", "service-kafka", "group-timings"]],
  ] as const) {
    it(`the settings tables in docs/${page}`, () => {
      const path = join(docs, page);
      const current = readFileSync(path, "utf8");
      const { text, names: found } = withBlocks(current);
      expect(found).toEqual(names);
      if (process.env["UPDATE_SNAPSHOTS"]) writeFileSync(path, text);
      expect(readFileSync(path, "utf8"), regenerate).toBe(text);
    });
  }
});
