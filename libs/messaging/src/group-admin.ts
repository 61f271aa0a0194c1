/**
 * Consumer-group administration for operators' tools (replay's `reset-group`): describe a group,
 * read its committed offsets, move them. kafkajs stays behind this library.
 */
import type { Kafka } from 'kafkajs';
import { withAdmin } from './with-admin';

export interface ConsumerGroupMember {
  memberId: string;
  clientId: string;
  clientHost: string;
}

export interface ConsumerGroupInfo {
  groupId: string;
  /** Kafka's group state: `Empty`, `Stable`, `PreparingRebalance`, `CompletingRebalance`, `Dead` (unknown group) ... */
  state: string;
  protocolType: string;
  members: ConsumerGroupMember[];
}

export interface CommittedOffsets {
  topic: string;
  /** `offset` is `-1` where the group has committed nothing for the partition. */
  partitions: { partition: number; offset: string }[];
}

/** A group's state and members (an unknown group is reported as state `Dead` with no members). */
export async function describeConsumerGroup(kafka: Kafka, groupId: string): Promise<ConsumerGroupInfo> {
  return withAdmin(kafka, async (admin) => {
    const { groups } = await admin.describeGroups([groupId]);
    const g = groups.find((x) => x.groupId === groupId);
    if (!g) return { groupId, state: 'Dead', protocolType: '', members: [] };
    return {
      groupId,
      state: g.state,
      protocolType: g.protocolType,
      members: g.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost })),
    };
  });
}

/** True when the group has members (or is rebalancing): its offsets must not be moved. */
export function groupIsActive(info: Pick<ConsumerGroupInfo, 'state' | 'members'>): boolean {
  return info.members.length > 0 || (info.state !== 'Empty' && info.state !== 'Dead');
}

/** The group's committed offsets: of the given topics (full names), or of every topic it has committed on. */
export async function fetchCommittedOffsets(kafka: Kafka, groupId: string, topics: string[] = []): Promise<CommittedOffsets[]> {
  return withAdmin(kafka, async (admin) => {
    const res = await admin.fetchOffsets({ groupId, topics });
    return res
      .map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => ({ partition: p.partition, offset: p.offset })).sort((a, b) => a.partition - b.partition),
      }))
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  });
}

/**
 * Records a group has yet to process: per partition, the end offset minus the committed one, or
 * minus the start where the group has committed nothing (`-1`). So an empty partition, or one the
 * group never needed to commit on, counts 0: caught up is `committedLag(...) === 0`.
 */
export function committedLag(
  ends: readonly { partition: number; high: string; low: string }[],
  committed: readonly { partition: number; offset: string }[],
): number {
  const done = new Map(committed.map((p) => [p.partition, BigInt(p.offset)]));
  let lag = 0n;
  for (const p of ends) {
    const c = done.get(p.partition) ?? -1n;
    lag += BigInt(p.high) - (c >= 0n ? c : BigInt(p.low));
  }
  return Number(lag);
}

/** committedLag of a group on one topic (full name), read from Kafka. */
export async function groupLag(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  return withAdmin(kafka, async (admin) => {
    const [ends, groups] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    return committedLag(ends, groups[0]?.partitions ?? []);
  });
}

/**
 * Sets a group's committed offsets on one topic. The group must have no members: Kafka (and kafkajs)
 * refuse otherwise. The offset is the next record the group will read.
 */
export async function setConsumerGroupOffsets(
  kafka: Kafka,
  groupId: string,
  topic: string,
  partitions: { partition: number; offset: string }[],
): Promise<void> {
  if (partitions.length === 0) return;
  await withAdmin(kafka, (admin) => admin.setOffsets({ groupId, topic, partitions }));
}

/** Deletes groups (they must be empty). */
export async function deleteConsumerGroups(kafka: Kafka, groupIds: string[]): Promise<void> {
  if (groupIds.length === 0) return;
  await withAdmin(kafka, async (admin) => {
    await admin.deleteGroups(groupIds);
  });
}
