// Which failures the Kafka engine rides out as a broker outage (docs/kafka.md,
// "Broker outages"): kafkajs' own errors, built as kafkajs builds them, wrapped
// as its retrier and weir wrap them.
import { createRequire } from "node:module";
import kafkajs from "kafkajs";
import { describe, expect, it } from "vitest";
import { ProducerFencedError, TopicError, WeirRuntimeError } from "../../../runtime/errors.ts";
import { isBrokerUnavailable } from "../../../runtime/internal/kafka-log-client-impl.ts";

const { KafkaJSConnectionError, KafkaJSGroupCoordinatorNotFound, KafkaJSProtocolError, KafkaJSRequestTimeoutError } = kafkajs;
// Built as kafkajs' retrier builds them (its type declarations leave out the options).
type Wrapping = new (error: Error, options: object) => Error;
const KafkaJSNumberOfRetriesExceeded = kafkajs.KafkaJSNumberOfRetriesExceeded as unknown as Wrapping;
const KafkaJSNonRetriableError = kafkajs.KafkaJSNonRetriableError as unknown as Wrapping;
const { createErrorFromCode } = createRequire(import.meta.url)("kafkajs/src/protocol/error.js") as { createErrorFromCode: (code: number) => Error };

/** A broker's error answer, as kafkajs throws it. */
function answer(code: number): Error {
  return new KafkaJSProtocolError(createErrorFromCode(code));
}

describe("isBrokerUnavailable", () => {
  it("a broker that cannot be reached, however deep kafkajs wrapped it", () => {
    const refused = new KafkaJSConnectionError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:19092"), { code: "ECONNREFUSED" }));
    expect(isBrokerUnavailable(refused)).toBe(true);
    const retried = new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 20, retryTime: 500 });
    expect(isBrokerUnavailable(retried)).toBe(true);
    expect(isBrokerUnavailable(new KafkaJSNonRetriableError(retried, { cause: refused }))).toBe(true);
    expect(isBrokerUnavailable(new WeirRuntimeError('cannot join consumer group "app"', { cause: retried }))).toBe(true);
    expect(isBrokerUnavailable(new (KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error)("Failed to find group coordinator"))).toBe(true);
    expect(isBrokerUnavailable(new KafkaJSRequestTimeoutError("Request Fetch(key: 1, version: 11) timed out"))).toBe(true);
    expect(isBrokerUnavailable(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }))).toBe(true);
  });

  it("coordinators and leaders moving or loading, a transaction still ending, producer state lost with the log tail", () => {
    // NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS, NOT_LEADER_OR_FOLLOWER,
    // LEADER_NOT_AVAILABLE, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS, CONCURRENT_TRANSACTIONS, UNKNOWN_PRODUCER_ID
    for (const code of [16, 15, 14, 6, 5, 7, 19, 51, 59]) expect(isBrokerUnavailable(answer(code)), String(code)).toBe(true);
  });

  it("not: fencing, a bad request, weir's own errors", () => {
    // INVALID_PRODUCER_EPOCH, TOPIC_AUTHORIZATION_FAILED, INVALID_TXN_STATE
    for (const code of [47, 29, 48]) expect(isBrokerUnavailable(answer(code)), String(code)).toBe(false);
    expect(isBrokerUnavailable(new ProducerFencedError("producer fenced"))).toBe(false);
    expect(isBrokerUnavailable(new TopicError('source topic "x" does not exist'))).toBe(false);
    expect(isBrokerUnavailable(new TypeError("undefined is not a function"))).toBe(false);
  });
});
