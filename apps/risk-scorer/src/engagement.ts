import type { LeaderLock } from './leader-lock';
import { hourIsClosed, hoursToScan } from './schedule';
import type { Scorer } from './scorer';
import type { ScorerStore } from './scorer.store';
import type { ScorerLog, ScorerMetrics } from './telemetry';

export interface EngagementSchedulerDeps {
  scorer: Scorer;
  store: ScorerStore;
  lock: LeaderLock;
  intervalMs: number;
  log: ScorerLog;
  metrics: ScorerMetrics;
  /** Due patients checked at once. */
  concurrency: number;
  /**
   * Check-ins not yet processed by the consumer group (all instances), or null if unknown. The tick
   * waits while it exceeds `maxLag`: after downtime the backlog holds the very check-ins that end
   * the silences, and judging silences before reading them would raise false missed-check-in alerts.
   */
  consumerLag?: () => Promise<number | null>;
  maxLag?: number;
  now?: () => number;
}

export interface TickReport {
  leader: boolean;
  checked: number;
  alerts: number;
  failed: number;
  watermark: number | null;
}

/**
 * The time-driven half of the scorer (README "Engagement"). Every `intervalMs` each instance tries
 * to take or renew the Redis lease; only the holder runs the tick. A tick reads the due rows of the
 * hours between the persisted watermark and now (scorer_engagement_due), has the scorer check each
 * one against the patient's current state, and moves the watermark past hours that are over and
 * fully dealt with. Everything it relies on is in Cassandra, so a restart, a failover to another
 * instance or a Redis flush loses nothing; re-checking a row is harmless because the state records
 * the silence it alerted for (and the alert id is derived from that silence).
 */
export class EngagementScheduler {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly deps: EngagementSchedulerDeps) {
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    this.stopped = false;
    this.schedule(Math.min(this.deps.intervalMs, 1000));
  }

  /** Stops ticking, waits for a tick in progress, gives the lease up. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    await this.deps.lock.release().catch(() => undefined);
    this.deps.metrics.engagementLeader.set(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const run = this.tick().catch((e: unknown) => {
        this.deps.metrics.engagementTicks.inc({ outcome: 'failed' });
        this.deps.log.warn('engagement tick failed', { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
      });
      this.running = run;
      void run.finally(() => {
        this.running = null;
        this.schedule(this.deps.intervalMs);
      });
    }, delayMs);
    this.timer.unref?.();
  }

  /** One tick (public for tests). */
  async tick(): Promise<TickReport> {
    const { lock, store, scorer, metrics, log } = this.deps;
    const report: TickReport = { leader: false, checked: 0, alerts: 0, failed: 0, watermark: null };
    try {
      report.leader = await lock.acquireOrRenew();
    } catch (e) {
      metrics.engagementTicks.inc({ outcome: 'lock-error' });
      metrics.engagementLeader.set(0);
      log.warn('engagement lock unavailable (Redis); tick skipped', { error: e instanceof Error ? e.message : String(e) });
      return report;
    }
    metrics.engagementLeader.set(report.leader ? 1 : 0);
    if (!report.leader) {
      metrics.engagementTicks.inc({ outcome: 'not-leader' });
      return report;
    }
    if (this.deps.consumerLag) {
      const lag = await this.deps.consumerLag().catch(() => null);
      if (lag !== null && lag > (this.deps.maxLag ?? 0)) {
        metrics.engagementTicks.inc({ outcome: 'consumer-lagging' });
        log.info('engagement tick deferred: check-ins still being consumed', { lag });
        return report;
      }
    }
    const now = this.now();
    const watermark = await store.getWatermark();
    let next = watermark;
    let contiguous = true;
    for (const hour of hoursToScan(watermark, now)) {
      if (this.stopped) break;
      let failed = 0;
      const batch: Promise<void>[] = [];
      const flush = async () => {
        await Promise.all(batch);
        batch.length = 0;
      };
      for await (const row of store.listDue(hour, now)) {
        report.checked++;
        batch.push(
          scorer.checkDue(row).then(
            (n) => void (report.alerts += n),
            (e: unknown) => {
              failed++;
              log.warn('engagement check failed; retried next tick', { patientId: row.patientId, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
            },
          ),
        );
        if (batch.length >= this.deps.concurrency) await flush();
      }
      await flush();
      report.failed += failed;
      if (contiguous && failed === 0 && hourIsClosed(hour, now)) next = hour + 1;
      else contiguous = false;
    }
    if (next === null) next = hoursToScan(null, now)[0];
    if (next !== watermark) await store.setWatermark(next);
    report.watermark = next;
    metrics.engagementTicks.inc({ outcome: 'ran' });
    return report;
  }
}
