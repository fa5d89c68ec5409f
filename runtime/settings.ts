// Every setting of a run, written once: the option it sets (in RunOptions,
// EmbeddedOptions or KafkaSettings), the environment variable a service reads
// it from, the `weir run` flag, its default, the type that parses and checks
// its text, the engines it applies to, and one line of documentation.
//
// Read by: the engines' public faces for their defaults (embedded.ts,
// kafka.ts), runService for the environment (service.ts), `weir run` for its
// flags (src/commands/run.ts), and the docs: docs/settings.md and the settings
// tables of docs/services.md and docs/kafka.md are generated from this table
// (test/runtime/settings-doc.test.ts).
import { z } from "zod";
import type { EmbeddedOptions } from "./embedded.ts";
import type { RunOptions } from "./engine.ts";
import type { KafkaSasl, KafkaSettings } from "./kafka.ts";
import { areBrokerAddresses, BROKER_ADDRESSES_EXPECTED, splitBrokerAddresses } from "./internal/broker-addresses.ts";

export type EngineName = "embedded" | "kafka";

/** How a setting's text (an environment variable, a flag's argument) is parsed and checked. */
export interface SettingType<T> {
  /** Parses the text. Its messages complete a service's line "WEIR_X ..." (one per bad setting). */
  readonly schema: z.ZodType<T>;
  /** What the text must be, in words: the docs' "value" and the CLI's "expected ...". */
  readonly values: string;
}

/** Options of the public API that are not settings: callbacks, handles, and the object that holds the `sasl.*` settings. */
type NotSettings = "signal" | "onCommit" | "logger" | "path" | "log" | "sasl";

/** A setting's name: the option it sets (`sasl.mechanism`: `mechanism` inside KafkaSettings' `sasl`). */
export type SettingKey =
  | Exclude<keyof RunOptions | keyof EmbeddedOptions | keyof KafkaSettings, NotSettings>
  | `sasl.${keyof KafkaSasl}`;

/** Which options object holds a setting. */
export type SettingPlace = "RunOptions" | "EmbeddedOptions" | "KafkaSettings";

type PlaceOf<K extends SettingKey> = K extends keyof RunOptions ? "RunOptions" : K extends keyof EmbeddedOptions ? "EmbeddedOptions" : "KafkaSettings";

/** The value of the option a setting sets. */
export type SettingValue<K extends SettingKey> = K extends `sasl.${infer Part extends keyof KafkaSasl}`
  ? KafkaSasl[Part]
  : NonNullable<(RunOptions & EmbeddedOptions & KafkaSettings)[K & keyof (RunOptions & EmbeddedOptions & KafkaSettings)]>;

export interface SettingFlag {
  /** commander's form: `--commit-interval <ms>`, `-f, --follow`. */
  readonly spec: string;
  /** `weir run --help`'s line (a default given by a value is added to it). */
  readonly help: string;
  /**
   * The argument is passed on as given, not checked with the setting's type:
   * so it was before this table, and `weir run` keeps its answers (an empty
   * --data is "run needs --data DIR"; a bad --application-id fails when topics are named).
   */
  readonly takenAsGiven?: true;
}

export interface Setting<K extends SettingKey> {
  readonly of: PlaceOf<K>;
  /** The variable a service (runService) reads it from. */
  readonly env?: `WEIR_${string}`;
  /** The `weir run` flag. */
  readonly flag?: SettingFlag;
  readonly type: SettingType<SettingValue<K>>;
  /** The value when the setting is not given. */
  readonly default?: SettingValue<K>;
  /** A service's default, where it differs from the API's and `weir run`'s. */
  readonly serviceDefault?: SettingValue<K>;
  /** The default in words, where it is not a value (or says more than the value). */
  readonly defaultDoc?: string;
  readonly engines: readonly EngineName[];
  /**
   * A Kafka setting given without brokers: refused with one line
   * (`WEIR_X is a Kafka setting: set WEIR_BROKERS too`, `--x is for Kafka: add
   * --brokers HOST:PORT`). Absent: not checked (it is ignored).
   */
  readonly withoutBrokers?: "refused";
  /** One line for the docs (Markdown; links relative to docs/). */
  readonly doc: string;
}

