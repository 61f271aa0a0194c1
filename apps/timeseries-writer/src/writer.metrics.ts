import { TOPICS } from '@vigil/contracts';
import type { VigilMetrics } from '@vigil/observability';
import type { Counter, Histogram } from 'prom-client';

/**
 * The writer's metrics, on the service's VigilMetrics registry (label names are PHI-guarded there):
 * the shared consumer vocabulary (vigil_messages_processed_total, vigil_messages_dead_lettered_total,
 * vigil_messages_failed_total; vigil_kafka_consumer_lag is tracked in writer.app.ts) plus writer_* series. Labels: topic, group, reason only.
 */
export class WriterMetrics {
  readonly checkIns: Counter<never>;
  readonly observations: Counter<never>;
  readonly requests: Counter<never>;
  readonly deadLetters: Counter<'reason'>;
  readonly batchSeconds: Histogram<'outcome'>;

  constructor(
    readonly vigil: VigilMetrics,
    readonly group: string,
  ) {
    this.checkIns = vigil.counter('vigil_writer_checkins_written_total', 'Check-ins archived by timeseries-writer', []);
    this.observations = vigil.counter('vigil_writer_observations_written_total', 'Observations written by timeseries-writer', []);
    this.requests = vigil.counter('vigil_writer_cassandra_requests_total', 'Cassandra requests of successful batches', []);
    this.deadLetters = vigil.counter('vigil_writer_dead_letters_total', 'Check-in events the writer dead-lettered, by reason', ['reason']);
    this.batchSeconds = vigil.histogram(
      'vigil_writer_batch_duration_seconds',
      'Time to write one batch',
      ['outcome'],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    );
  }

  batchDone(out: { checkIns: number; observations: number; statements: number; events: number; deadLetters: number; reasons: string[] }): void {
    const labels = { topic: TOPICS.checkins, group: this.group };
    this.checkIns.inc(out.checkIns);
    this.observations.inc(out.observations);
    this.requests.inc(out.statements);
    this.vigil.messagesProcessed.inc(labels, out.events - out.deadLetters);
    if (out.deadLetters) this.vigil.messagesDeadLettered.inc(labels, out.deadLetters);
    for (const reason of out.reasons) this.deadLetters.inc({ reason });
  }

  batchFailed(): void {
    this.vigil.messagesFailed.inc({ topic: TOPICS.checkins, group: this.group });
  }
}
