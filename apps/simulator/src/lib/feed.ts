/**
 * Feeding the real services over HTTP, as phones and a care admin would: enrolment through
 * care-api (`PUT /v1/patients/{id}`, care-admin token), check-ins through ingest-api (one at a time,
 * or an offline queue through `/v1/check-ins:batch`) with one patient token per patient.
 *
 * Retries like a phone: on 503, 429, 5xx and network errors, after Retry-After when the server
 * gives one (else exponential backoff with jitter), always with the same checkInId and body.
 * A 202 (first or replayed) counts once: the ledger (NDJSON, one line per accepted checkInId) and
 * the counters are keyed by checkInId, and a ledger from an earlier run is read back so that a
 * restarted feed skips what was already accepted. A 409 (same id, another body) is a bug here and
 * is counted and reported, never retried.
 */
import { createWriteStream, existsSync, readFileSync, WriteStream } from 'fs';
import { once } from 'events';
import type { CheckIn, PatientProfileDto } from '@vigil/contracts';
import { MAX_BATCH_ITEMS } from '@vigil/contracts';
import { mintToken } from '@vigil/auth';
import { forEachLimit } from '@vigil/config';
import type { EnrolProfile } from './patient';

export interface FeedOptions {
  ingestUrl: string;
  /** Enrolment is skipped without it. */
  careUrl?: string;
  /** HS256 secret the services verify with (the dev secret locally). */
  secret: string;
  issuer?: string;
  audience?: string;
  /** Check-ins per second over all patients (a batch of n counts n); 0: unlimited. */
  ratePerSecond: number;
  /** Requests in flight at once (one per patient at most: a phone sends in order). */
  concurrency: number;
  /** Attempts per request before giving up. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  requestTimeoutMs: number;
  ledgerPath?: string;
  /** Progress and problems (stderr in the CLI). Never given values or notes: ids and counts only. */
  log: (line: string) => void;
  progressEveryMs: number;
}

export const DEFAULT_FEED_OPTIONS: Omit<FeedOptions, 'ingestUrl' | 'secret' | 'log'> = {
  ratePerSecond: 20,
  concurrency: 8,
  maxAttempts: 12,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  requestTimeoutMs: 15_000,
  progressEveryMs: 2000,
};

export interface FeedStats {
  enrolled: number;
  enrolFailed: number;
  /** Check-ins handed to the feeder. */
  submitted: number;
  /** Distinct checkInIds answered 202 (each once, whatever the retries). */
  accepted: number;
  /** Skipped: accepted before (earlier in this run, or by an earlier run whose ledger was read). */
  alreadyAccepted: number;
  /** A 202 for an id already counted (a retry after a lost answer): not counted again. */
  duplicateAcks: number;
  requests: number;
  retries: number;
  http429: number;
  http503: number;
  http5xx: number;
  networkErrors: number;
  /** 400 and other refusals: the simulator sent something the service rejects (a bug). */
  rejected: number;
  /** 409: the same checkInId with another body (a bug). */
  conflicts: number;
  /** Gave up after maxAttempts. */
  failed: number;
}

/** What a phone sends in one request: one check-in, or its offline queue as a batch. */
export interface Upload {
  patientId: string;
  tenantId: string;
  items: CheckIn[];
  batch: boolean;
}

