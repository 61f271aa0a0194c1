import path from 'node:path';
import { MODEL_VERSIONS } from '@vigil/risk-engine';
import type { CommandSpec, Opts } from '../cli/args';
import type { ReplayContext } from '../context';
import { serializeEvent } from '../events/events';
import { openNdjson, type NdjsonWriter } from '../io/ndjson';
import { ComparisonTotals, comparePatient } from '../rescore/compare';
import { finishCompare, outputNames } from '../rescore/finish';
import { runScoring } from '../rescore/pipeline';
import { makeManifest, writeManifest } from '../shards/manifest';
import { PARALLEL_OPTIONS, parallelRun } from '../shards/options';
import { FILTER_OPTIONS, parseModel, parseScoringRun, RANGE_OPTIONS, SCORING_OPTIONS, SOURCE_OPTIONS, summaryContext } from './common';

export const compareSpec: CommandSpec = {
  name: 'compare',
  summary: 'score a range with two model versions and compare their alerts and lead times',
  description: `
Reads the check-ins of [--from, --to) once and scores them with --a and --b (each with fresh state,
as rescore does). Alerts are matched on their cause: patient, rule code and triggering check-in
(or the silence, for missed check-ins). Lead time: per patient alerted by both, B's first alert
minus A's first alert in hours (positive: A warned earlier), for any rule and per rule.

Writes to --out: only-<a>.ndjson and only-<b>.ndjson (alert.raised events), both.ndjson (matched
pairs), lead-times.ndjson (per patient and rule) and summary.json; prints both models' summaries and
the comparison table. Byte-identical for the same input, for any --workers N (or --shard i/N and
replay merge).`,
  options: [
    { name: 'a', type: 'string', required: true, choices: MODEL_VERSIONS, description: 'model version A (for example the live one)' },
    { name: 'b', type: 'string', required: true, choices: MODEL_VERSIONS, description: 'model version B (the candidate)' },
    ...RANGE_OPTIONS,
    ...FILTER_OPTIONS,
    ...SOURCE_OPTIONS,
    ...SCORING_OPTIONS,
    ...PARALLEL_OPTIONS,
  ],
  examples: ['replay compare --a static-v0 --b v1 --from 2026-01-01 --to 2026-02-01 --warmup 14d --out out/v0-vs-v1'],
};

export async function runCompare(ctx: ReplayContext, o: Opts): Promise<void> {
  const a = parseModel(o, 'a');
  const b = parseModel(o, 'b');
  if (a === b) throw o.usage('--a and --b must be different model versions');
  const run = parseScoringRun(o);
  if (run.dir === '-') throw o.usage('--out - is for rescore --input - (the Spark job); compare writes to a directory');
  const parallel = await parallelRun(ctx, o, compareSpec, 'compare', run);
  if (parallel === null) return;
  const { dir, gzip, ext } = run;

  const writers: NdjsonWriter[] = [];
  const open = async (name: string) => {
    const w = await openNdjson(path.join(dir, `${name}${ext}`), { gzip, stdout: ctx.io.stdout });
    writers.push(w);
    return w;
  };
  try {
    const [onlyA, onlyB, both, leads] = await Promise.all(outputNames('compare', [a, b]).map(open));
    const totals = new ComparisonTotals();
    const write = async (w: NdjsonWriter, line: string) => {
      const p = w.write(line);
      if (p) await p;
    };
    const result = await runScoring(ctx, { ...run, models: [a, b], keepAlertEvents: true, ...parallel }, async (tenantId, patientId, outputs) => {
      const alertsA = outputs.get(a)?.alertEvents ?? [];
      const alertsB = outputs.get(b)?.alertEvents ?? [];
      if (alertsA.length === 0 && alertsB.length === 0) return;
      const c = comparePatient(tenantId, patientId, alertsA, alertsB);
      totals.add(c, alertsA.length > 0, alertsB.length > 0);
      for (const e of c.onlyA) await write(onlyA, serializeEvent(e));
      for (const e of c.onlyB) await write(onlyB, serializeEvent(e));
      for (const row of c.both) await write(both, JSON.stringify(row));
      for (const row of c.leads) await write(leads, JSON.stringify(row));
    });
    for (const w of writers) await w.close();
    const sc = summaryContext(run, result.source);
    await finishCompare(ctx, dir, { a, b }, result.stats, totals, sc);
    if (parallel.shard) {
      const shard = { index: parallel.shard.index, count: parallel.shard.count };
      await writeManifest(
        dir,
        makeManifest({ command: 'compare', shard, models: [a, b], ext, summaryContext: sc, stats: result.stats.snapshot(), comparison: totals.snapshot() }),
      );
    }
    ctx.note(`wrote ${writers.map((w) => `${w.target} (${w.lines})`).join(', ')} and ${path.join(dir, 'summary.json')}`);
  } catch (e) {
    for (const w of writers) await w.abort().catch(() => undefined);
    throw e;
  }
}