// ------------------------------------------------------------------ types

function wholeNumber(least: 0 | 1): SettingType<number> {
  return {
    schema: z.coerce
      .number({ message: "must be a number" })
      .int({ message: "must be a whole number" })
      .min(least, { message: `must be at least ${least}` }),
    values: `a whole number of at least ${least}`,
  };
}

/** One of a few words; the message and the docs list them. */
function oneOf<const T extends readonly [string, ...string[]]>(words: T): SettingType<T[number]> {
  const listed = `${words.slice(0, -1).join(", ")} or ${words.at(-1)}`;
  return { schema: z.enum(words, { message: `must be ${listed}` }), values: listed };
}

const positiveInteger = wholeNumber(1);
const nonNegativeInteger = wholeNumber(0);

/** The types of settings, for arguments that take the same values (`weir produce --partitions` takes a positive integer). */
export const settingTypes = { positiveInteger } as const;

const yesNo: SettingType<boolean> = {
  schema: z.enum(["true", "false"], { message: "must be true or false" }).transform((value) => value === "true"),
  values: "true or false",
};

const text: SettingType<string> = { schema: z.string().min(1, { message: "must not be empty" }), values: "any text, not empty" };

const applicationId: SettingType<string> = {
  schema: z.string().regex(/^[A-Za-z0-9._-]+$/, { message: "may contain only letters, digits, '.', '_' and '-'" }),
  values: "letters, digits, '.', '_' and '-'",
};

const brokerAddresses: SettingType<string[]> = {
  schema: z
    .string()
    .transform((value) => splitBrokerAddresses(value))
    .refine((brokers) => areBrokerAddresses(brokers), { message: `must be ${BROKER_ADDRESSES_EXPECTED}` }),
  values: BROKER_ADDRESSES_EXPECTED,
};

// ------------------------------------------------------------------ the table

const both = ["embedded", "kafka"] as const;
const kafka = ["kafka"] as const;

/**
 * Every setting, keyed by the option it sets, in the order `weir run --help`,
 * a service's checks and the docs list them.
 */
