#!/usr/bin/env node
// Waits until a Kafka broker answers real Kafka requests: admin listTopics, an
// OffsetFetch to its group coordinator, and a transaction's InitProducerId to
// its transaction coordinator.
//
//   node scripts/kafka-wait.mjs [--brokers host:port[,host:port]] [--timeout-ms N] [--pid PID]
//
// Exits 0 as soon as both succeed, 1 on timeout, and 1 early if --pid
// is given and that process has exited (the broker died during startup).
import kafkajs from "kafkajs";

const { Kafka, logLevel } = kafkajs;

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const brokers = arg("--brokers", process.env.WEIR_TEST_BROKERS ?? "127.0.0.1:9092")
  .split(",")
  .map((b) => b.trim())
  .filter(Boolean);
const timeoutMs = Number(arg("--timeout-ms", "90000"));
const pidArg = arg("--pid", undefined);
const pid = pidArg === undefined ? undefined : Number(pidArg);
const quiet = process.argv.includes("--quiet");

function alive(p) {
  try {
    process.kill(p, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const kafka = new Kafka({
  clientId: "weir-kafka-wait",
  brokers,
  connectionTimeout: 1000,
  requestTimeout: 3000,
  retry: { retries: 0 },
  logLevel: logLevel.NOTHING,
});

const started = Date.now();
let lastError = "";
while (Date.now() - started < timeoutMs) {
  if (pid !== undefined && !alive(pid)) {
    console.error(`kafka-wait: broker process ${pid} exited during startup`);
    process.exit(1);
  }
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
    // The group coordinator answers only once it has loaded __consumer_offsets
    // (created by this first group request on a new broker): wait for it too,
    // or a first consumer group request right after start fails.
    await admin.fetchOffsets({ groupId: "weir-kafka-wait", topics: [] });
    await admin.disconnect();
    // Likewise the transaction coordinator: a first transactional producer
    // creates and loads __transaction_state.
    const producer = kafka.producer({
      transactionalId: "weir-kafka-wait",
      idempotent: true,
      maxInFlightRequests: 1,
      // The client above fails fast (retries: 0) to poll; an idempotent producer must retry.
      retry: { retries: 5, initialRetryTime: 100 },
    });
    await producer.connect();
    const transaction = await producer.transaction();
    await transaction.abort();
    await producer.disconnect();
    if (!quiet) {
      console.log(`kafka-wait: broker ${brokers.join(",")} answered after ${Date.now() - started} ms`);
    }
    process.exit(0);
  } catch (err) {
    lastError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    await admin.disconnect().catch(() => {});
  }
  await sleep(500);
}
if (!quiet) {
  console.error(`kafka-wait: broker ${brokers.join(",")} not answering after ${timeoutMs} ms (last error: ${lastError})`);
}
process.exit(1);
