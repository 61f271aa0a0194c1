/**
 * The last step of rescore and compare: summary.json and the tables. One place, so a single
 * process and the merge of shards (shards/merge.ts) write the same bytes.
 */
import path from 'node:path';
import type { ModelVersion } from '@vigil/risk-engine';
import type { ReplayContext } from '../context';
import { writeFileAtomic } from '../io/ndjson';
import { ComparisonTotals, formatComparison } from './compare';
import type { RescoreStats } from './rescorer';
import { formatSummary, summarise } from './summary';

/** What summarise() needs besides the counts (commands/common.ts summaryContext). */
export interface SummaryContext {
  from: number;
  to: number;
  warmupFrom: number | null;
  source: string;
  profiles: string;
  tenants: string[];
  patients: string[];
  engagement: boolean;
}

export async function finishRescore(ctx: ReplayContext, dir: string, stats: RescoreStats, sc: SummaryContext): Promise<void> {
  const summary = summarise('rescore', stats, sc);
  await writeFileAtomic(path.join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  ctx.out(formatSummary(summary));
}

export async function finishCompare(
  ctx: ReplayContext,
  dir: string,
  models: { a: ModelVersion; b: ModelVersion },
  stats: RescoreStats,
  totals: ComparisonTotals,
  sc: SummaryContext,
): Promise<void> {
  const { a, b } = models;
  const perModel = summarise('compare', stats, sc);
  const summary = {
    ...perModel,
    a,
    b,
    comparison: {
      onlyA: totals.onlyA,
      onlyB: totals.onlyB,
      both: totals.both,
      bothSeverityDiffers: totals.bothSeverityDiffers,
      patientsOnlyA: totals.patientsOnlyA,
      patientsOnlyB: totals.patientsOnlyB,
      patientsBoth: totals.patientsBoth,
      leadTimes: totals.leadStats(),
    },
  };
  await writeFileAtomic(path.join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  ctx.out(formatSummary(perModel));
  ctx.out(formatComparison(a, b, totals));
}

/** The NDJSON files each command writes, in the order it opens them. */
export function outputNames(command: 'rescore' | 'compare', models: readonly ModelVersion[]): string[] {
  return command === 'rescore' ? ['risk-scores', 'alerts'] : [`only-${models[0]}`, `only-${models[1]}`, 'both', 'lead-times'];
}
