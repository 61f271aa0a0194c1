/**
 * Simulator CLI: generate a cohort file, evaluate alert quality over cohort files, or feed the
 * running services.
 *
 *   node -r ./tools/register.js apps/simulator/src/cli.ts <generate|evaluate|feed> [options]
 *
 * Exit codes: 0 done; 1 failed (an error, or a feed with rejected, conflicting or abandoned
 * check-ins); 2 usage error.
 */
import { writeFileSync } from 'fs';
import { parseArgs } from 'util';
import { devHs256Secret } from '@vigil/auth';
import { cohortToNdjson, readCohortFile, writeCohortFile } from './lib/cohort';
import { Evaluation, ReplayOrder, evaluateCohort, formatDifferences, formatEvaluation } from './lib/evaluate';
import { Feeder } from './lib/feed';
import { PRESETS, presetNamed } from './lib/params';
import { MAX_HISTORY_DAYS, historyUploads, planFeed, runLive } from './lib/run-feed';

export class UsageError extends Error {}

const USAGE = `Usage: cli.ts <command> [options]   (node -r ./tools/register.js apps/simulator/src/cli.ts ...)

Commands:
  generate   write a seeded synthetic cohort (patients, labelled episodes, check-ins) to a file
  evaluate   replay cohort files through static-v0, v1 and v2 and score the alerts against the labels
  feed       enrol a cohort through care-api and post its check-ins to ingest-api

Run "cli.ts <command> --help" for a command's options.
Exit codes: 0 done, 1 failed, 2 usage error.`;

const GENERATE_HELP = `Usage: cli.ts generate --out FILE [options]

  --out FILE        cohort file: NDJSON, gzip when it ends in .gz; "-" for stdout   (required)
  --seed S          seed (any string; default 42)
  --preset NAME     parameter set: ${Object.keys(PRESETS).join(' | ')} (default tuned)
  --patients N      patients (default 200)
  --days N          days per patient (default 90)
  --start DATE      first day, YYYY-MM-DD, UTC (default 2026-01-01)
  --org ORG         tenant of every patient (default org-demo)
  --teams A,B       care teams, assigned in turn (default team-a,team-b)

The same options give a byte-identical file.`;

const EVALUATE_HELP = `Usage: cli.ts evaluate --cohort FILE [--cohort FILE2 ...] [--json OUT] [--order device|sent] [--differences]

  --cohort FILE     a cohort file from "generate" (repeat to report several side by side)   (required)
  --json OUT        also write the results as JSON (with the differences, whether listed or not)
  --order           replay order: device (device time, default) or sent (as the server receives them)
  --differences     also list each episode that one model detected and the other missed, with the
                    detecting model's first alert

Prints per condition, for static-v0, v1 and v2: episodes, sensitivity (and its chance level on sham
windows), median lead time before the peak, false alerts per 100 patient-days, PPV; the burden per
100 patient-days by kind (risk, missed check-in, reminder); capacity mode (K = 3, 5, 10 contacts per
100 patients a day, by worklist rank or by alerts in arrival order); v2 against its targets.`;

const FEED_HELP = `Usage: cli.ts feed --ingest URL [options]

  --ingest URL      ingest-api base URL, e.g. http://127.0.0.1:3000   (required)
  --care URL        care-api base URL: enrol the patients first (PUT /v1/patients/{id})
  --patients N      patients (default 50)
  --seed S          seed (default 1)
  --preset NAME     parameter set (default tuned)
  --days N          days of history before today, 0 to ${MAX_HISTORY_DAYS} (default 20)
  --rate R          check-ins per second over all patients; 0 = unlimited (default 20)
  --concurrency N   requests in flight (default 8)
  --batch-backfill  send each patient's history as batches (default: as the phones sent it)
  --realtime        after the history, keep going live: each patient's next simulated day every
                    --interval seconds, device time = now (the history is then sent as batches)
  --interval S      seconds between one patient's live check-ins (default 30)
  --duration S      stop live mode after S seconds (default: until SIGINT/SIGTERM)
  --ledger FILE     NDJSON ledger of accepted checkInIds; an existing one is resumed from
  --org ORG         tenant (default org-demo)
  --teams A,B       care teams (default team-a,team-b)
  --max-attempts N  attempts per request before giving up (default 12)

Tokens are minted with AUTH_HS256_SECRET (the dev secret by default), AUTH_ISSUER, AUTH_AUDIENCE.
Progress goes to stderr. Exit 1 if any check-in was rejected, conflicted (409) or abandoned.`;

