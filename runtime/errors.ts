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
 * A store's changelog was written in another shape than the topology being
 * started declares for it (an aggregate field added, a window resized, ...):
 * the run is refused before it processes anything (docs/state.md). `change`
 * says what changed, following "store 'NAME' was written".
 */
export class StoreShapeError extends WeirRuntimeError {
  override readonly name: string = "StoreShapeError";

  constructor(
    readonly store: string,
    readonly change: string,
  ) {
    super(`store '${store}' was written ${change}`);
  }
}

/**
 * Kafka kept failing (unreachable, or not ready) for longer than the run's
 * outage limit (`brokerOutageMs`) with the run making no progress: the run
 * gave up. Its committed work stands; a new run goes on from it.
 */
export class BrokerOutageError extends WeirRuntimeError {
  override readonly name: string = "BrokerOutageError";
}

/** A store reset that cannot be done as asked (`weir reset --store`): an unknown store, or one that would empty stores not named. */
export class StoreResetError extends WeirRuntimeError {
  override readonly name: string = "StoreResetError";
}
