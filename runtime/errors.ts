// One error hierarchy for the runtime, rooted in WeirRuntimeError, so that a
// caller (the CLI, an embedding application) can tell weir's own failures from
// bugs with one `instanceof` and print them without a stack trace.

export class WeirRuntimeError extends Error {
  override readonly name: string = "WeirRuntimeError";
}

/** A state machine was asked for a transition its target state does not allow (a bug in weir, never a user error). */
export class IllegalStateTransitionError extends WeirRuntimeError {
  override readonly name: string = "IllegalStateTransitionError";
}

/** A topic the topology reads does not exist, or exists with a shape the topology cannot use. */
export class TopicError extends WeirRuntimeError {
  override readonly name: string = "TopicError";
}

/**
 * Another instance now owns a task's transactional id: this one must close the
 * task without committing (its work will be redone by the new owner).
 */
export class ProducerFencedError extends WeirRuntimeError {
  override readonly name: string = "ProducerFencedError";
}

/** The engine was used after `close()`, or asked to run twice at once. */
export class EngineStateError extends WeirRuntimeError {
  override readonly name: string = "EngineStateError";
}

/**
 * Kafka did not answer for longer than the run's outage limit (`brokerOutageMs`):
 * the run gave up. Its committed work stands; a new run goes on from it.
 */
export class BrokerOutageError extends WeirRuntimeError {
  override readonly name: string = "BrokerOutageError";
}
