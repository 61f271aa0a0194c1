/**
 * The live demo feed (`npx nx serve simulator`, and the README's run-the-whole-system script):
 * waits for ingest-api and care-api, enrols a demo cohort (org `org-demo`, teams `team-a` and
 * `team-b` by default), backfills its last SIM_BACKFILL_DAYS days quickly as batches (as offline
 * phones do), then keeps going live: every SIM_INTERVAL_SECONDS each patient sends its next
 * simulated day with device time = now, so alerts appear on the dashboard as it runs.
 * Stops on SIGINT/SIGTERM after the requests in flight (the ledger, if any, is flushed).
 */
import { authEnv, intFromEnv, listFromEnv, loadConfigOrExit, z } from '@vigil/config';
import { devHs256Secret } from '@vigil/auth';
import { runFeedCommand } from './cli';
import { Feeder, waitForReady } from './lib/feed';
import { PRESETS, presetNamed } from './lib/params';
import { MAX_HISTORY_DAYS } from './lib/run-feed';

const url = z.string().regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL');

export const simulatorConfigSchema = z.object({
  SIM_INGEST_URL: url.default('http://127.0.0.1:3000'),
  SIM_CARE_URL: url.default('http://127.0.0.1:3001'),
  SIM_SEED: z.string().min(1).default('1'),
  SIM_PRESET: z.enum(Object.keys(PRESETS) as [string, ...string[]]).default('tuned'),
  SIM_PATIENTS: intFromEnv(1, 100_000).default(40),
  SIM_BACKFILL_DAYS: intFromEnv(0, MAX_HISTORY_DAYS).default(20),
  /** Seconds between one patient's live check-ins (one simulated day each). */
  SIM_INTERVAL_SECONDS: z.coerce.number().min(0.05).max(86_400).default(30),
  /** Check-ins per second over all patients (the backfill goes at this rate too). */
  SIM_RATE: z.coerce.number().min(0).max(1_000_000).default(20),
  SIM_CONCURRENCY: intFromEnv(1, 1000).default(8),
  SIM_ORG: z.string().min(1).default('org-demo'),
  SIM_TEAMS: listFromEnv.default(['team-a', 'team-b']),
  SIM_LEDGER: z.string().min(1).optional(),
  /** Stop after this many seconds of live mode; unset: run until stopped. */
  SIM_DURATION_SECONDS: z.coerce.number().min(0).optional(),
  /** How long to wait for both services to answer /health/ready. */
  SIM_WAIT_SECONDS: intFromEnv(0, 3600).default(180),
  AUTH_HS256_SECRET: authEnv.AUTH_HS256_SECRET,
  AUTH_ISSUER: authEnv.AUTH_ISSUER,
  AUTH_AUDIENCE: authEnv.AUTH_AUDIENCE,
  NODE_ENV: z.string().optional(),
});

export type SimulatorConfig = z.infer<typeof simulatorConfigSchema>;

async function main(): Promise<number> {
  const cfg = loadConfigOrExit(simulatorConfigSchema);
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const ac = new AbortController();
  const stop = (): void => {
    if (ac.signal.aborted) process.exit(130);
    log('[simulator] stopping: finishing requests in flight');
    ac.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  for (const u of [cfg.SIM_INGEST_URL, cfg.SIM_CARE_URL]) {
    if (!(await waitForReady(u, cfg.SIM_WAIT_SECONDS * 1000, log))) {
      log(`[simulator] ${u} did not become ready within ${cfg.SIM_WAIT_SECONDS} s`);
      return 1;
    }
  }
  const feeder = new Feeder({
    ingestUrl: cfg.SIM_INGEST_URL,
    careUrl: cfg.SIM_CARE_URL,
    secret: devHs256Secret({ NODE_ENV: cfg.NODE_ENV, AUTH_HS256_SECRET: cfg.AUTH_HS256_SECRET }),
    issuer: cfg.AUTH_ISSUER,
    audience: cfg.AUTH_AUDIENCE,
    ratePerSecond: cfg.SIM_RATE,
    concurrency: cfg.SIM_CONCURRENCY,
    ...(cfg.SIM_LEDGER ? { ledgerPath: cfg.SIM_LEDGER } : {}),
    log,
    progressEveryMs: 10_000,
  });
  await runFeedCommand(
    feeder,
    {
      seed: cfg.SIM_SEED,
      params: presetNamed(cfg.SIM_PRESET),
      patients: cfg.SIM_PATIENTS,
      days: cfg.SIM_BACKFILL_DAYS,
      org: cfg.SIM_ORG,
      teams: cfg.SIM_TEAMS,
      realtime: true,
      batchBackfill: true,
      intervalMs: cfg.SIM_INTERVAL_SECONDS * 1000,
      durationMs: cfg.SIM_DURATION_SECONDS === undefined ? null : cfg.SIM_DURATION_SECONDS * 1000,
    },
    { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
    ac.signal,
  );
  return feeder.clean() ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`[simulator] error: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