function int(name: string, v: string | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (!/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return Number(v);
}

function num(name: string, v: string | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || x < min || x > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}`);
  return x;
}

function teamsOf(v: string | undefined): string[] {
  const teams = (v ?? 'team-a,team-b')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (teams.length === 0) throw new UsageError('--teams needs at least one team');
  return teams;
}

function preset(v: string | undefined): ReturnType<typeof presetNamed> {
  try {
    return presetNamed(v ?? 'tuned');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

type OptionSpecs = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;
type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

function parse(args: string[], options: OptionSpecs): Values {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }).values as Values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const stdio: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

async function generate(args: string[], io: Io): Promise<number> {
  const v = parse(args, {
    out: { type: 'string' },
    seed: { type: 'string' },
    preset: { type: 'string' },
    patients: { type: 'string' },
    days: { type: 'string' },
    start: { type: 'string' },
    org: { type: 'string' },
    teams: { type: 'string' },
  });
  if (v.help) {
    io.out(`${GENERATE_HELP}\n`);
    return 0;
  }
  if (typeof v.out !== 'string') throw new UsageError('generate needs --out FILE (or --out - for stdout)');
  const start = (v.start as string | undefined) ?? '2026-01-01';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || Number.isNaN(Date.parse(`${start}T00:00:00Z`))) throw new UsageError('--start must be a date YYYY-MM-DD');
  const o = {
    seed: (v.seed as string | undefined) ?? '42',
    params: preset(v.preset as string | undefined),
    patients: int('patients', v.patients as string | undefined, 200, 1, 100_000),
    days: int('days', v.days as string | undefined, 90, 1, 3650),
    start,
    org: (v.org as string | undefined) ?? 'org-demo',
    teams: teamsOf(v.teams as string | undefined),
  };
  if (v.out === '-') {
    io.out(cohortToNdjson(o));
    return 0;
  }
  const t0 = Date.now();
  const r = await writeCohortFile(o, v.out);
  io.err(
    `wrote ${v.out}: ${o.patients} patients x ${o.days} days, ${r.checkIns} check-ins, ${r.episodes} episodes (seed ${o.seed}, preset ${o.params.name}) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  return 0;
}

async function evaluate(args: string[], io: Io): Promise<number> {
  const v = parse(args, { cohort: { type: 'string', multiple: true }, json: { type: 'string' }, order: { type: 'string' }, differences: { type: 'boolean' } });
  if (v.help) {
    io.out(`${EVALUATE_HELP}\n`);
    return 0;
  }
  const files = (v.cohort as string[] | undefined) ?? [];
  if (files.length === 0) throw new UsageError('evaluate needs --cohort FILE');
  const order = ((v.order as string | undefined) ?? 'device') as ReplayOrder;
  if (order !== 'device' && order !== 'sent') throw new UsageError('--order must be device or sent');
  const evaluations: (Evaluation & { file: string })[] = [];
  for (const file of files) {
    const cohort = await readCohortFile(file);
    const ev = evaluateCohort(cohort, { order });
    evaluations.push({ file, ...ev });
    io.out(`${formatEvaluation(ev)}\n\n`);
    if (v.differences === true) io.out(`${formatDifferences(ev)}\n\n`);
  }
  if (typeof v.json === 'string') {
    writeFileSync(v.json, `${JSON.stringify({ tool: 'vigil simulator evaluate', order, evaluations }, null, 2)}\n`);
    io.err(`wrote ${v.json}\n`);
  }
  return 0;
}

