// Restores state stores from their changelog topics before their task
// processes anything. Each changelog partition goes REGISTERED → RESTORING →
// COMPLETED, as in Kafka Streams' StoreChangelogReader.
//
// Restoration reads from offset 0 up to the end offset taken when it starts.
// That end is stable because the engine fences earlier owners of the
// application (initTransactions) before restoring: nobody else can append.
//
// A partition's shape record is not state: it is checked against the shape
// the topology declares for the store, and a store written in another shape
// refuses the start (store-shape-record.ts).
import { WeirRuntimeError } from "../errors.ts";
import type { StoreShape } from "../store-shape.ts";
import { StoreShapeError } from "../errors.ts";
import { checkRecordedShape, readShapeRecord, SHAPE_RECORD_KEY } from "./store-shape-record.ts";
import type { LogClient, TopicPartition } from "./log-client.ts";
import type { InMemoryKeyValueStore } from "./state-store.ts";
import { StateMachine, type Transitions } from "./state-machine.ts";

export type ChangelogState = "REGISTERED" | "RESTORING" | "COMPLETED";

export const CHANGELOG_TRANSITIONS: Transitions<ChangelogState> = {
  REGISTERED: [],
  RESTORING: ["REGISTERED"],
  COMPLETED: ["RESTORING"],
};

export interface RestoreResult {
  readonly store: string;
  readonly changelog: TopicPartition;
  readonly records: number;
  readonly durationMs: number;
}

export interface ChangelogReader {
  register(store: InMemoryKeyValueStore, changelog: TopicPartition): void;
  /** Restores every registered changelog that is not yet COMPLETED. */
  restore(): Promise<RestoreResult[]>;
  state(changelog: TopicPartition): ChangelogState | undefined;
}

interface ChangelogMetadata {
  readonly store: InMemoryKeyValueStore;
  readonly changelog: TopicPartition;
  readonly state: StateMachine<ChangelogState>;
}

/** Records read per fetch while restoring. */
const RESTORE_BATCH = 5000;

export class StoreChangelogReader implements ChangelogReader {
  private readonly changelogs = new Map<string, ChangelogMetadata>();

  constructor(
    private readonly log: LogClient,
    private readonly logger: (message: string) => void = () => {},
  ) {}

  register(store: InMemoryKeyValueStore, changelog: TopicPartition): void {
    const id = `${changelog.topic}-${changelog.partition}`;
    if (this.changelogs.has(id)) throw new WeirRuntimeError(`changelog ${id} is registered twice`);
    this.changelogs.set(id, { store, changelog, state: new StateMachine(`changelog ${id}`, CHANGELOG_TRANSITIONS, "REGISTERED") });
  }

  state(changelog: TopicPartition): ChangelogState | undefined {
    return this.changelogs.get(`${changelog.topic}-${changelog.partition}`)?.state.state;
  }

  async restore(): Promise<RestoreResult[]> {
    const results: RestoreResult[] = [];
    for (const metadata of this.changelogs.values()) {
      if (metadata.state.is("COMPLETED")) continue;
      results.push(await this.restoreOne(metadata));
    }
    return results;
  }

  private async restoreOne({ store, changelog, state }: ChangelogMetadata): Promise<RestoreResult> {
    const started = performance.now();
    state.transitionTo("RESTORING");
    const [end] = await this.log.endOffsets([changelog]);
    let position = 0;
    let records = 0;
    // The last shape record read is the one in force.
    let recordedShape: StoreShape | undefined;
    // "At the end" is position >= end: the last offsets may be transaction
    // markers, which a fetch passes over without returning a record.
    while (position < end!) {
      const batch = await this.log.fetch(changelog, position, RESTORE_BATCH);
      if (batch.nextOffset <= position) {
        throw new WeirRuntimeError(`changelog ${changelog.topic}-${changelog.partition} ended at ${position} before its end offset ${end}`);
      }
      for (const record of batch.records) {
        if (record.offset >= end!) break;
        const key = record.key!.toString("utf8");
        if (key === SHAPE_RECORD_KEY) {
          recordedShape = readShapeRecord(store.name, record.value);
          continue;
        }
        store.restore(key, record.value === null ? null : record.value.toString("utf8"));
        records++;
      }
      position = batch.nextOffset;
    }
    // A topology built without shapes neither checks nor records them.
    if (store.shape && recordedShape) {
      checkRecordedShape(store.name, store.shape, recordedShape);
      store.shapeRecorded = true;
    } else if (store.shape && records > 0) {
      // Written by a weir that did not record shapes, which also partitioned string keys
      // otherwise (as JSON): its state may sit in other partitions than its keys' now.
      throw new StoreShapeError(store.name, `by an earlier weir, which did not record the shape of its stores (in ${changelog.topic}-${changelog.partition})`);
    }
    state.transitionTo("COMPLETED");
    const durationMs = performance.now() - started;
    if (records > 0) {
      this.logger(`restored ${records} record(s) into store ${store.name} from ${changelog.topic}-${changelog.partition} in ${durationMs.toFixed(1)} ms`);
    }
    return { store: store.name, changelog, records, durationMs };
  }
}
