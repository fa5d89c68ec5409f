// Checks and creates the topics a topology needs before its tasks start:
//  - source topics must exist, and one sub-topology's sources must have the
//    same number of partitions (co-partitioning: task N reads partition N of each);
//  - repartition topics get as many partitions as the sub-topology writing
//    them has tasks (the max partition count of its sources), or, when read
//    beside source topics, their count; repartition topics read together get
//    the largest of their counts;
//  - changelog topics get one partition per task of the store's sub-topology;
//  - sink topics, if missing, get as many partitions as the sub-topology
//    writing them has tasks; the dead-letter topic, if missing, one;
//  - a sink that picks its topic per record can write to any topic that
//    exists and is not the application's own: those are listed at start and
//    after every commit (a topic is never created for a record: Kafka
//    Streams' TopicNameExtractor needs existing topics too).
// Key and value format names are recorded for sources and sinks, so that
// tools can print their records.
import { TopologyError, type SubTopology, type Topology } from "../topology/graph.ts";
import type { SinkNode, SourceNode } from "../topology/nodes.ts";
import { TopicError } from "../errors.ts";
import type { LogClient } from "./log-client.ts";

export interface TopicPlan {
  /** Partition count of every topic the application reads or writes. */
  readonly partitions: ReadonlyMap<string, number>;
  /** Number of tasks of each sub-topology, by sub-topology id. */
  readonly tasks: ReadonlyMap<number, number>;
  /** Other existing topics, by partition count, for sinks that pick their topic per record. */
  readonly pickable: Map<string, number>;
}

/**
 * Lists the topics a sink that picks its topic per record may write to
 * (nothing to do without such sinks), at most once per `minIntervalMs`.
 */
const lastRefresh = new WeakMap<TopicPlan, number>();

export async function refreshPickableTopics(topology: Topology, log: LogClient, plan: TopicPlan, minIntervalMs = 0): Promise<void> {
  if (!topology.nodes.some((node) => node.kind === "sink" && node.topicOf)) return;
  const now = Date.now();
  if (now - (lastRefresh.get(plan) ?? Number.NEGATIVE_INFINITY) < minIntervalMs) return;
  lastRefresh.set(plan, now);
  const topics = await log.topics();
  plan.pickable.clear();
  for (const topic of topics) if (!plan.partitions.has(topic.name)) plan.pickable.set(topic.name, topic.partitions);
}