export interface LedgerEntry {
  checkInId: string;
  patientId: string;
  recordedAt: string;
  receivedAt: string | null;
  attempts: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Retry-After as milliseconds (delta-seconds or an HTTP date), or null. */
export function parseRetryAfter(value: string | null, nowMs: number = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, 3_600_000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** Paces requests to a steady rate: each take(n) waits its turn. */
export class Pacer {
  private next = 0;
  constructor(private readonly perSecond: number) {}
  async take(n: number): Promise<void> {
    if (!(this.perSecond > 0)) return;
    const now = Date.now();
    const start = Math.max(now, this.next);
    this.next = start + (n * 1000) / this.perSecond;
    if (start > now) await sleep(start - now);
  }
}

interface BatchResult {
  index: number;
  status: number;
  body?: { receivedAt?: string; title?: string };
}

type Outcome = { kind: 'accepted'; receivedAt: string | null } | { kind: 'retry'; waitMs: number | null } | { kind: 'final'; reason: 'conflict' | 'rejected' };

export class Feeder {
  readonly stats: FeedStats = {
    enrolled: 0,
    enrolFailed: 0,
    submitted: 0,
    accepted: 0,
    alreadyAccepted: 0,
    duplicateAcks: 0,
    requests: 0,
    retries: 0,
    http429: 0,
    http503: 0,
    http5xx: 0,
    networkErrors: 0,
    rejected: 0,
    conflicts: 0,
    failed: 0,
  };
  private readonly o: FeedOptions;
  private readonly acceptedIds = new Set<string>();
  private readonly tokens = new Map<string, { token: string; renewAt: number }>();
  private readonly pacer: Pacer;
  private ledger: WriteStream | null = null;
  private progress: NodeJS.Timeout | null = null;
  private lastProgress = '';
  private readonly started = Date.now();

  constructor(options: Partial<FeedOptions> & Pick<FeedOptions, 'ingestUrl' | 'secret' | 'log'>) {
    this.o = { ...DEFAULT_FEED_OPTIONS, ...options };
    this.pacer = new Pacer(this.o.ratePerSecond);
  }

  /** Reads an earlier ledger (if any) and opens it for appending; starts progress lines. */
  async open(): Promise<void> {
    const path = this.o.ledgerPath;
    if (path) {
      if (existsSync(path)) {
        for (const line of readFileSync(path, 'utf8').split('\n')) {
          if (line.trim() === '') continue;
          try {
            const e = JSON.parse(line) as Partial<LedgerEntry>;
            if (typeof e.checkInId === 'string') this.acceptedIds.add(e.checkInId);
          } catch {
            // a line torn by a crash mid-write: ignore it (its check-in is re-sent, answered as a replay)
          }
        }
      }
      this.ledger = createWriteStream(path, { flags: 'a' });
      await once(this.ledger, 'open');
    }
    if (this.o.progressEveryMs > 0) {
      this.progress = setInterval(() => this.reportProgress(false), this.o.progressEveryMs);
      this.progress.unref();
    }
  }

  async close(): Promise<void> {
    if (this.progress) clearInterval(this.progress);
    this.progress = null;
    this.reportProgress(true);
    if (this.ledger) {
      const l = this.ledger;
      this.ledger = null;
      await new Promise<void>((resolve, reject) => l.end((e?: Error | null) => (e ? reject(e) : resolve())));
    }
  }

  /** Ids accepted so far (this run and the ledger read at open). */
  acceptedCount(): number {
    return this.acceptedIds.size;
  }

  isAccepted(checkInId: string): boolean {
    return this.acceptedIds.has(checkInId);
  }

  /** True when nothing went wrong: no give-ups, rejections or conflicts. */
  clean(): boolean {
    const s = this.stats;
    return s.failed === 0 && s.rejected === 0 && s.conflicts === 0 && s.enrolFailed === 0;
  }

  summary(): string {
    const s = this.stats;
    const secs = Math.max(0.001, (Date.now() - this.started) / 1000);
    return (
      `enrolled ${s.enrolled}${s.enrolFailed ? ` (failed ${s.enrolFailed})` : ''}; check-ins accepted ${s.accepted}/${s.submitted - s.alreadyAccepted}` +
      `${s.alreadyAccepted ? ` (+${s.alreadyAccepted} accepted before)` : ''} at ${(s.accepted / secs).toFixed(1)}/s; ` +
      `requests ${s.requests}, retries ${s.retries} (429: ${s.http429}, 503: ${s.http503}, 5xx: ${s.http5xx}, network: ${s.networkErrors}), ` +
      `duplicate 202s ${s.duplicateAcks}, rejected ${s.rejected}, conflicts ${s.conflicts}, gave up ${s.failed}`
    );
  }

  private reportProgress(force: boolean): void {
    const line = this.summary();
    if (!force && line === this.lastProgress) return;
    this.lastProgress = line;
    this.o.log(`[simulator] ${line}`);
  }

  private async token(sub: string, role: 'patient' | 'care-admin', org: string, teams?: string[]): Promise<string> {
    const key = `${role}|${org}|${sub}`;
    const cached = this.tokens.get(key);
    if (cached && cached.renewAt > Date.now()) return cached.token;
    const token = await mintToken(
      { sub, role, org, ...(teams ? { teams } : {}) },
      {
        secret: this.o.secret,
        expiresIn: '1h',
        ...(this.o.issuer ? { issuer: this.o.issuer } : {}),
        ...(this.o.audience ? { audience: this.o.audience } : {}),
      },
    );
    this.tokens.set(key, { token, renewAt: Date.now() + 50 * 60_000 });
    return token;
  }

  private backoff(attempt: number): number {
    const exp = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** Math.max(0, attempt - 1));
    // Jitter spreads retries of many phones (I/O timing only: never part of the generated data).
    return Math.round(exp * (0.5 + Math.random() * 0.5));
  }

  private async request(method: 'POST' | 'PUT', url: string, token: string, body: unknown): Promise<Response | Error> {
    this.stats.requests++;
    try {
      return await fetch(url, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.o.requestTimeoutMs),
      });
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  }

