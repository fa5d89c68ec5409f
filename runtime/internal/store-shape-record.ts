// The shape record: what a changelog partition says about the shape its
// records were written in (docs/state.md, "Changing a topology that has state").
//
// - It is a record of the changelog itself, under a reserved key, so it lives
//   and dies with the state it describes: a compacted changelog keeps it (its
//   key is written once), deleting the changelog (`weir reset`) deletes it, and
//   both engines read it back through the one changelog reader.
// - A task writes it in its first commit when its partition has none, in the
//   same transaction as the store's records of that commit: under exactly-once
//   no record of the store is ever there without it (but for state written by
//   an earlier weir, see below). The embedded engine commits every task
//   together, so each partition records it at the first commit, an empty one
//   too; on Kafka a task commits once it has processed something, so a
//   partition no record has reached may have none.
// - Restoration skips it as state and checks the last one it read against the
//   shape the topology declares: a different fingerprint stops the start with a
//   StoreShapeError before any record is processed.
// - A partition with state but no shape record was written by a weir that did
//   not record shapes (or by a topology built without them, which never checks
//   them): it is refused as a changed shape is. That weir also partitioned
//   string keys otherwise (as JSON text, docs/language.md "Keys"), so its state
//   may sit in other partitions than its keys' now: taking it as it is would
//   count some keys from zero again. A reset, once, recomputes it.
import type { StoreShape } from "../store-shape.ts";
import { shapeChange } from "../store-shape.ts";
import { StoreShapeError } from "../errors.ts";

/**
 * The changelog key of the shape record. Every key a store writes is JSON
 * text (state-store.ts), and JSON text never starts with `@`: no store key
 * can be this one.
 */
export const SHAPE_RECORD_KEY = "@weir/store-shape";

/**
 * The header that marks a shape record to anyone reading a changelog with
 * decoded keys (a user's string key `"@weir/store-shape"` decodes to the same
 * text): `weir consume` shows it, TopologyTestDriver.readTable skips it.
 */
export const SHAPE_RECORD_HEADERS = { "weir-record": "store-shape" } as const;

/** Bumped when the record's layout changes; a record of a later version is refused, not misread. */
const SHAPE_RECORD_VERSION = 1;

interface ShapeRecordValue {
  readonly version: number;
  readonly store: string;
  readonly shape: StoreShape;
}

/** The shape record's value for a store: JSON text. */
export function shapeRecordValue(store: string, shape: StoreShape): string {
  const value: ShapeRecordValue = { version: SHAPE_RECORD_VERSION, store, shape };
  return JSON.stringify(value);
}

/** Reads a shape record back; one that cannot be read refuses the start as a changed shape would. */
export function readShapeRecord(store: string, value: Buffer | null): StoreShape {
  let parsed: Partial<ShapeRecordValue> | undefined;
  try {
    parsed = value === null ? undefined : (JSON.parse(value.toString("utf8")) as Partial<ShapeRecordValue>);
  } catch {
    parsed = undefined;
  }
  if (parsed?.version !== undefined && parsed.version > SHAPE_RECORD_VERSION) {
    throw new StoreShapeError(store, `by a later weir (its shape record has version ${parsed.version}; this weir reads version ${SHAPE_RECORD_VERSION})`);
  }
  const shape = parsed?.shape;
  if (parsed?.version !== SHAPE_RECORD_VERSION || typeof shape?.fingerprint !== "string" || typeof shape.kind !== "string") {
    throw new StoreShapeError(store, "with a shape record this weir cannot read");
  }
  return shape;
}

/** Refuses a store whose recorded shape is not the declared one. */
export function checkRecordedShape(store: string, declared: StoreShape, recorded: StoreShape): void {
  const change = shapeChange(recorded, declared);
  if (change !== undefined) throw new StoreShapeError(store, change);
}
