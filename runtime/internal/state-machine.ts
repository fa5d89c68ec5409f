// The explicit state machines of the runtime (tasks, changelog restoration,
// transactions, the engine) share this: each state lists the states it may be
// entered from, as in Kafka Streams' Task.State, and any other transition throws.
import { IllegalStateTransitionError } from "../errors.ts";

/** For each state, the states it may be entered from. */
export type Transitions<S extends string> = { readonly [state in S]: readonly S[] };

export class StateMachine<S extends string> {
  private current: S;

  constructor(
    /** Names the owner in error messages, e.g. `task 0_1`. */
    private readonly owner: string,
    private readonly transitions: Transitions<S>,
    initial: S,
  ) {
    this.current = initial;
  }

  get state(): S {
    return this.current;
  }

  is(...states: S[]): boolean {
    return states.includes(this.current);
  }

  transitionTo(next: S): void {
    if (!this.transitions[next].includes(this.current)) {
      throw new IllegalStateTransitionError(
        `${this.owner}: illegal transition from ${this.current} to ${next} ` +
          `(${next} may only be entered from ${this.transitions[next].join(", ") || "nothing"})`,
      );
    }
    this.current = next;
  }

  /** Throws unless in one of `states`: for operations only valid in some states. */
  assertIn(operation: string, ...states: S[]): void {
    if (!this.is(...states)) {
      throw new IllegalStateTransitionError(`${this.owner}: cannot ${operation} in state ${this.current} (only in ${states.join(", ")})`);
    }
  }
}
