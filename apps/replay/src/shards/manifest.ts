/**
 * `shard.json`: what a shard (`--shard i/N`) leaves beside its files for the merge: which shard, the
 * run it belongs to (every option that changes output), and its counts. Written last, so a shard
 * directory without it is unfinished.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ModelVersion } from '@vigil/risk-engine';
import { writeFileAtomic } from '../io/ndjson';
import type { ComparisonSnapshot } from '../rescore/compare';
import type { SummaryContext } from '../rescore/finish';
import type { RescoreStatsSnapshot } from '../rescore/rescorer';

export const MANIFEST = 'shard.json';
const FORMAT = 'vigil-replay-shard/1';

export interface ShardManifest {
  format: typeof FORMAT;
  command: 'rescore' | 'compare';
  shard: { index: number; count: number };
  models: ModelVersion[];
  /** `.ndjson` or `.ndjson.gz`. */
  ext: string;
  summaryContext: SummaryContext;
  stats: RescoreStatsSnapshot;
  comparison?: ComparisonSnapshot;
}

export function makeManifest(m: Omit<ShardManifest, 'format'>): ShardManifest {
  return { format: FORMAT, ...m };
}

export async function writeManifest(dir: string, m: ShardManifest): Promise<void> {
  await writeFileAtomic(path.join(dir, MANIFEST), `${JSON.stringify(m)}\n`);
}

export async function readManifest(dir: string): Promise<ShardManifest> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, MANIFEST), 'utf8');
  } catch {
    throw new Error(`${dir}: no ${MANIFEST} (not a finished shard)`);
  }
  const m = JSON.parse(text) as ShardManifest;
  if (m.format !== FORMAT) throw new Error(`${dir}/${MANIFEST}: not a replay shard manifest (format ${JSON.stringify(m.format)})`);
  return m;
}

/** Everything but the shard's own index and counts: must be the same in every shard of one run. */
export function runIdentity(m: ShardManifest): string {
  return JSON.stringify({ command: m.command, count: m.shard.count, models: m.models, ext: m.ext, summaryContext: m.summaryContext });
}