  /** Classifies a response that is not a success: retry (with the server's wait) or final. */
  private failureOf(res: Response | Error): Outcome {
    if (res instanceof Error) {
      this.stats.networkErrors++;
      return { kind: 'retry', waitMs: null };
    }
    const wait = parseRetryAfter(res.headers.get('retry-after'));
    if (res.status === 429) {
      this.stats.http429++;
      return { kind: 'retry', waitMs: wait };
    }
    if (res.status === 503) {
      this.stats.http503++;
      return { kind: 'retry', waitMs: wait };
    }
    if (res.status >= 500) {
      this.stats.http5xx++;
      return { kind: 'retry', waitMs: wait };
    }
    if (res.status === 409) return { kind: 'final', reason: 'conflict' };
    return { kind: 'final', reason: 'rejected' };
  }

  private async problemText(res: Response): Promise<string> {
    // Titles and field paths only: a validation detail could quote a value.
    try {
      const p = (await res.json()) as { title?: string; errors?: { path?: string }[] };
      const paths = (p.errors ?? [])
        .map((e) => e.path)
        .filter(Boolean)
        .join(', ');
      return `${res.status} ${p.title ?? ''}${paths ? ` (${paths})` : ''}`.trim();
    } catch {
      return String(res.status);
    }
  }

  private markAccepted(patientId: string, c: CheckIn, receivedAt: string | null, attempts: number): void {
    if (this.acceptedIds.has(c.checkInId)) {
      this.stats.duplicateAcks++;
      return;
    }
    this.acceptedIds.add(c.checkInId);
    this.stats.accepted++;
    if (this.ledger) {
      const entry: LedgerEntry = { checkInId: c.checkInId, patientId, recordedAt: c.recordedAt, receivedAt, attempts };
      this.ledger.write(`${JSON.stringify(entry)}\n`);
    }
  }

  private async waitBeforeRetry(attempt: number, waitMs: number | null): Promise<void> {
    this.stats.retries++;
    await sleep(waitMs ?? this.backoff(attempt));
  }

  /**
   * Enrols (or updates) each patient; retried like check-ins. care-api enrols only into registered
   * teams, so each organisation's teams are registered first (PUT /v1/teams/{id}, idempotent).
   */
  async enrol(profiles: readonly EnrolProfile[], teamsByOrg: ReadonlyMap<string, string[]>): Promise<void> {
    const care = this.o.careUrl;
    if (!care) return;
    const base = care.replace(/\/$/, '');
    const teamsOf = new Map<string, Set<string>>();
    for (const p of profiles) {
      const teams = teamsOf.get(p.tenantId) ?? new Set(teamsByOrg.get(p.tenantId) ?? []);
      teams.add(p.careTeamId);
      teamsOf.set(p.tenantId, teams);
    }
    const adminToken = (org: string) => this.token('simulator-admin', 'care-admin', org, [...(teamsOf.get(org) ?? [])]);
    const failedOrgs = new Set<string>();
    for (const [org, teams] of teamsOf) {
      for (const team of teams) {
        const ok = await this.putWithRetry(
          `${base}/v1/teams/${encodeURIComponent(team)}`,
          () => adminToken(org),
          { name: team },
          `registration of team ${team}`,
        );
        if (!ok) failedOrgs.add(org);
      }
    }
    await this.pool(profiles, async (p) => {
      if (failedOrgs.has(p.tenantId)) {
        this.stats.enrolFailed++;
        return;
      }
      const body: PatientProfileDto = {
        careTeamId: p.careTeamId,
        conditions: p.conditions,
        ...(p.dryWeightKg !== undefined ? { dryWeightKg: p.dryWeightKg } : {}),
        news2SpO2Scale: p.news2SpO2Scale,
        expectedCheckInIntervalHours: p.expectedCheckInIntervalHours,
      };
      const ok = await this.putWithRetry(
        `${base}/v1/patients/${encodeURIComponent(p.patientId)}`,
        () => adminToken(p.tenantId),
        body,
        `enrolment of ${p.patientId}`,
      );
      if (ok) this.stats.enrolled++;
      else this.stats.enrolFailed++;
    });
  }

