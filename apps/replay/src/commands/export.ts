import type { CommandSpec, Opts } from '../cli/args';
import { InterruptedError } from '../cli/errors';
import { iso } from '../cli/time';
import type { ReplayContext } from '../context';
import { fileSortKey, serializeEvent, STREAM_KINDS, type StreamKind } from '../events/events';
import { parseEventLine } from '../events/events';
import { rowsOf } from '../export/parquet-columns';
import { openNdjson, readNdjsonLines } from '../io/ndjson';
import { ParquetFile } from '../io/parquet';
import { lineSpool } from '../io/spool';
import { chooseSource, readRange } from '../sources/read';
import { readLines } from '../sources/read-lines';
import { FILTER_OPTIONS, parseFilter, parseLateGrace, parseRange, RANGE_OPTIONS, SOURCE_OPTIONS } from './common';

export const exportSpec: CommandSpec = {
  name: 'export',
  summary: 'write the check-ins, scores or alerts of a time range to NDJSON or Parquet',
  description: `
Reads one stream over [--from, --to) and writes one CloudEvent (structured JSON) per line, sorted by
tenant, patient, event time, check-in id and event id, duplicates written once: the same range gives
the same bytes from Kafka or from the archive, run after run.

Event time: a check-in's recordedAt (device time), a score's scored check-in time, an alert's
triggeredAt (or the time of an acknowledge / resolve).

From Kafka, offsets come from timestamps; reading stops at the end offsets captured at the start (or
earlier, past --to plus --late-grace) and never commits offsets for any group (a throwaway group is
used and deleted). The archive (Cassandra) holds check-ins only.

--format parquet writes flat rows for DuckDB, Spark or pandas instead: one row per observation of a
check-in, per score, per alert event (schema in the README), in the same order. --input FILE reads
an NDJSON file instead (an export, or rescore's risk-scores.ndjson or alerts.ndjson), e.g. to turn a
rescore's output into Parquet.`,
  options: [
    { name: 'stream', type: 'string', choices: STREAM_KINDS, default: 'checkins', description: 'what to export' },
    ...RANGE_OPTIONS,
    ...FILTER_OPTIONS,
    ...SOURCE_OPTIONS,
    { name: 'out', short: 'o', type: 'string', default: '-', valueName: 'FILE', description: 'output file; - for stdout. A .gz name means gzip' },
    { name: 'gzip', type: 'boolean', description: 'gzip the output file (adds .gz to the name if missing)' },
    {
      name: 'format',
      type: 'string',
      choices: ['ndjson', 'parquet'],
      default: 'ndjson',
      description: 'NDJSON CloudEvents, or Parquet rows (needs --out FILE)',
    },
    {
      name: 'input',
      type: 'string',
      valueName: 'FILE',
      description: 'events from an NDJSON file (an export or a rescore output) instead of Kafka or the archive',
    },
  ],
  examples: [
    'replay export --from 2026-01-01 --to 2026-02-01 --out checkins-jan.ndjson.gz',
    'replay export --stream alerts --from 2026-01-01 --to 2026-01-08 --tenant org-1 --out -',
    'replay export --source archive --from 2025-01-01 --to 2025-02-01 --patient p-123 --tenant org-1 -o p-123.ndjson',
    'replay export --from 2026-01-01 --to 2026-02-01 --format parquet --out checkins-jan.parquet',
    'replay export --stream alerts --input out/v1-jan/alerts.ndjson --from 2026-01-01 --to 2026-02-01 --format parquet --out alerts-v1-jan.parquet',
  ],
};

export async function runExport(ctx: ReplayContext, o: Opts): Promise<void> {
  const kind = (o.str('stream') ?? 'checkins') as StreamKind;
  const { from, to } = parseRange(o);
  const filter = parseFilter(o);
  const lateGraceMs = parseLateGrace(o);
  const asked = o.str('source') ?? 'auto';
  if (asked === 'archive' && kind !== 'checkins') throw o.usage(`the archive holds check-ins only; export ${kind} from Kafka (--source kafka or auto)`);
  const outName = o.str('out') ?? '-';
  if (outName === '-' && o.bool('gzip')) throw o.usage('--gzip needs an output file (--out FILE)');
  const parquet = o.str('format') === 'parquet';
  if (parquet && (outName === '-' || o.bool('gzip'))) throw o.usage('--format parquet needs --out FILE (Parquet compresses itself; no --gzip)');
  const inputName = o.str('input');

  const { source, reason } = inputName !== undefined ? { source: 'file', reason: `--input ${inputName}` } : await chooseSource(ctx, kind, from, asked);
  ctx.note(`export ${kind} ${iso(from)} -> ${iso(to)} from ${source} (${reason})`);
  const spool = lineSpool({ maxInMemory: ctx.config.REPLAY_SORT_MEMORY_EVENTS, tmpDir: ctx.config.REPLAY_TMP_DIR });
  try {
    const sink = (e: Parameters<typeof serializeEvent>[0], at: number) => spool.add(fileSortKey(e, at), serializeEvent(e));
    const read =
      inputName !== undefined
        ? await readLines(ctx, readNdjsonLines(inputName), inputName, { kind, from, to, filter }, sink, 'reading')
        : await readRange(ctx, { kind, from, to, filter, source: source as 'kafka' | 'archive', lateGraceMs }, sink);
    if (!read.complete) {
      throw new InterruptedError(`interrupted while reading: ${read.stats.events} events of the range read (${read.position}); nothing written`);
    }
    const out = parquet ? await ParquetFile.open(outName, kind) : await openNdjson(outName, { gzip: o.bool('gzip'), stdout: ctx.io.stdout });
    let duplicates = 0;
    let events = 0;
    try {
      ctx.progress.start('writing', spool.size);
      for await (const { key, item } of spool.drain({ dedupe: true, onDuplicate: () => void duplicates++ })) {
        events++;
        if (out instanceof ParquetFile) {
          out.add(rowsOf(kind, parseEventLine(item), item, Number(key.split('\u0000')[2])));
        } else {
          const p = out.write(item);
          if (p) await p;
        }
        ctx.progress.tick();
        if (ctx.signal.aborted)
          throw new InterruptedError(`interrupted while writing ${out.target}: ${events} of ${spool.size} events; the partial file was removed`);
      }
      await out.close();
      ctx.progress.done();
    } catch (e) {
      await out.abort();
      throw e;
    }
    const s = read.stats;
    const skipped = [
      s.outOfRange ? `${s.outOfRange} outside the range` : '',
      s.otherTypes ? `${s.otherTypes} of other event types` : '',
      s.filteredOut ? `${s.filteredOut} filtered out` : '',
      s.undecodable ? `${s.undecodable} not decodable` : '',
      duplicates ? `${duplicates} duplicates` : '',
    ].filter(Boolean);
    ctx.note(
      `exported ${events} ${kind} events${out instanceof ParquetFile ? ` (${out.rows} Parquet rows)` : ''} to ${out.target === '-' ? 'stdout' : out.target} from ${source}; ${s.scanned} ${source === 'kafka' ? 'records' : source === 'file' ? 'lines' : 'rows'} read${skipped.length ? `, skipped: ${skipped.join(', ')}` : ''}`,
    );
  } finally {
    await spool.dispose();
  }
}