export async function prepareTopics(
  topology: Topology,
  log: LogClient,
  /** Tells the user how to create a missing source topic. */
  missingSourceHint: (topic: string) => string,
): Promise<TopicPlan> {
  checkEachTopicHasOneSource(topology);
  const partitions = new Map<string, number>();

  for (const topic of new Set(topology.sourceTopics)) {
    const metadata = await log.topic(topic);
    if (!metadata) throw new TopicError(`source topic "${topic}" does not exist: ${missingSourceHint(topic)}`);
    partitions.set(topic, metadata.partitions);
  }

  // A repartition topic read beside source topics (a join after a rekey) is
  // partitioned like them, as Kafka Streams does for co-partitioning.
  for (const sub of topology.subtopologies) {
    const external = sub.sourceTopics.filter((topic) => partitions.has(topic));
    if (external.length === 0) continue;
    const count = Math.max(...external.map((topic) => partitions.get(topic)!));
    for (const topic of sub.sourceTopics) if (!partitions.has(topic)) partitions.set(topic, count);
  }

  // A repartition topic has as many partitions as its writer has tasks, and
  // the writer may itself read repartition topics: resolve them recursively.
  const writerOf = new Map<string, SubTopology>();
  for (const sub of topology.subtopologies) {
    for (const node of sub.nodes) if (node.kind === "sink" && node.topic !== undefined) writerOf.set(node.topic, sub);
  }
  const resolving = new Set<number>();
  const taskCount = (sub: SubTopology): number => {
    if (resolving.has(sub.id)) throw new TopologyError(`sub-topology ${sub.id} feeds itself through repartition topics`);
    resolving.add(sub.id);
    const counts = sub.sourceTopics.flatMap((topic) => {
      let count = partitions.get(topic);
      if (count === undefined) {
        const writer = writerOf.get(topic)!;
        // A foreign-key join's topics go both ways between two sub-topologies:
        // a topic written by a sub-topology being resolved takes its count from the other inputs.
        if (resolving.has(writer.id) && sub.sourceTopics.length > 1) return [];
        count = taskCount(writer);
        partitions.set(topic, count);
      }
      return [count];
    });
    resolving.delete(sub.id);
    if (counts.length === 0) throw new TopologyError(`sub-topology ${sub.id} feeds itself through repartition topics`);
    return Math.max(...counts);
  };
  // Repartition topics read together (a stream rekeyed to join a table made by
  // an aggregation: both arrive through repartition topics) are co-partitioned:
  // all get the largest count any of their writers needs, as in Kafka Streams.
  for (const sub of topology.subtopologies) {
    if (sub.sourceTopics.length < 2 || sub.sourceTopics.some((topic) => !writerOf.has(topic))) continue;
    const count = Math.max(...sub.sourceTopics.map((topic) => partitions.get(topic) ?? taskCount(writerOf.get(topic)!)));
    for (const topic of sub.sourceTopics) partitions.set(topic, count);
  }
  const tasks = new Map<number, number>();
  for (const sub of topology.subtopologies) tasks.set(sub.id, taskCount(sub));
  // Repartition topics read together, with no source topic beside them (a join
  // of two rekeyed streams), all get the largest count of their writers, so
  // that they are co-partitioned, as Kafka Streams does.
  for (const sub of topology.subtopologies) {
    if (sub.sourceTopics.length > 1 && sub.sourceTopics.every((topic) => writerOf.has(topic))) {
      for (const topic of sub.sourceTopics) partitions.set(topic, tasks.get(sub.id)!);
    }
  }

  for (const topic of topology.repartitionTopics) {
    const existing = await log.topic(topic);
    const needed = partitions.get(topic) ?? taskCount(writerOf.get(topic)!);
    if (existing && existing.partitions !== needed) {
      throw new TopicError(
        `repartition topic "${topic}" has ${existing.partitions} partition(s) but the topology needs ${needed}: ` +
          `did a source topic change its partition count since the application last ran?`,
      );
    }
    // Time-based retention goes by record timestamps, and repartitioned records
    // keep their input's: reprocessing old data (or any event time more than
    // retention.ms in the past) would let the broker delete them before the
    // downstream task reads them, a silent loss. So no time-based retention on
    // repartition topics, as in Kafka Streams (KIP-284).
    // Keys as the writing sinks encode them (the key encoding rule: text for string keys), so that tools print them right.
    const keyFormat = topology.nodes.find((node): node is SinkNode => node.kind === "sink" && node.internal && node.topic === topic)!.keyFormat.name;
    if (!existing) await log.createTopic({ name: topic, partitions: needed, keyFormat, valueFormat: "json", retentionMs: -1 });
    else await log.recordFormats(topic, { key: keyFormat, value: "json" });
    partitions.set(topic, needed);
  }

  for (const sub of topology.subtopologies) checkCopartitioned(sub, partitions);

  for (const sub of topology.subtopologies) {
    for (const store of sub.stores) {
      const existing = await log.topic(store.changelogTopic);
      const needed = tasks.get(sub.id)!;
      if (existing && existing.partitions !== needed) {
        throw new TopicError(`changelog topic "${store.changelogTopic}" has ${existing.partitions} partition(s) but store ${store.name} has ${needed} task(s)`);
      }
      if (!existing) await log.createTopic({ name: store.changelogTopic, partitions: needed, keyFormat: "json", valueFormat: "json", cleanupPolicy: "compact" });
      partitions.set(store.changelogTopic, needed);
    }
    for (const node of sub.nodes) {
      if (node.kind !== "sink" || node.internal || node.topic === undefined) continue;
      let existing = await log.topic(node.topic);
      if (!existing) {
        await log.createTopic({ name: node.topic, partitions: tasks.get(sub.id)!, keyFormat: node.keyFormat.name, valueFormat: node.valueFormat.name });
        existing = (await log.topic(node.topic))!;
      }
      await log.recordFormats(node.topic, { key: node.keyFormat.name, value: node.valueFormat.name });
      partitions.set(node.topic, existing.partitions);
    }
  }

  for (const node of topology.nodes) {
    if (node.kind === "source" && !node.internal) {
      await log.recordFormats(node.topic, { key: node.keyFormat.name, value: node.valueFormat.name });
    }
  }

  const dlq = topology.deadLetterTopic;
  if (!(await log.topic(dlq))) await log.createTopic({ name: dlq, partitions: 1, keyFormat: "string", valueFormat: "json" });
  partitions.set(dlq, (await log.topic(dlq))!.partitions);

  const plan: TopicPlan = { partitions, tasks, pickable: new Map() };
  await refreshPickableTopics(topology, log, plan);
  return plan;
}

/** Kafka Streams refuses two sources on one topic: a record would have two meanings. */
function checkEachTopicHasOneSource(topology: Topology): void {
  const seen = new Map<string, SourceNode>();
  for (const node of topology.nodes) {
    if (node.kind !== "source") continue;
    const other = seen.get(node.topic);
    if (other) throw new TopologyError(`topic "${node.topic}" is read by two sources, ${other.name} and ${node.name}: read it once and branch the stream`);
    seen.set(node.topic, node);
  }
}

function checkCopartitioned(sub: SubTopology, partitions: ReadonlyMap<string, number>): void {
  const counts = sub.sourceTopics.map((topic) => ({ topic, count: partitions.get(topic)! }));
  if (new Set(counts.map((c) => c.count)).size > 1) {
    const listed = counts.map((c) => `"${c.topic}" (${c.count})`).join(", ");
    throw new TopicError(
      `the source topics of sub-topology ${sub.id} must have the same number of partitions (co-partitioning), ` +
        `but they have: ${listed}`,
    );
  }
}