  /** A PUT retried like check-ins (429, 503, network errors); false once refused or given up. */
  private async putWithRetry(url: string, token: () => Promise<string>, body: unknown, what: string): Promise<boolean> {
    for (let attempt = 1; attempt <= this.o.maxAttempts; attempt++) {
      const res = await this.request('PUT', url, await token(), body);
      if (!(res instanceof Error) && res.ok) return true;
      const f = this.failureOf(res);
      if (f.kind === 'final') {
        this.o.log(`[simulator] ${what} refused: ${res instanceof Error ? res.message : await this.problemText(res)}`);
        return false;
      }
      if (attempt < this.o.maxAttempts) await this.waitBeforeRetry(attempt, f.kind === 'retry' ? f.waitMs : null);
    }
    this.o.log(`[simulator] ${what}: gave up after ${this.o.maxAttempts} attempts`);
    return false;
  }

  /** Sends uploads in the given order, at most one in flight per patient, `concurrency` in all, at the set rate. */
  async send(uploads: readonly Upload[], signal?: AbortSignal): Promise<void> {
    const queue = [...uploads];
    const busy = new Set<string>();
    let active = 0;
    await new Promise<void>((resolve, reject) => {
      const pump = (): void => {
        if (signal?.aborted) queue.length = 0; // stop: let the requests in flight finish
        while (active < this.o.concurrency) {
          const i = queue.findIndex((u) => !busy.has(u.patientId));
          if (i < 0) break;
          const [u] = queue.splice(i, 1);
          busy.add(u.patientId);
          active++;
          this.sendUpload(u).then(() => {
            busy.delete(u.patientId);
            active--;
            pump();
          }, reject);
        }
        if (queue.length === 0 && active === 0) resolve();
      };
      pump();
    });
  }

  /** One upload: a single check-in, or a batch (split into requests of at most 100). */
  async sendUpload(u: Upload): Promise<void> {
    this.stats.submitted += u.items.length;
    const todo = u.items.filter((c) => {
      if (!this.acceptedIds.has(c.checkInId)) return true;
      this.stats.alreadyAccepted++;
      return false;
    });
    if (todo.length === 0) return;
    if (!u.batch && todo.length === 1) return this.sendOne(u, todo[0]);
    for (let i = 0; i < todo.length; i += MAX_BATCH_ITEMS) await this.sendBatch(u, todo.slice(i, i + MAX_BATCH_ITEMS));
  }

  private async sendOne(u: Upload, c: CheckIn): Promise<void> {
    const url = `${this.o.ingestUrl.replace(/\/$/, '')}/v1/check-ins`;
    let renewed = false;
    for (let attempt = 1; attempt <= this.o.maxAttempts; attempt++) {
      await this.pacer.take(1);
      const token = await this.token(u.patientId, 'patient', u.tenantId);
      const res = await this.request('POST', url, token, c);
      if (!(res instanceof Error) && res.status === 202) {
        let receivedAt: string | null = null;
        try {
          receivedAt = ((await res.json()) as { receivedAt?: string }).receivedAt ?? null;
        } catch {
          // the answer was cut: still a 202
        }
        this.markAccepted(u.patientId, c, receivedAt, attempt);
        return;
      }
      if (!(res instanceof Error) && res.status === 401 && !renewed) {
        renewed = true;
        this.tokens.delete(`patient|${u.tenantId}|${u.patientId}`);
        continue;
      }
      const f = this.failureOf(res);
      if (f.kind === 'final') return this.final(f.reason, u.patientId, c.checkInId, res);
      if (f.kind === 'retry' && attempt < this.o.maxAttempts) await this.waitBeforeRetry(attempt, f.waitMs);
    }
    this.stats.failed++;
    this.o.log(`[simulator] ${u.patientId} check-in ${c.checkInId}: gave up after ${this.o.maxAttempts} attempts`);
  }

