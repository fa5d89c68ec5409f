// A compiled topology run as a service on Kafka: WEIR_BROKERS chooses the
// Kafka engine; the Kafka settings are validated with one line per problem.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readServiceSettings, runService, SettingsError } from "../../../runtime/service.ts";
import { countWords } from "../../runtime/fixtures/wordcount.ts";
import { BROKERS, connectBroker, countsByWord, createTopic, produceLines, readCommitted, uniqueName, wordcount, type Broker } from "../helpers.ts";
import { weir, wordcountFile } from "../src/weir-cli.ts";

let broker: Broker;
beforeAll(async () => {
  broker = await connectBroker();
});
afterAll(async () => {
  await broker?.close();
});

function problems(env: Record<string, string>): string[] {
  try {
    readServiceSettings(env);
  } catch (error) {
    if (error instanceof SettingsError) return error.message.split("\n").sort();
    throw error;
  }
  return [];
}

describe("service settings for Kafka", () => {
  it("WEIR_BROKERS alone is enough; the Kafka settings have defaults", () => {
    expect(readServiceSettings({ WEIR_BROKERS: "a:9092, b:9093" })).toMatchObject({
      WEIR_BROKERS: ["a:9092", "b:9093"],
      WEIR_GUARANTEE: "exactly_once",
      WEIR_TLS: false,
      WEIR_COMMIT_INTERVAL_MS: 100,
      WEIR_TRANSACTION_TIMEOUT_MS: 60000,
      WEIR_SESSION_TIMEOUT_MS: 10000,
      WEIR_HEARTBEAT_INTERVAL_MS: 3000,
      WEIR_REBALANCE_TIMEOUT_MS: 60000,
      WEIR_MAX_TASK_IDLE_MS: 500,
      WEIR_BROKER_OUTAGE_MS: 300000,
    });
  });

  it("WEIR_BROKER_OUTAGE_MS: whole milliseconds, 0 allowed (give up at the first failure), Kafka only", () => {
    expect(readServiceSettings({ WEIR_BROKERS: "a:9092", WEIR_BROKER_OUTAGE_MS: "0" })).toMatchObject({ WEIR_BROKER_OUTAGE_MS: 0 });
    expect(readServiceSettings({ WEIR_BROKERS: "a:9092", WEIR_BROKER_OUTAGE_MS: "60000" })).toMatchObject({ WEIR_BROKER_OUTAGE_MS: 60000 });
    expect(problems({ WEIR_BROKERS: "a:9092", WEIR_BROKER_OUTAGE_MS: "-1" })).toEqual(["WEIR_BROKER_OUTAGE_MS must be at least 0"]);
    expect(problems({ WEIR_BROKERS: "a:9092", WEIR_BROKER_OUTAGE_MS: "forever" })).toEqual(["WEIR_BROKER_OUTAGE_MS must be a number"]);
    expect(problems({ WEIR_DATA_DIR: "d", WEIR_BROKER_OUTAGE_MS: "1000" })).toEqual(["WEIR_BROKER_OUTAGE_MS is a Kafka setting: set WEIR_BROKERS too"]);
  });

  it("WEIR_BROKERS: every address host:port with a port from 1 to 65535", () => {
    for (const bad of ["notahost", "a:9092,b", "a:65536", "a:0", "[::1]:9092"]) {
      expect(problems({ WEIR_BROKERS: bad }), bad).toEqual(["WEIR_BROKERS must be host:port, several separated by commas (for example kafka-1:9092,kafka-2:9092)"]);
    }
    expect(readServiceSettings({ WEIR_BROKERS: "a:1,b.example.com:65535" })).toMatchObject({ WEIR_BROKERS: ["a:1", "b.example.com:65535"] });
  });

  it("WEIR_MAX_TASK_IDLE_MS: whole milliseconds, 0 allowed (never wait at an end), Kafka only", () => {
    expect(readServiceSettings({ WEIR_BROKERS: "a:9092", WEIR_MAX_TASK_IDLE_MS: "0" })).toMatchObject({ WEIR_MAX_TASK_IDLE_MS: 0 });
    expect(readServiceSettings({ WEIR_BROKERS: "a:9092", WEIR_MAX_TASK_IDLE_MS: "2000" })).toMatchObject({ WEIR_MAX_TASK_IDLE_MS: 2000 });
    expect(problems({ WEIR_BROKERS: "a:9092", WEIR_MAX_TASK_IDLE_MS: "-1" })).toEqual(["WEIR_MAX_TASK_IDLE_MS must be at least 0"]);
    expect(problems({ WEIR_BROKERS: "a:9092", WEIR_MAX_TASK_IDLE_MS: "soon" })).toEqual(["WEIR_MAX_TASK_IDLE_MS must be a number"]);
    expect(problems({ WEIR_DATA_DIR: "d", WEIR_MAX_TASK_IDLE_MS: "100" })).toEqual(["WEIR_MAX_TASK_IDLE_MS is a Kafka setting: set WEIR_BROKERS too"]);
  });

  it("the consumer-group timings: whole milliseconds, the heartbeat shorter than the session, Kafka only", () => {
    expect(readServiceSettings({ WEIR_BROKERS: "a:9092", WEIR_SESSION_TIMEOUT_MS: "30000", WEIR_HEARTBEAT_INTERVAL_MS: "10000", WEIR_REBALANCE_TIMEOUT_MS: "120000" })).toMatchObject({
      WEIR_SESSION_TIMEOUT_MS: 30000,
      WEIR_HEARTBEAT_INTERVAL_MS: 10000,
      WEIR_REBALANCE_TIMEOUT_MS: 120000,
    });
    expect(problems({ WEIR_BROKERS: "a:9092", WEIR_SESSION_TIMEOUT_MS: "6000", WEIR_HEARTBEAT_INTERVAL_MS: "6000" })).toEqual([
      "WEIR_HEARTBEAT_INTERVAL_MS (6000) must be shorter than WEIR_SESSION_TIMEOUT_MS (6000); a third of it is usual",
    ]);
    expect(problems({ WEIR_BROKERS: "a:9092", WEIR_REBALANCE_TIMEOUT_MS: "1.5", WEIR_SESSION_TIMEOUT_MS: "0" })).toEqual([
      "WEIR_REBALANCE_TIMEOUT_MS must be a whole number",
      "WEIR_SESSION_TIMEOUT_MS must be at least 1",
    ]);
    expect(problems({ WEIR_DATA_DIR: "d", WEIR_SESSION_TIMEOUT_MS: "30000" })).toEqual(["WEIR_SESSION_TIMEOUT_MS is a Kafka setting: set WEIR_BROKERS too"]);
  });

  it("says what to fix, one line per bad setting", () => {
    expect(
      problems({ WEIR_BROKERS: "localhost", WEIR_GUARANTEE: "twice", WEIR_TLS: "yes", WEIR_SASL_MECHANISM: "plain", WEIR_APPLICATION_ID: "a b" }),
    ).toEqual([
      "WEIR_APPLICATION_ID may contain only letters, digits, '.', '_' and '-'",
      "WEIR_BROKERS must be host:port, several separated by commas (for example kafka-1:9092,kafka-2:9092)",
      "WEIR_GUARANTEE must be exactly_once or at_least_once",
      "WEIR_SASL_PASSWORD is required with WEIR_SASL_MECHANISM",
      "WEIR_SASL_USERNAME is required with WEIR_SASL_MECHANISM",
      "WEIR_TLS must be true or false",
    ]);
    expect(problems({})).toEqual(["WEIR_DATA_DIR is required: the data folder of the embedded engine (or set WEIR_BROKERS to run on Kafka)"]);
    expect(problems({ WEIR_DATA_DIR: "d", WEIR_APPLICATION_ID: "x", WEIR_SASL_USERNAME: "u" })).toEqual([
      "WEIR_APPLICATION_ID is a Kafka setting: set WEIR_BROKERS too",
      "WEIR_SASL_MECHANISM is required with WEIR_SASL_USERNAME and WEIR_SASL_PASSWORD: plain, scram-sha-256 or scram-sha-512",
    ]);
  });
});