export const settingsTable = {
  data: {
    of: "EmbeddedOptions",
    env: "WEIR_DATA_DIR",
    flag: { spec: "-d, --data <dir>", help: "data folder of the embedded engine (default with --input: a temporary one)", takenAsGiven: true },
    type: text,
    defaultDoc: "none: required on the embedded engine",
    engines: ["embedded"],
    doc: "the data folder of the embedded engine: its log is `DIR/weir.db`, created if needed",
  },
  follow: {
    of: "RunOptions",
    env: "WEIR_FOLLOW",
    flag: { spec: "-f, --follow", help: "keep running and process new records as they arrive (stop with Ctrl-C)" },
    type: yesNo,
    default: false,
    serviceDefault: true,
    engines: both,
    doc: "keep running and process new records as they arrive until stopped (from code: the signal; `weir run` and services: SIGINT or SIGTERM), which commits the work done; off: stop once the inputs are drained",
  },
  commitIntervalMs: {
    of: "RunOptions",
    env: "WEIR_COMMIT_INTERVAL_MS",
    flag: { spec: "--commit-interval <ms>", help: "how often to commit, in milliseconds" },
    type: positiveInteger,
    default: 100,
    engines: both,
    doc: "commit at least this often while records flow, in milliseconds (Kafka Streams' default under exactly-once)",
  },
  maxRecordsPerCommit: {
    of: "RunOptions",
    type: positiveInteger,
    defaultDoc: "no limit",
    engines: both,
    doc: "also commit once this many input records were processed since the last commit",
  },
  cacheMaxBytes: {
    of: "RunOptions",
    env: "WEIR_CACHE_MAX_BYTES",
    flag: { spec: "--cache-max-bytes <bytes>", help: "bytes of record caches in front of table and aggregation stores; 0: forward every update" },
    type: nonNegativeInteger,
    // Kafka Streams' statestore.cache.max.bytes.
    default: 10_485_760,
    engines: both,
    doc: "bytes of record caches, shared by the run's tasks: each table and aggregation store forwards (and logs) its keys' latest changes at each commit, or when over budget, so that consecutive updates of a key collapse into one (Kafka Streams' `statestore.cache.max.bytes`; [Record caches](state.md#record-caches)); 0: every update is forwarded as it happens",
  },
  pollIntervalMs: {
    of: "RunOptions",
    type: nonNegativeInteger,
    default: 50,
    engines: both,
    doc: "following, how long to wait before looking for new records again when there were none, in milliseconds",
  },
  brokers: {
    of: "KafkaSettings",
    env: "WEIR_BROKERS",
    flag: { spec: "-b, --brokers <host:port,...>", help: "run on Kafka: the bootstrap brokers" },
    type: brokerAddresses,
    defaultDoc: "none: required by `createKafkaEngine`; without it, `weir run` and a service run on the embedded engine",
    engines: kafka,
    doc: "the bootstrap brokers: given, the run is on Kafka; checked before anything connects",
  },
  applicationId: {
    of: "KafkaSettings",
    env: "WEIR_APPLICATION_ID",
    flag: { spec: "--application-id <id>", help: "on Kafka: run under this application id instead of the file's", takenAsGiven: true },
    type: applicationId,
    defaultDoc: "the topology's `application`",
    engines: kafka,
    withoutBrokers: "refused",
    doc: "run under this application id instead of the topology's: the consumer group, the transactional ids and the internal topics (`<id>-<store>-changelog`, `<id>-<name>-repartition`, `<id>-dlq`) follow it",
  },
  clientId: {
    of: "KafkaSettings",
    env: "WEIR_CLIENT_ID",
    type: text,
    default: "weir",
    engines: kafka,
    doc: "names the application's connections in broker logs and quotas",
  },
  guarantee: {
    of: "KafkaSettings",
    env: "WEIR_GUARANTEE",
    flag: { spec: "--guarantee <guarantee>", help: "on Kafka: exactly_once or at_least_once" },
    type: oneOf(["exactly_once", "at_least_once"]),
    default: "exactly_once",
    engines: kafka,
    doc: "`exactly_once`: a transaction per task and commit; `at_least_once`: see [at_least_once](kafka.md#at_least_once)",
  },
  ssl: {
    of: "KafkaSettings",
    env: "WEIR_TLS",
    type: yesNo,
    default: false,
    engines: kafka,
    doc: "TLS to the brokers (the system's certificate authorities)",
  },
  "sasl.mechanism": {
    of: "KafkaSettings",
    env: "WEIR_SASL_MECHANISM",
    type: oneOf(["plain", "scram-sha-256", "scram-sha-512"]),
    defaultDoc: "none: no SASL",
    engines: kafka,
    withoutBrokers: "refused",
    doc: "SASL authentication, with a username and a password: all three or none",
  },
  "sasl.username": {
    of: "KafkaSettings",
    env: "WEIR_SASL_USERNAME",
    type: text,
    defaultDoc: "none",
    engines: kafka,
    doc: "the SASL username, with a mechanism and a password",
  },
  "sasl.password": {
    of: "KafkaSettings",
    env: "WEIR_SASL_PASSWORD",
    type: text,
    defaultDoc: "none",
    engines: kafka,
    doc: "the SASL password, with a mechanism and a username",
  },
  replicationFactor: {
    of: "KafkaSettings",
    env: "WEIR_REPLICATION_FACTOR",
    type: positiveInteger,
    defaultDoc: "the broker's `default.replication.factor`",
    engines: kafka,
    withoutBrokers: "refused",
    doc: "replication factor of the topics weir creates (internal topics, sinks, dead letters)",
  },
  transactionTimeoutMs: {
    of: "KafkaSettings",
    env: "WEIR_TRANSACTION_TIMEOUT_MS",
    type: positiveInteger,
    default: 60_000,
    engines: kafka,
    doc: "upper bound of one transaction, in milliseconds: must exceed the commit interval; the broker's `transaction.max.timeout.ms` bounds it",
  },
  retryInitialMs: {
    of: "KafkaSettings",
    type: positiveInteger,
    default: 10,
    engines: kafka,
    doc: "first retry delay of the Kafka clients, in milliseconds (kafkajs' own default, 300, stalls back-to-back transactions: see [Measured](kafka.md#measured))",
  },
  logLevel: {
    of: "KafkaSettings",
    type: oneOf(["nothing", "error", "warn", "info", "debug"]),
    default: "nothing",
    engines: kafka,
    doc: "kafkajs' own log lines, on standard error; failures reach the caller as errors whatever the level",
  },
  sessionTimeoutMs: {
    of: "KafkaSettings",
    env: "WEIR_SESSION_TIMEOUT_MS",
    flag: { spec: "--session-timeout <ms>", help: "on Kafka: the consumer group drops an instance not heard from for this long" },
    type: positiveInteger,
    default: 10_000,
    engines: kafka,
    withoutBrokers: "refused",
    doc: "consumer group: an instance not heard from for this long is dropped and its tasks move ([Scaling out](kafka.md#scaling-out)); within the broker's `group.min.session.timeout.ms` (6000) and `group.max.session.timeout.ms`",
  },
  heartbeatIntervalMs: {
    of: "KafkaSettings",
    env: "WEIR_HEARTBEAT_INTERVAL_MS",
    flag: { spec: "--heartbeat-interval <ms>", help: "on Kafka: how often an instance heartbeats to the consumer group" },
    type: positiveInteger,
    default: 3_000,
    engines: kafka,
    withoutBrokers: "refused",
    doc: "consumer group: how often an instance heartbeats, and so how soon it notices a rebalance; must be below the session timeout (a third of it is usual)",
  },
  rebalanceTimeoutMs: {
    of: "KafkaSettings",
    env: "WEIR_REBALANCE_TIMEOUT_MS",
    flag: { spec: "--rebalance-timeout <ms>", help: "on Kafka: how long a rebalance waits for every instance to rejoin" },
    type: positiveInteger,
    default: 60_000,
    engines: kafka,
    withoutBrokers: "refused",
    doc: "consumer group: how long a rebalance waits for every instance to commit and rejoin; one that takes longer is dropped and its tasks move",
  },
  maxTaskIdleMs: {
    of: "KafkaSettings",
    env: "WEIR_MAX_TASK_IDLE_MS",
    flag: { spec: "--max-task-idle <ms>", help: "on Kafka: how long a join or merge waits for an empty input at its end before going ahead without it" },
    type: nonNegativeInteger,
    // Several commit intervals of an upstream task, and a producer's linger, with room to spare (docs/kafka.md).
    default: 500,
    engines: kafka,
    withoutBrokers: "refused",
    doc: "how long a task with several inputs (a join, a merge) waits for one that is empty at its end before going ahead without it (Kafka Streams' `max.task.idle.ms`; [Tasks with several inputs](kafka.md#tasks-with-several-inputs)); 0: never wait",
  },
  brokerOutageMs: {
    of: "KafkaSettings",
    env: "WEIR_BROKER_OUTAGE_MS",
    flag: { spec: "--broker-outage <ms>", help: "on Kafka: how long Kafka may keep failing with the run making no progress before it gives up; shorter outages are ridden out" },
    type: nonNegativeInteger,
    // 5 minutes, as Kafka Streams' task.timeout.ms.
    default: 300_000,
    engines: kafka,
    withoutBrokers: "refused",
    doc: "how long Kafka may keep failing (unreachable, or not ready) with the run making no progress before it gives up, counted from the first failure since its last commit or idle round (Kafka Streams' `task.timeout.ms`); shorter outages are ridden out ([Broker outages](kafka.md#broker-outages)); 0: give up at the first such failure",
  },
} as const satisfies { readonly [K in SettingKey]: Setting<K> };

