// The Engine both engines are: it runs one topology at a time (a RunLoop over
// the engine's RunStrategy, run-loop.ts), any number of times, until closed.
// What differs between the engines is only the strategy it is given.
import type { Engine, RunOptions, RunSummary } from "../engine.ts";
import { EngineStateError } from "../errors.ts";
import type { Topology } from "../topology/graph.ts";
import type { LogClient } from "./log-client.ts";
import { RunLoop, type RunContext, type RunStrategy } from "./run-loop.ts";
import { StateMachine, type Transitions } from "./state-machine.ts";

export type EngineState = "IDLE" | "STARTING" | "RUNNING" | "STOPPING" | "CLOSED";

/** An engine runs one topology at a time, any number of times, until closed. */
export const ENGINE_TRANSITIONS: Transitions<EngineState> = {
  IDLE: ["STOPPING"],
  STARTING: ["IDLE"],
  RUNNING: ["STARTING"],
  STOPPING: ["STARTING", "RUNNING"],
  CLOSED: ["IDLE"],
};

export class EngineHost implements Engine {
  private readonly state = new StateMachine<EngineState>("engine", ENGINE_TRANSITIONS, "IDLE");
  private current: RunLoop | undefined;

  constructor(
    /** The log the runs read and write (the Kafka engine's is a KafkaLogClient). */
    private readonly log: LogClient,
    /** The engine's part of a run. */
    private readonly strategyFor: (run: RunContext) => RunStrategy,
    /** Releases what the engine owns (a database, a client), once closed. */
    private readonly onClose?: () => void | Promise<void>,
  ) {}

  get engineState(): EngineState {
    return this.state.state;
  }

  async run(topology: Topology, options: RunOptions = {}): Promise<RunSummary> {
    if (this.state.is("CLOSED")) throw new EngineStateError("the engine is closed");
    if (!this.state.is("IDLE")) throw new EngineStateError(`the engine is already running ${this.current?.application}`);
    // Built before the state moves: a bad option refuses the run and leaves the engine IDLE, ready for another.
    const run = new RunLoop(this.log, topology, options, this.strategyFor);
    this.state.transitionTo("STARTING");
    this.current = run;
    try {
      return await run.execute(() => this.state.transitionTo("RUNNING"));
    } finally {
      this.state.transitionTo("STOPPING");
      this.current = undefined;
      this.state.transitionTo("IDLE");
    }
  }

  async close(): Promise<void> {
    if (this.state.is("CLOSED")) return;
    const run = this.current;
    if (run) {
      run.requestStop();
      await run.finished.catch(() => {});
    }
    this.state.transitionTo("CLOSED");
    await this.onClose?.();
  }
}
