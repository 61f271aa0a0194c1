import path from 'node:path';
import { MODEL_VERSIONS } from '@vigil/risk-engine';
import type { CommandSpec, Opts } from '../cli/args';
import type { ReplayContext } from '../context';
import { openNdjson, writeFileAtomic, type NdjsonWriter } from '../io/ndjson';
import { runScoring } from '../rescore/pipeline';
import { formatSummary, summarise } from '../rescore/summary';
import { FILTER_OPTIONS, parseModel, parseScoringRun, RANGE_OPTIONS, SCORING_OPTIONS, SOURCE_OPTIONS, summaryContext } from './common';

export const rescoreSpec: CommandSpec = {
  name: 'rescore',
  summary: 'score a range of check-ins with a model version, writing scores, would-be alerts and a summary',
  description: `
Runs the risk engine's --model over the check-ins of [--from, --to) with fresh state, patient by
patient in device-time order (ties: check-in id), exactly as the live risk-scorer maps engine output
to events: the same event ids, times and data, so the files can be compared with what the scorer
published (replay export --stream scores). Invalid check-ins are skipped and duplicates scored once,
as live; patients with no profile are not scored (live parks them).

Writes to --out: risk-scores.ndjson and alerts.ndjson (CloudEvents, in export's order), and
summary.json; prints the summary table (alerts per 100 patient-days by rule and severity, patients
scored, check-ins read). The same range, version and input give byte-identical files.`,
  options: [
    { name: 'model', short: 'm', type: 'string', required: true, choices: MODEL_VERSIONS, description: 'risk engine version' },
    ...RANGE_OPTIONS,
    ...FILTER_OPTIONS,
    ...SOURCE_OPTIONS,
    ...SCORING_OPTIONS,
  ],
  examples: [
    'replay rescore --model v1 --from 2026-01-01 --to 2026-02-01 --out out/v1-jan',
    'replay rescore --model static-v0 --from 2026-01-01 --to 2026-02-01 --warmup 14d --source archive --out out/v0-jan --gzip',
  ],
};

export async function runRescore(ctx: ReplayContext, o: Opts): Promise<void> {
  const model = parseModel(o, 'model');
  const run = parseScoringRun(o);
  const { dir, gzip, ext } = run;

  const writers: NdjsonWriter[] = [];
  let scoresOut: NdjsonWriter | null = null;
  let alertsOut: NdjsonWriter | null = null;
  try {
    scoresOut = await openNdjson(path.join(dir, `risk-scores${ext}`), { gzip, stdout: ctx.io.stdout });
    writers.push(scoresOut);
    alertsOut = await openNdjson(path.join(dir, `alerts${ext}`), { gzip, stdout: ctx.io.stdout });
    writers.push(alertsOut);
    const so = scoresOut;
    const ao = alertsOut;
    const result = await runScoring(
      ctx,
      { ...run, models: [model] },
      async (_tenant, _patient, outputs) => {
        const out = outputs.get(model);
        if (!out) return;
        const p = so.writeLines(out.scores);
        if (p) await p;
        const q = ao.writeLines(out.alerts);
        if (q) await q;
      },
    );
    const summary = summarise('rescore', result.stats, summaryContext(run, result.source));
    await so.close();
    await ao.close();
    await writeFileAtomic(path.join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    ctx.out(formatSummary(summary));
    ctx.note(`wrote ${so.lines} scores to ${so.target}, ${ao.lines} alerts to ${ao.target}, summary to ${path.join(dir, 'summary.json')}`);
  } catch (e) {
    for (const w of writers) await w.abort().catch(() => undefined);
    throw e;
  }
}