async function feed(args: string[], io: Io, signal?: AbortSignal): Promise<number> {
  const v = parse(args, {
    ingest: { type: 'string' },
    care: { type: 'string' },
    patients: { type: 'string' },
    seed: { type: 'string' },
    preset: { type: 'string' },
    days: { type: 'string' },
    rate: { type: 'string' },
    concurrency: { type: 'string' },
    'batch-backfill': { type: 'boolean' },
    realtime: { type: 'boolean' },
    interval: { type: 'string' },
    duration: { type: 'string' },
    ledger: { type: 'string' },
    org: { type: 'string' },
    teams: { type: 'string' },
    'max-attempts': { type: 'string' },
  });
  if (v.help) {
    io.out(`${FEED_HELP}\n`);
    return 0;
  }
  if (typeof v.ingest !== 'string' || !/^https?:\/\//.test(v.ingest)) throw new UsageError('feed needs --ingest http(s)://host:port');
  if (v.care !== undefined && !/^https?:\/\//.test(v.care as string)) throw new UsageError('--care must be an http(s) URL');
  const realtime = v.realtime === true;
  const durationS = v.duration === undefined ? null : num('duration', v.duration as string, 0, 0, 1e9);
  const cfg = {
    seed: (v.seed as string | undefined) ?? '1',
    params: preset(v.preset as string | undefined),
    patients: int('patients', v.patients as string | undefined, 50, 1, 100_000),
    days: int('days', v.days as string | undefined, 20, 0, MAX_HISTORY_DAYS),
    org: (v.org as string | undefined) ?? 'org-demo',
    teams: teamsOf(v.teams as string | undefined),
  };
  const feeder = new Feeder({
    ingestUrl: v.ingest,
    ...(v.care ? { careUrl: v.care as string } : {}),
    secret: devHs256Secret(process.env),
    ...(process.env['AUTH_ISSUER'] ? { issuer: process.env['AUTH_ISSUER'] } : {}),
    ...(process.env['AUTH_AUDIENCE'] ? { audience: process.env['AUTH_AUDIENCE'] } : {}),
    ratePerSecond: num('rate', v.rate as string | undefined, 20, 0, 1e6),
    concurrency: int('concurrency', v.concurrency as string | undefined, 8, 1, 1000),
    maxAttempts: int('max-attempts', v['max-attempts'] as string | undefined, 12, 1, 1000),
    ...(v.ledger ? { ledgerPath: v.ledger as string } : {}),
    log: (line) => io.err(`${line}\n`),
  });
  const intervalMs = num('interval', v.interval as string | undefined, 30, 0.05, 86_400) * 1000;
  await runFeedCommand(
    feeder,
    { ...cfg, realtime, batchBackfill: v['batch-backfill'] === true || realtime, intervalMs, durationMs: durationS === null ? null : durationS * 1000 },
    io,
    signal,
  );
  return feeder.clean() ? 0 : 1;
}

export interface FeedCommand {
  seed: string;
  params: ReturnType<typeof presetNamed>;
  patients: number;
  days: number;
  org: string;
  teams: string[];
  realtime: boolean;
  batchBackfill: boolean;
  intervalMs: number;
  durationMs: number | null;
}

/** Enrol, send the history, then (realtime) live until the duration or the signal. Used by feed and main.ts. */
export async function runFeedCommand(feeder: Feeder, c: FeedCommand, io: Io, signal?: AbortSignal): Promise<void> {
  const patients = planFeed({ seed: c.seed, params: c.params, patients: c.patients, days: c.days, org: c.org, teams: c.teams, nowMs: Date.now() });
  const history = patients.reduce((n, p) => n + p.history.length, 0);
  io.err(
    `[simulator] ${patients.length} patients (seed ${c.seed}, preset ${c.params.name}, org ${c.org}), ${history} check-ins over the last ${c.days} days\n`,
  );
  await feeder.open();
  try {
    await feeder.enrol(
      patients.map((p) => p.profile),
      new Map([[c.org, c.teams]]),
    );
    if (signal?.aborted) return;
    await feeder.send(historyUploads(patients, c.batchBackfill ? 'batched' : 'as-sent'), signal);
    if (c.realtime && !signal?.aborted) {
      io.err(`[simulator] history sent; live: each patient every ${c.intervalMs / 1000} s${c.durationMs === null ? '' : ` for ${c.durationMs / 1000} s`}\n`);
      const ac = new AbortController();
      const stop = (): void => ac.abort();
      signal?.addEventListener('abort', stop, { once: true });
      await runLive(feeder, patients, { intervalMs: c.intervalMs, durationMs: c.durationMs, signal: ac.signal });
      signal?.removeEventListener('abort', stop);
    }
  } finally {
    await feeder.close();
  }
}

export async function runCli(argv: string[], io: Io = stdio, signal?: AbortSignal): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'generate':
        return await generate(rest, io);
      case 'evaluate':
        return await evaluate(rest, io);
      case 'feed':
        return await feed(rest, io, signal);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.out(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    io.err(`error: ${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  const ac = new AbortController();
  const onSignal = (): void => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write('[simulator] stopping: finishing requests in flight (again to quit at once)\n');
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  runCli(process.argv.slice(2), stdio, ac.signal).then(
    (code) => {
      process.exitCode = code; // not process.exit: let piped stdout drain
    },
    (e: unknown) => {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
