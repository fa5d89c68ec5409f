// A second Kafka broker of a test's own, for tests that stop and start a
// broker (the shared one at WEIR_TEST_BROKERS must never be stopped): started
// by scripts/kafka-start.sh in a temporary folder on free ports, with the jars
// the first start fetched into .kafka/libs (KAFKA_LIBS overrides).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");

export interface PrivateBroker {
  /** `127.0.0.1:PORT`. */
  readonly address: string;
  /** Starts the broker (again), keeping its data; resolves once it answers. */
  start(): Promise<void>;
  /** SIGKILL (a crash: open transactions stay open, the log tail unflushed) or SIGTERM (a controlled shutdown). */
  stop(signal: "KILL" | "TERM"): Promise<void>;
  /** Stops it if running and deletes its folder. */
  remove(): Promise<void>;
}

/** A port nothing listens on now (the kernel's choice). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs a script to its end (kafka-start.sh returns once the broker answers), without blocking the test's own event loop. */
function script(name: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [join(root, "scripts", name)], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${name} failed (exit ${code}):\n${output}`))));
  });
}

/** Formats and starts a broker in a new temporary folder. */
export async function startPrivateBroker(): Promise<PrivateBroker> {
  const dir = mkdtempSync(join(tmpdir(), "weir-private-kafka-"));
  const port = await freePort();
  const controllerPort = await freePort();
  const env = { KAFKA_DIR: dir, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(controllerPort) };
  const broker: PrivateBroker = {
    address: `127.0.0.1:${port}`,
    start: () => script("kafka-start.sh", env),
    stop: (signal) => script("kafka-stop.sh", { ...env, KAFKA_STOP_SIGNAL: signal }),
    remove: async () => {
      try {
        await script("kafka-stop.sh", { ...env, KAFKA_STOP_SIGNAL: "KILL" });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  try {
    await script("kafka-start.sh", { ...env, KAFKA_CLEAN: "1" });
  } catch (error) {
    const log = (() => {
      try {
        return readFileSync(join(dir, "broker.log"), "utf8").slice(-3000);
      } catch {
        return "";
      }
    })();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\n${log}`);
  }
  return broker;
}