describe("runService on Kafka", () => {
  it("runs on Kafka when WEIR_BROKERS is set, under WEIR_APPLICATION_ID, until drained", async () => {
    const app = uniqueName("weir-test-service");
    const input = `${app}-lines`;
    const output = `${app}-counts`;
    await createTopic(broker, input, 2);
    const lines = ["to be or not to be", "that is the question"];
    await produceLines(broker, input, lines);

    const summary = await runService(wordcount("wordcount", input, output), {
      WEIR_BROKERS: BROKERS.join(","),
      WEIR_APPLICATION_ID: app,
      WEIR_FOLLOW: "false",
      WEIR_CLIENT_ID: "weir-service-test",
    });
    expect(summary).toMatchObject({ application: app, stoppedBy: "drained" });
    const sequences = countsByWord(await readCommitted(broker, output));
    expect(new Map([...sequences].map(([word, counts]) => [word, counts.at(-1)]))).toEqual(countWords(lines));
    expect(await broker.reader.topic(`${app}-words-repartition`)).toMatchObject({ partitions: 2 });
  });
});

describe("a compiled module run as a service on Kafka", () => {
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href;

  it("a missing source topic is one line, as in the CLI, exit code 1", () => {
    const app = uniqueName("weir-test-service-missing");
    const input = `${app}-lines`;
    const out = mkdtempSync(join(tmpdir(), "weir-kafka-service-"));
    expect(weir(["compile", wordcountFile(input, `${app}-counts`), "--out", out]).status).toBe(0);
    const result = spawnSync(process.execPath, ["--import", tsxLoader, join(out, "wordcount.ts")], {
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, WEIR_BROKERS: BROKERS.join(","), WEIR_APPLICATION_ID: app, WEIR_FOLLOW: "false" },
    });
    expect(result.stderr).toBe(`${app}: source topic "${input}" does not exist: create it first (for example with kafka-topics.sh --create --topic ${input})\n`);
    expect(result.status).toBe(1);
  });
});
