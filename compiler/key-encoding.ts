// How weir encodes a key on the topics whose bytes it chooses: repartition
// topics (group by, rekey before a join or a dedup, a grouped table), a
// foreign-key join's internal topics, and a sink's key (and value) without a
// declared format. One rule, by the key's type, decided here only
// (docs/language.md, "Keys"):
//
//   a string (or a string that may be null)  → its UTF-8 text, as Kafka Streams' Serdes.String()
//   anything else (numbers, records, lists…) → its JSON text
//
// So a string key written by weir is the same bytes as the same key written by
// any producer of text keys, and lands in the same partition (murmur2 of those
// bytes): a table grouped by a string is co-partitioned with a string-keyed
// topic. Every other value reads back from its JSON text as it was. A key of
// unknown type (from plain `json`) is JSON: only its type can tell a reader
// how to decode it, and the text `42` could be a string or a number.
// Null is no key at all: nullability does not change the encoding.
import { nonNull, type Type } from "./types.ts";

export type KeyEncoding = "string" | "json";

export function keyEncodingOf(type: Type): KeyEncoding {
  return nonNull(type).kind === "string" ? "string" : "json";
}