  private async final(reason: 'conflict' | 'rejected', patientId: string, checkInId: string, res: Response | Error): Promise<void> {
    const text = res instanceof Error ? res.message : await this.problemText(res);
    if (reason === 'conflict') {
      this.stats.conflicts++;
      this.o.log(`[simulator] BUG: ${patientId} check-in ${checkInId} answered 409 (the id was used with another body): ${text}`);
    } else {
      this.stats.rejected++;
      this.o.log(`[simulator] BUG: ${patientId} check-in ${checkInId} refused: ${text}`);
    }
  }

  private async sendBatch(u: Upload, items: CheckIn[]): Promise<void> {
    const url = `${this.o.ingestUrl.replace(/\/$/, '')}/v1/check-ins:batch`;
    let pending = items;
    let renewed = false;
    for (let attempt = 1; attempt <= this.o.maxAttempts; attempt++) {
      await this.pacer.take(pending.length);
      const token = await this.token(u.patientId, 'patient', u.tenantId);
      const res = await this.request('POST', url, token, { items: pending });
      if (!(res instanceof Error) && res.status === 200) {
        let results: BatchResult[] | null;
        try {
          results = ((await res.json()) as { results?: BatchResult[] }).results ?? null;
        } catch {
          results = null;
        }
        if (!Array.isArray(results)) {
          // A cut answer: nothing is known, so all of it is sent again (replays are answered the same).
          this.stats.networkErrors++;
          if (attempt < this.o.maxAttempts) await this.waitBeforeRetry(attempt, null);
          continue;
        }
        const again: CheckIn[] = [];
        const seen = new Set<number>();
        for (const r of results) {
          const c = pending[r.index];
          if (c === undefined || seen.has(r.index)) continue;
          seen.add(r.index);
          if (r.status === 202) this.markAccepted(u.patientId, c, r.body?.receivedAt ?? null, attempt);
          else if (r.status === 429 || r.status === 503 || r.status >= 500) {
            if (r.status === 429) this.stats.http429++;
            else if (r.status === 503) this.stats.http503++;
            else this.stats.http5xx++;
            again.push(c);
          } else if (r.status === 409) {
            this.stats.conflicts++;
            this.o.log(`[simulator] BUG: ${u.patientId} check-in ${c.checkInId} answered 409 in a batch`);
          } else {
            this.stats.rejected++;
            this.o.log(`[simulator] BUG: ${u.patientId} check-in ${c.checkInId} refused in a batch: ${r.status} ${r.body?.title ?? ''}`.trim());
          }
        }
        // Items the answer did not mention are sent again.
        pending.forEach((c, i) => {
          if (!seen.has(i)) again.push(c);
        });
        if (again.length === 0) return;
        pending = again;
        if (attempt < this.o.maxAttempts) await this.waitBeforeRetry(attempt, parseRetryAfter(res.headers.get('retry-after')));
        continue;
      }
      if (!(res instanceof Error) && res.status === 401 && !renewed) {
        renewed = true;
        this.tokens.delete(`patient|${u.tenantId}|${u.patientId}`);
        continue;
      }
      const f = this.failureOf(res);
      if (f.kind === 'final') {
        const text = res instanceof Error ? res.message : await this.problemText(res);
        if (f.reason === 'conflict') this.stats.conflicts += pending.length;
        else this.stats.rejected += pending.length;
        this.o.log(`[simulator] BUG: a batch of ${pending.length} from ${u.patientId} was refused: ${text}`);
        return;
      }
      if (attempt < this.o.maxAttempts) await this.waitBeforeRetry(attempt, f.kind === 'retry' ? f.waitMs : null);
    }
    this.stats.failed += pending.length;
    this.o.log(`[simulator] ${u.patientId}: gave up on ${pending.length} check-ins after ${this.o.maxAttempts} attempts`);
  }

  private async pool<T>(items: readonly T[], fn: (x: T) => Promise<void>): Promise<void> {
    await forEachLimit(items, this.o.concurrency, fn, { stopOnError: true });
  }
}

/** Polls `GET {url}/health/ready` until it answers 200 or the time is up. */
export async function waitForReady(url: string, timeoutMs: number, log: (line: string) => void): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let said = false;
  for (;;) {
    try {
      const res = await fetch(`${url.replace(/\/$/, '')}/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return true;
    } catch {
      // not up yet
    }
    if (Date.now() >= deadline) return false;
    if (!said) {
      log(`[simulator] waiting for ${url} to be ready`);
      said = true;
    }
    await sleep(1000);
  }
}