/** A setting of the table with its name, for code that goes through all of them. */
export interface NamedSetting {
  readonly key: SettingKey;
  readonly of: SettingPlace;
  readonly env?: `WEIR_${string}`;
  readonly flag?: SettingFlag;
  readonly type: SettingType<unknown>;
  readonly default?: unknown;
  readonly serviceDefault?: unknown;
  readonly defaultDoc?: string;
  readonly engines: readonly EngineName[];
  readonly withoutBrokers?: "refused";
  readonly doc: string;
}

/** The table in its order. */
export const settingList: readonly NamedSetting[] = Object.entries(settingsTable).map(([key, setting]) => ({ key: key as SettingKey, ...setting }));

/** One setting of the table, with its name. */
export function namedSetting(key: SettingKey): NamedSetting {
  return settingList.find((setting) => setting.key === key)!;
}

// ------------------------------------------------------------------ defaults

/** The run options with the table's defaults where they are not given. */
export function withRunDefaults<T extends RunOptions>(options: T): T {
  return {
    ...options,
    follow: options.follow ?? settingsTable.follow.default,
    commitIntervalMs: options.commitIntervalMs ?? settingsTable.commitIntervalMs.default,
    pollIntervalMs: options.pollIntervalMs ?? settingsTable.pollIntervalMs.default,
  };
}

