/**
 * rescore and compare share this: choose the source, load profiles, read the range's check-ins
 * into an external sort by (tenant, patient, device time, check-in id, event id), then score whole
 * patients in chunks and hand the results on patient by patient, in file order, so writers stream
 * them.
 *
 * One thread. Scoring on worker threads was tried (same bytes out, chunks of whole patients): on
 * the shared 2-core machine each worker's start-up (SWC, contracts, Nest's swagger decorators) and
 * the structured clone of every check-in cost more than the parallel scoring gained.
 */
import type { VigilEvent } from '@vigil/contracts';
import type { ModelVersion } from '@vigil/risk-engine';
import { InterruptedError } from '../cli/errors';
import type { ReplayContext } from '../context';
import { fileSortKey, parseEventLine, serializeEvent, type EventFilter } from '../events/events';
import { SortSpool } from '../io/spool';
import { type RunPlan, type ShardSpec } from '../shards/shard';
import { chooseSource, readRange } from '../sources/read';
import { readLines } from '../sources/read-lines';
import { scoreChunk, type ModelLines, type PatientJob } from './chunk';
import { loadProfiles, type ProfileLoadStats, type ProfileSourceName } from './profiles';
import { RescoreStats, type CheckInInput } from './rescorer';

export interface ScoringOptions {
  models: readonly ModelVersion[];
  from: number;
  to: number;
  /** Check-ins from `from - warmupMs` build state; only [from, to) is written. */
  warmupMs: number;
  source: string;
  filter: EventFilter;
  profiles: ProfileSourceName;
  engagement: boolean;
  lateGraceMs: number;
  /** compare needs the alert events, not only their lines. */
  keepAlertEvents?: boolean;
  /** Only this shard's patients. */
  shard?: ShardSpec;
  /** The coordinator's plan (source and offsets), for a shard. */
  plan?: RunPlan;
  /** Check-ins from NDJSON lines (`--input`) instead of Kafka or the archive. */
  input?: { name: string; lines: AsyncIterable<string> };
}

export interface ScoringResult {
  stats: RescoreStats;
  /** `kafka`, `archive` or `file`. */
  source: string;
  sourceReason: string;
  profileStats: ProfileLoadStats;
}

export type PatientSink = (tenantId: string, patientId: string, outputs: Map<ModelVersion, ModelLines>) => void | Promise<void>;

/** Check-ins scored per chunk (whole patients): progress and interruption are checked between chunks. */
const CHUNK_CHECKINS = 2000;

export async function runScoring(ctx: ReplayContext, opts: ScoringOptions, onPatient: PatientSink): Promise<ScoringResult> {
  const readFrom = opts.from - opts.warmupMs;
  const { source, reason } = opts.input
    ? { source: 'file', reason: `--input ${opts.input.name}` }
    : opts.plan
      ? { source: opts.plan.source, reason: opts.plan.sourceReason }
      : await chooseSource(ctx, 'checkins', readFrom, opts.source);
  ctx.note(`source: ${source} (${reason})`);
  const { book, stats: profileStats } = await loadProfiles(ctx, opts.profiles, opts.filter, opts.plan?.patients);

  const stats = new RescoreStats(opts.models);
  // Events are held as the decoded objects and encoded only to spill or to break a tie of equal
  // keys (a duplicate): most ranges fit in memory and then no check-in is serialised and parsed
  // back. Spilled runs hold the same lines as export's (the item encoding decides ties either way).
  const spool = new SortSpool<VigilEvent>({
    maxInMemory: ctx.config.REPLAY_SORT_MEMORY_EVENTS,
    tmpDir: ctx.config.REPLAY_TMP_DIR,
    encode: serializeEvent,
    decode: parseEventLine,
  });
  try {
    const sink = (e: VigilEvent, at: number) => spool.add(fileSortKey(e, at), e);
    const request = { kind: 'checkins' as const, from: readFrom, to: opts.to, filter: opts.filter, shard: opts.shard };
    const read = opts.input
      ? await readLines(ctx, opts.input.lines, opts.input.name, request, sink, 'reading check-ins')
      : await readRange(
          ctx,
          { ...request, source: source as 'kafka' | 'archive', lateGraceMs: opts.lateGraceMs, range: opts.plan?.checkins ?? undefined },
          sink,
          'reading check-ins',
        );
    if (!read.complete) {
      throw new InterruptedError(`interrupted while reading check-ins: ${read.stats.events} read so far (${read.position}); nothing written`);
    }

    const settings = { models: opts.models, from: opts.from, to: opts.to, engagement: opts.engagement };
    ctx.progress.start(`scoring with ${opts.models.join(' and ')}`, spool.size, 'check-ins');
    let done = 0;
    let chunk: PatientJob[] = [];
    let chunkCheckIns = 0;
    const score = async (): Promise<void> => {
      if (chunk.length === 0) return;
      const r = scoreChunk(chunk, settings, opts.keepAlertEvents ?? false);
      stats.merge(r.stats);
      for (const p of r.patients) {
        if (p.models) await onPatient(p.tenantId, p.patientId, new Map(p.models));
      }
      done += chunkCheckIns;
      ctx.progress.tick(chunkCheckIns);
      chunk = [];
      chunkCheckIns = 0;
      if (ctx.signal.aborted) throw new InterruptedError(`interrupted while scoring: ${done} of ${spool.size} check-ins scored; nothing written`);
    };
    let prefix: string | null = null;
    let job: PatientJob | null = null;
    const close = async (): Promise<void> => {
      if (!job) return;
      chunk.push(job);
      chunkCheckIns += job.items.length;
      job = null;
      if (chunkCheckIns >= CHUNK_CHECKINS) await score();
    };
    const atOf = (key: string): number => Number(key.split('\u0000')[2]);
    const onDuplicate = (key: string): void => {
      stats.read++;
      stats.duplicates++;
      if (atOf(key) < opts.from) stats.warmup++;
    };
    for await (const { key, item } of spool.drain({ dedupe: true, onDuplicate })) {
      const a = key.indexOf('\u0000');
      const b = key.indexOf('\u0000', a + 1);
      const c = key.indexOf('\u0000', b + 1);
      const p = key.slice(0, b + 1);
      if (p !== prefix) {
        await close();
        prefix = p;
        const tenantId = key.slice(0, a);
        const patientId = key.slice(a + 1, b);
        job = { tenantId, patientId, items: [], versions: book.versions(tenantId, patientId) };
      }
      (job as PatientJob).items.push({ event: item, at: Number(key.slice(b + 1, c)) } satisfies CheckInInput);
    }
    await close();
    await score();
    ctx.progress.done();
    return { stats, source, sourceReason: reason, profileStats };
  } finally {
    await spool.dispose();
  }
}
