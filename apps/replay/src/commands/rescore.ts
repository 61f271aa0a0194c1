import path from 'node:path';
import { MODEL_VERSIONS } from '@vigil/risk-engine';
import type { CommandSpec, Opts } from '../cli/args';
import type { ReplayContext } from '../context';
import { openNdjson, openTagged, type NdjsonWriter } from '../io/ndjson';
import { finishRescore } from '../rescore/finish';
import { runScoring } from '../rescore/pipeline';
import { makeManifest, writeManifest } from '../shards/manifest';
import { PARALLEL_OPTIONS, parallelRun } from '../shards/options';
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
scored, check-ins read). The same range, version and input give byte-identical files, for any
--workers N. --shard i/N runs one shard (its directory also gets shard.json); replay merge joins
the shards into the usual files.`,
  options: [
    { name: 'model', short: 'm', type: 'string', required: true, choices: MODEL_VERSIONS, description: 'risk engine version' },
    ...RANGE_OPTIONS,
    ...FILTER_OPTIONS,
    ...SOURCE_OPTIONS,
    ...SCORING_OPTIONS,
    ...PARALLEL_OPTIONS,
  ],
  examples: [
    'replay rescore --model v1 --from 2026-01-01 --to 2026-02-01 --out out/v1-jan',
    'replay rescore --model v1 --from 2026-01-01 --to 2026-02-01 --workers 2 --out out/v1-jan',
    'replay rescore --model v1 --from 2026-01-01 --to 2026-02-01 --shard 3/8 --out /shared/v1-jan/shard-3',
    'replay rescore --model static-v0 --from 2026-01-01 --to 2026-02-01 --warmup 14d --source archive --out out/v0-jan --gzip',
  ],
};

export async function runRescore(ctx: ReplayContext, o: Opts): Promise<void> {
  const model = parseModel(o, 'model');
  const run = parseScoringRun(o);
  const parallel = await parallelRun(ctx, o, rescoreSpec, 'rescore', run);
  if (parallel === null) return;
  const { dir, gzip, ext } = run;
  const tagged = dir === '-';

  const writers: NdjsonWriter[] = [];
  const open = async (name: string) => {
    const w = tagged ? openTagged(name, ctx.io.stdout) : await openNdjson(path.join(dir, `${name}${ext}`), { gzip, stdout: ctx.io.stdout });
    writers.push(w);
    return w;
  };
  try {
    const so = await open('risk-scores');
    const ao = await open('alerts');
    const result = await runScoring(ctx, { ...run, models: [model], ...parallel }, async (_tenant, _patient, outputs) => {
      const out = outputs.get(model);
      if (!out) return;
      const p = so.writeLines(out.scores);
      if (p) await p;
      const q = ao.writeLines(out.alerts);
      if (q) await q;
    });
    const sc = summaryContext(run, result.source);
    const manifest = makeManifest({
      command: 'rescore',
      shard: parallel.shard ? { index: parallel.shard.index, count: parallel.shard.count } : (parallel.inputShard ?? { index: 0, count: 1 }),
      models: [model],
      ext,
      summaryContext: sc,
      stats: result.stats.snapshot(),
    });
    await so.close();
    await ao.close();
    if (tagged) {
      // The Spark job merges these counts (a partition is a shard of the run).
      ctx.io.stdout.write(`shard\t${JSON.stringify(manifest)}\n`);
      return;
    }
    await finishRescore(ctx, dir, result.stats, sc);
    if (parallel.shard || parallel.inputShard) await writeManifest(dir, manifest);
    ctx.note(`wrote ${so.lines} scores to ${so.target}, ${ao.lines} alerts to ${ao.target}, summary to ${path.join(dir, 'summary.json')}`);
  } catch (e) {
    for (const w of writers) await w.abort().catch(() => undefined);
    throw e;
  }
}