// ------------------------------------------------------------------ the environment

type Table = typeof settingsTable;
type ValueOfType<S> = S extends { readonly type: SettingType<infer T> } ? T : never;
type HasDefault<S> = S extends { readonly default: unknown } | { readonly serviceDefault: unknown } ? true : false;

/** The environment a service reads, as a zod shape: each variable of the table, with its default or optional. */
export type EnvironmentShape = {
  -readonly [K in keyof Table as Table[K] extends { readonly env: infer E extends string } ? E : never]: HasDefault<Table[K]> extends true
    ? z.ZodDefault<z.ZodType<ValueOfType<Table[K]>>>
    : z.ZodOptional<z.ZodType<ValueOfType<Table[K]>>>;
};

/** The zod schema of a service's environment (WEIR_* variables; others are ignored). */
export function environmentSchema(): z.ZodObject<EnvironmentShape> {
  const shape: Record<string, z.ZodType> = {};
  for (const setting of settingList) {
    if (setting.env === undefined) continue;
    const fallback = setting.serviceDefault ?? setting.default;
    shape[setting.env] = fallback === undefined ? setting.type.schema.optional() : setting.type.schema.default(fallback);
  }
  return z.object(shape) as unknown as z.ZodObject<EnvironmentShape>;
}

/** Options of the public API, as the settings give them. */
export type OptionsFromSettings = Partial<RunOptions & EmbeddedOptions & KafkaSettings>;

/**
 * The options that settings given somewhere (the environment, flags) stand
 * for, on one engine: the settings that apply to it and have a value (the
 * `sasl.*` ones gathered in `sasl`).
 */
export function optionsFor(engine: EngineName, valueOf: (setting: NamedSetting) => unknown): OptionsFromSettings {
  const options: Record<string, unknown> = {};
  for (const setting of settingList) {
    if (!setting.engines.includes(engine)) continue;
    const value = valueOf(setting);
    if (value === undefined) continue;
    const [name, inner] = setting.key.split(".") as [string, string | undefined];
    if (inner === undefined) options[name] = value;
    else options[name] = { ...(options[name] as object | undefined), [inner]: value };
  }
  return options as OptionsFromSettings;
}

/** The options that a service's parsed environment stands for, on one engine. */
export function optionsFromEnvironment(values: Readonly<Record<string, unknown>>, engine: EngineName): OptionsFromSettings {
  return optionsFor(engine, (setting) => (setting.env === undefined ? undefined : values[setting.env]));
}
