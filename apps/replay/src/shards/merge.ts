/**
 * The merge step: the shards of one run (each a directory with its files and shard.json) into the
 * usual files of rescore or compare, byte-identical to a single process's.
 */
import path from 'node:path';
import type { ReplayContext } from '../context';
import { openNdjson, readNdjsonLines, type NdjsonWriter } from '../io/ndjson';
import { ComparisonTotals } from '../rescore/compare';
import { finishCompare, finishRescore, outputNames } from '../rescore/finish';
import { RescoreStats } from '../rescore/rescorer';
import { readManifest, runIdentity, type ShardManifest } from './manifest';
import { mergeShardLines } from './merge-lines';
import { shardLabel } from './shard';

/** Reads and checks the manifests: one run, every shard 0..N-1 exactly once. Returns them in shard order. */
export async function readShardSet(dirs: readonly string[]): Promise<{ dir: string; manifest: ShardManifest }[]> {
  if (dirs.length === 0) throw new Error('no shard directories given');
  const shards = await Promise.all(dirs.map(async (dir) => ({ dir, manifest: await readManifest(dir) })));
  const first = shards[0].manifest;
  const identity = runIdentity(first);
  for (const s of shards) {
    if (runIdentity(s.manifest) !== identity)
      throw new Error(`${s.dir}: a shard of another run than ${shards[0].dir} (command, options or shard count differ)`);
  }
  const count = first.shard.count;
  const byIndex = new Map<number, { dir: string; manifest: ShardManifest }>();
  for (const s of shards) {
    const prev = byIndex.get(s.manifest.shard.index);
    if (prev) throw new Error(`${shardLabel(s.manifest.shard)} given twice: ${prev.dir} and ${s.dir}`);
    byIndex.set(s.manifest.shard.index, s);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length) throw new Error(`missing ${missing.map((i) => shardLabel({ index: i, count })).join(', ')}`);
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, s]) => s);
}

export async function mergeShards(ctx: ReplayContext, dirs: readonly string[], outDir: string): Promise<void> {
  const shards = await readShardSet(dirs);
  const m = shards[0].manifest;
  const labels = shards.map((s) => shardLabel(s.manifest.shard));
  const writers: NdjsonWriter[] = [];
  try {
    const names = outputNames(m.command, m.models);
    ctx.progress.start(`merging ${shards.length} shards`, names.length, 'files');
    for (const name of names) {
      const out = await openNdjson(path.join(outDir, `${name}${m.ext}`), { gzip: m.ext.endsWith('.gz'), stdout: ctx.io.stdout });
      writers.push(out);
      await mergeShardLines(
        shards.map((s) => readNdjsonLines(path.join(s.dir, `${name}${m.ext}`))),
        out,
        labels,
      );
      ctx.progress.tick();
    }
    const stats = new RescoreStats(m.models);
    for (const s of shards) stats.merge(s.manifest.stats);
    for (const w of writers) await w.close();
    ctx.progress.done();
    if (m.command === 'rescore') await finishRescore(ctx, outDir, stats, m.summaryContext);
    else {
      const totals = new ComparisonTotals();
      for (const s of shards) if (s.manifest.comparison) totals.merge(s.manifest.comparison);
      await finishCompare(ctx, outDir, { a: m.models[0], b: m.models[1] }, stats, totals, m.summaryContext);
    }
    ctx.note(`merged ${shards.length} shards into ${writers.map((w) => `${w.target} (${w.lines})`).join(', ')} and ${path.join(outDir, 'summary.json')}`);
  } catch (e) {
    for (const w of writers) await w.abort().catch(() => undefined);
    throw e;
  }
}
