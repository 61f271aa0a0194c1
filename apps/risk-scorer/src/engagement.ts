import type { LeaderLease } from './leader-lease';
import { hourIsClosed, hoursToScan } from './schedule';
import type { Scorer } from './scorer';
import type { ScorerStore } from './scorer.store';
import type { ScorerLog, ScorerMetrics } from './telemetry';

export interface EngagementSchedulerDeps {
  scorer: Pick<Scorer, 'checkDue'>;
  store: Pick<ScorerStore, 'listDue' | 'getWatermark' | 'setWatermark'>;
  /** Who may tick: renewed on its own timer, independent of `intervalMs` (leader-lease.ts). */
  lease: LeaderLease;
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
  /**
   * True once the group has applied every check-in that was on checkins.v1 when it was called
   * (a bounded wait), false if it has not in time: a check-in in flight is never a missed one.
   */
  consumerCaughtUp?: () => Promise<boolean>;
  now?: () => number;
}

export interface TickReport {
  leader: boolean;
  checked: number;
  alerts: number;
  failed: number;
  watermark: number | null;
  /** The lease ran out during the tick: it stopped before the next row. */
  lostLease?: boolean;
}

/**
 * The time-driven half of the scorer (README "Engagement"). A Redis lease elects the one instance
 * that ticks; it is renewed on its own timer (every few seconds), so a dead leader is replaced
 * within seconds whatever `intervalMs` is, and a new leader ticks at once. A tick reads the due rows
 * of the hours between the persisted watermark and now (scorer_engagement_due), has the scorer
 * check each one against the patient's current state, and moves the watermark past hours that are
 * over and fully dealt with. Everything it relies on is in Cassandra, so a restart, a failover to
 * another instance or a Redis flush loses nothing; re-checking a row is harmless because the state
 * records the silence it reported (and the event ids are derived from that silence).
 */
export class EngagementScheduler {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<unknown> | null = null;
  private kickPending = false;
  private stopped = true;
  private readonly now: () => number;

  constructor(private readonly deps: EngagementSchedulerDeps) {
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    this.stopped = false;
    this.deps.lease.start({
      onAcquired: (generation) => {
        this.deps.metrics.engagementLeader.set(1);
        this.deps.log.info({ generation }, 'engagement leadership acquired');
        this.kick();
      },
      onLost: (reason) => {
        this.deps.metrics.engagementLeader.set(0);
        this.deps.log.warn({ reason }, 'engagement leadership lost');
      },
    });
    this.schedule(Math.min(this.deps.intervalMs, 1000));
  }

  /** Stops ticking, waits for a tick in progress, gives the lease up. */
  async stop(): Promise<void> {
    await this.halt(true);
  }

  /** As a crash would (tests): stops at once and leaves the lease to expire in Redis. */
  async abandon(): Promise<void> {
    await this.halt(false);
  }

  private async halt(release: boolean): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (release) {
      // Finish the row in hand first: the lease goes only once nothing of ours is running.
      await this.running?.catch(() => undefined);
      await this.deps.lease.stop(true).catch(() => undefined);
    } else {
      await this.deps.lease.stop(false).catch(() => undefined);
    }
    this.deps.metrics.engagementLeader.set(0);
  }

  /** Tick as soon as possible (a new leader does not wait for the next interval). */
  private kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.kickPending = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const run = this.tick().catch((e: unknown) => {
        this.deps.metrics.engagementTicks.inc({ outcome: 'failed' });
        this.deps.log.warn({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }, 'engagement tick failed');
      });
      this.running = run;
      void run.finally(() => {
        this.running = null;
        const again = this.kickPending;
        this.kickPending = false;
        this.schedule(again ? 0 : this.deps.intervalMs);
      });
    }, delayMs);
    this.timer.unref?.();
  }

  /** One tick (public for tests). */
  async tick(): Promise<TickReport> {
    const { lease, store, scorer, metrics, log } = this.deps;
    const report: TickReport = { leader: lease.isValid(), checked: 0, alerts: 0, failed: 0, watermark: null };
    if (!report.leader) {
      metrics.engagementTicks.inc({ outcome: 'not-leader' });
      return report;
    }
    if (this.deps.consumerLag) {
      const lag = await this.deps.consumerLag().catch(() => null);
      if (lag !== null && lag > (this.deps.maxLag ?? 0)) {
        metrics.engagementTicks.inc({ outcome: 'consumer-lagging' });
        log.info({ lag }, 'engagement tick deferred: check-ins still being consumed');
        return report;
      }
    }
    if (this.deps.consumerCaughtUp && !(await this.deps.consumerCaughtUp().catch(() => false))) {
      metrics.engagementTicks.inc({ outcome: 'consumer-lagging' });
      log.info('engagement tick deferred: check-ins in flight were not applied in time');
      return report;
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
        if (this.stopped) break;
        if (!lease.isValid()) {
          report.lostLease = true;
          break;
        }
        report.checked++;
        batch.push(
          scorer.checkDue(row).then(
            (n) => void (report.alerts += n),
            (e: unknown) => {
              failed++;
              log.warn(
                { patientId: row.patientId, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) },
                'engagement check failed; retried next tick',
              );
            },
          ),
        );
        if (batch.length >= this.deps.concurrency) await flush();
      }
      await flush();
      report.failed += failed;
      if (report.lostLease) break;
      if (contiguous && failed === 0 && hourIsClosed(hour, now)) next = hour + 1;
      else contiguous = false;
    }
    if (next === null) next = hoursToScan(null, now)[0];
    if (report.lostLease) {
      metrics.engagementTicks.inc({ outcome: 'lease-lost' });
      log.warn({ checked: report.checked }, 'engagement tick stopped: the lease ran out');
      return report;
    }
    if (next !== watermark) await store.setWatermark(next);
    report.watermark = next;
    metrics.engagementTicks.inc({ outcome: 'ran' });
    return report;
  }
}
