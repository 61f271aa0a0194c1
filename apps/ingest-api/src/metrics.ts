import type { Counter, Gauge, Histogram } from 'prom-client';
import type { VigilMetrics } from '@vigil/observability';

/**
 * ingest-api's own metrics, in the service's VigilMetrics registry (which also holds the shared
 * HTTP histogram and process metrics, served at /metrics). Labels never carry ids or PHI.
 */
export class IngestMetrics {
  readonly checkIns: Counter<'outcome'>;
  readonly degraded: Counter<'feature'>;
  readonly batchSize: Histogram<never>;
  readonly redisUp: Gauge<never>;

  constructor(readonly vigil: VigilMetrics) {
    this.checkIns = vigil.counter(
      'vigil_ingest_checkins_total',
      'Check-ins by outcome: accepted, replayed, invalid, conflict, rate_limited, unavailable, in_progress',
      ['outcome'],
    );
    this.degraded = vigil.counter('vigil_ingest_degraded_total', 'Check-ins served without a Redis feature because Redis was unavailable (fail-open)', [
      'feature',
    ]);
    this.batchSize = vigil.histogram('vigil_ingest_batch_items', 'Items per batch request', [], [1, 2, 5, 10, 20, 50, 100]);
    this.redisUp = vigil.gauge('vigil_ingest_redis_up', '1 while the Redis connection is ready (Redis does not gate readiness: its features fail open)', []);
  }
}
