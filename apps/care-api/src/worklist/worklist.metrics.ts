import { Injectable } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { WorklistInfra } from './worklist.wiring';

/** The worklist's own series (labels: topics and outcomes only, never ids). */
@Injectable()
export class WorklistMetrics {
  readonly events: Counter<'topic' | 'outcome'>;
  readonly conflicts: Counter<never>;
  readonly listSeconds: Histogram<never>;
  readonly pageSeconds: Histogram<never>;

  constructor(infra: WorklistInfra) {
    this.events = infra.vigil.counter(
      'vigil_care_worklist_events_total',
      'Events folded into the worklist, by topic and outcome (changed, unchanged, skipped, invalid)',
      ['topic', 'outcome'],
    );
    this.conflicts = infra.vigil.counter(
      'vigil_care_worklist_write_conflicts_total',
      'Worklist state writes lost to a concurrent writer (read again and re-folded)',
      [],
    );
    this.listSeconds = infra.vigil.histogram(
      'vigil_care_worklist_list_seconds',
      'GET /v1/worklist: reading and ranking the teams',
      [],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    );
    // The part before the audit write (team view, ranking, page): what the worklist adds to any audited read.
    this.pageSeconds = infra.vigil.histogram(
      'vigil_care_worklist_page_seconds',
      'GET /v1/worklist: team view, ranking and page, before the audit write',
      [],
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    );
  }
}
