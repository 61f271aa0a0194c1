/**
 * Reading check-ins from NDJSON lines (an export file, or standard input: the Spark job pipes each
 * partition's lines into `replay rescore --input -`), filtered as a range read filters Kafka's.
 */
import type { VigilEvent } from '@vigil/contracts';
import type { ReplayContext } from '../context';
import { acceptsType, eventInstant, parseEventLine, passesFilter } from '../events/events';
import { shardOf } from '../shards/shard';
import type { EventSink, ReadOutcome, ReadRequest, ReadStats } from './read';

export async function readLines(
  ctx: ReplayContext,
  lines: AsyncIterable<string>,
  name: string,
  req: Omit<ReadRequest, 'source' | 'lateGraceMs' | 'range'>,
  sink: EventSink,
  label: string,
): Promise<Omit<ReadOutcome, 'source'>> {
  const stats: ReadStats = { scanned: 0, events: 0, outOfRange: 0, otherTypes: 0, filteredOut: 0, undecodable: 0, otherShards: 0 };
  ctx.progress.start(label, undefined, 'lines');
  let complete = true;
  for await (const line of lines) {
    if (ctx.signal.aborted) {
      complete = false;
      break;
    }
    stats.scanned++;
    ctx.progress.tick();
    let e: VigilEvent;
    try {
      e = parseEventLine(line);
    } catch {
      stats.undecodable++;
      continue;
    }
    if (!acceptsType(req.kind, e.type)) {
      stats.otherTypes++;
      continue;
    }
    const at = eventInstant(e);
    if (!(at >= req.from && at < req.to)) {
      stats.outOfRange++;
      continue;
    }
    if (!passesFilter(req.filter, e.tenantid, e.subject)) {
      stats.filteredOut++;
      continue;
    }
    if (req.shard && shardOf(e.subject, req.shard.count, req.shard.partitions) !== req.shard.index) {
      stats.otherShards++;
      continue;
    }
    stats.events++;
    const p = sink(e, at);
    if (p) await p;
  }
  ctx.progress.done(`${stats.events.toLocaleString('en-US')} in range`);
  return { complete, stats, position: `${name}: line ${stats.scanned}` };
}
