/**
 * A steady feed of check-ins like the phones send them, with a ledger of every check-in that
 * ingest-api answered 202. Each patient sends its check-ins one after another (the next only once the
 * previous is accepted), so the order on Kafka is the order sent; a failed attempt (connection
 * refused, a 503 while a server is down, a timeout) is retried with the same body and check-in id, as
 * the app does, so a retry that reaches ingest twice is an idempotent duplicate, not a second check-in.
 */
import { drillCheckIn, type DrillCheckIn } from './drill-checkins';

export interface FeedOptions {
  run: string;
  patients: string[];
  /** Check-ins per second over all patients. */
  ratePerSecond: number;
  /** Device time of every patient's first check-in. */
  startMs: number;
  /** ingest-api's base URL, or a picker called per attempt (several instances: a load balancer). */
  ingestUrl: string | (() => string);
  token(patientId: string): Promise<string>;
}

export interface FeedStats {
  accepted: number;
  /** Attempts that failed and were retried, by what happened (`503`, `ECONNREFUSED`, `timeout`...). */
  retries: Record<string, number>;
  /** Any other answer (a 4xx): the drill fails on these. */
  rejected: { checkInId: string; status: number; body: string }[];
  /** Per accepted check-in: when it was accepted and how long since its first attempt (what the phone waited, retries included). */
  latencies: { atMs: number; ms: number }[];
}

export class LedgerFeed {
  /** checkInId -> the check-in, for every 202. */
  readonly ledger = new Map<string, DrillCheckIn>();
  readonly stats: FeedStats = { accepted: 0, retries: {}, rejected: [], latencies: [] };
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly seqs = new Map<string, number>();

  constructor(private readonly opts: FeedOptions) {}

  start(): void {
    this.running = true;
    const perPatientGapMs = (1000 * this.opts.patients.length) / this.opts.ratePerSecond;
    this.loops = this.opts.patients.map((p, i) => this.loop(p, perPatientGapMs, (i * perPatientGapMs) / this.opts.patients.length));
  }

  /** Stops after each patient's check-in in flight is accepted (nothing half-sent is left out of the ledger). */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Accepted check-ins per patient, in the order sent. */
  byPatient(): Map<string, DrillCheckIn[]> {
    const out = new Map<string, DrillCheckIn[]>();
    for (const c of this.ledger.values()) out.set(c.patientId, [...(out.get(c.patientId) ?? []), c]);
    return out;
  }

  private async loop(patientId: string, gapMs: number, offsetMs: number): Promise<void> {
    await sleep(offsetMs);
    while (this.running) {
      const started = Date.now();
      const seq = this.seqs.get(patientId) ?? 0;
      this.seqs.set(patientId, seq + 1);
      await this.sendUntilAccepted(drillCheckIn(this.opts.run, patientId, seq, this.opts.startMs));
      await sleep(Math.max(0, gapMs - (Date.now() - started)));
    }
  }

  private async sendUntilAccepted(c: DrillCheckIn): Promise<void> {
    const first = Date.now();
    for (;;) {
      let outcome: string;
      try {
        const base = typeof this.opts.ingestUrl === 'string' ? this.opts.ingestUrl : this.opts.ingestUrl();
        const res = await fetch(`${base}/v1/check-ins`, {
          method: 'POST',
          headers: { authorization: `Bearer ${await this.opts.token(c.patientId)}`, 'content-type': 'application/json' },
          body: JSON.stringify(c.body),
          signal: AbortSignal.timeout(5000),
        });
        const text = await res.text();
        if (res.status === 202) {
          this.ledger.set(c.checkInId, c);
          this.stats.accepted = this.ledger.size;
          this.stats.latencies.push({ atMs: Date.now(), ms: Date.now() - first });
          return;
        }
        if (res.status < 500 && res.status !== 429) {
          this.stats.rejected.push({ checkInId: c.checkInId, status: res.status, body: text.slice(0, 300) });
          return;
        }
        outcome = String(res.status);
      } catch (e) {
        const err = e as { name?: string; cause?: { code?: string } };
        outcome = err.cause?.code ?? (err.name === 'TimeoutError' ? 'timeout' : (err.name ?? 'error'));
      }
      this.stats.retries[outcome] = (this.stats.retries[outcome] ?? 0) + 1;
      await sleep(500);
    }
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
