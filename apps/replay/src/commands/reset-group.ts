import { createInterface } from 'node:readline';
import { TOPICS } from '@vigil/contracts';
import {
  describeConsumerGroup,
  fetchCommittedOffsets,
  groupIsActive,
  offsetsForTimestamp,
  setConsumerGroupOffsets,
  type ConsumerGroupInfo,
} from '@vigil/messaging';
import type { CommandSpec, Opts } from '../cli/args';
import { InterruptedError, RefusedError } from '../cli/errors';
import { iso, parseInstant } from '../cli/time';
import type { ReplayContext } from '../context';
import { table } from '../rescore/summary';

export const resetGroupSpec: CommandSpec = {
  name: 'reset-group',
  summary: "move a consumer group's committed offsets to a point in time",
  description: `
Sets --group's committed offset on each partition of its topics to the first record at or after
--to-time (the end of the partition if there is none), so that when the service starts again it
reprocesses from there. Only while the group has no active members: otherwise it refuses (exit 3).
Prints the plan (current and new offset, records to reprocess or skip per partition) and asks for
confirmation unless --yes; without a terminal and without --yes it refuses.

Topics: --topic (a stream name such as checkins or patients, which gets TOPIC_PREFIX, or a full topic
name); default every topic the group has committed offsets on.

Note for the risk-scorer's group: the scorer records in Cassandra (scorer_state) the offset it has
applied per patient and treats anything at or below it as a redelivery, so moving its group back
re-reads but does not recompute; that needs its state reset too (see apps/risk-scorer/README.md).`,
  options: [
    { name: 'group', short: 'g', type: 'string', required: true, valueName: 'ID', description: 'consumer group id (e.g. risk-scorer)' },
    { name: 'to-time', type: 'string', required: true, valueName: 'ISO', description: 'the instant to move to: 2026-01-01 or ISO-8601 with offset' },
    { name: 'topic', type: 'string', multiple: true, valueName: 'TOPIC', description: 'topics to move (stream name or full name); default all of the group' },
    { name: 'yes', short: 'y', type: 'boolean', description: 'do not ask for confirmation' },
    { name: 'dry-run', type: 'boolean', description: 'print the plan and change nothing' },
  ],
  examples: [
    'replay reset-group --group timeseries-writer --to-time 2026-01-15T00:00:00Z',
    'replay reset-group --group risk-scorer --topic checkins --to-time 2026-01-15 --dry-run',
  ],
};

const STREAM_NAMES: Record<string, string> = {
  checkins: TOPICS.checkins,
  patients: TOPICS.patients,
  scores: TOPICS.riskScores,
  alerts: TOPICS.alerts,
  audit: TOPICS.audit,
};

interface PlanRow {
  topic: string;
  partition: number;
  current: string;
  next: string;
  delta: bigint | null;
}

function membersText(g: ConsumerGroupInfo): string {
  const m = g.members.map((x) => `${x.clientId}@${x.clientHost}`).slice(0, 5);
  return `${g.members.length} active member(s)${m.length ? `: ${m.join(', ')}` : ''}, state ${g.state}`;
}

async function confirm(ctx: ReplayContext, question: string): Promise<boolean> {
  const rl = createInterface({ input: ctx.io.stdin, output: ctx.io.stderr });
  try {
    const answer = await new Promise<string | null>((resolve) => {
      const onAbort = () => resolve(null);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      rl.question(question, (a) => {
        ctx.signal.removeEventListener('abort', onAbort);
        resolve(a);
      });
      rl.once('close', () => resolve(null));
    });
    if (answer === null && ctx.signal.aborted) throw new InterruptedError('interrupted at the confirmation; nothing changed');
    return answer !== null && /^(y|yes)$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export async function runResetGroup(ctx: ReplayContext, o: Opts): Promise<void> {
  const groupId = o.req('group');
  const at = parseInstant(o.req('to-time'));
  if (at === null) throw o.usage('--to-time must be a date (2026-01-01) or an ISO-8601 instant with an offset');
  const topicsAsked = o.list('topic').map((t) => (STREAM_NAMES[t] ? ctx.topic(STREAM_NAMES[t]) : t));
  const kafka = ctx.kafka();

  const group = await describeConsumerGroup(kafka, groupId);
  if (groupIsActive(group)) {
    throw new RefusedError(`refusing to move group ${groupId}: it has ${membersText(group)}. Stop its consumers first. Nothing changed.`);
  }
  const committed = await fetchCommittedOffsets(kafka, groupId, topicsAsked);
  const topics = committed.filter((t) => topicsAsked.length > 0 || t.partitions.some((p) => p.offset !== '-1'));
  if (topics.length === 0) {
    throw new RefusedError(
      `group ${groupId} has no committed offsets${topicsAsked.length ? ` on ${topicsAsked.join(', ')}` : ''}; name the topics with --topic. Nothing changed.`,
    );
  }
  const plan: PlanRow[] = [];
  for (const t of topics) {
    const targets = await offsetsForTimestamp(kafka, t.topic, at);
    for (const target of targets) {
      const current = t.partitions.find((p) => p.partition === target.partition)?.offset ?? '-1';
      plan.push({
        topic: t.topic,
        partition: target.partition,
        current,
        next: target.offset,
        delta: current === '-1' ? null : BigInt(current) - BigInt(target.offset),
      });
    }
  }
  const rows = plan.map((r) => [
    r.topic,
    String(r.partition),
    r.current === '-1' ? '(none)' : r.current,
    r.next,
    r.delta === null ? '' : r.delta > 0n ? `reprocess ${r.delta}` : r.delta < 0n ? `skip ${-r.delta}` : 'unchanged',
  ]);
  ctx.out(`group ${groupId} (state ${group.state}): move to the first record at or after ${iso(at)}`);
  ctx.out(table(['topic', 'partition', 'current', 'new', 'change'], rows, [false, true, true, true, false]));
  const changes = plan.filter((r) => r.current !== r.next);
  if (changes.length === 0) {
    ctx.out('nothing to change');
    return;
  }
  if (o.bool('dry-run')) {
    ctx.out(`dry run: ${changes.length} partition(s) would change; nothing changed`);
    return;
  }
  if (!o.bool('yes')) {
    if (!ctx.io.stdin.isTTY || !ctx.io.isTTY) throw new RefusedError('not a terminal: pass --yes to apply the plan above. Nothing changed.');
    const ok = await confirm(ctx, `Move group ${groupId} on ${changes.length} partition(s)? [y/N] `);
    if (!ok) throw new RefusedError('not confirmed; nothing changed');
  }
  // Check again: a consumer may have joined while the plan was shown.
  const again = await describeConsumerGroup(kafka, groupId);
  if (groupIsActive(again)) throw new RefusedError(`refusing: group ${groupId} became active (${membersText(again)}). Nothing changed.`);
  for (const t of [...new Set(changes.map((r) => r.topic))]) {
    await setConsumerGroupOffsets(
      kafka,
      groupId,
      t,
      plan.filter((r) => r.topic === t).map((r) => ({ partition: r.partition, offset: r.next })),
    );
  }
  ctx.out(`moved group ${groupId} on ${changes.length} partition(s)`);
}
