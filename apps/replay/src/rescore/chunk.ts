/** Scoring a chunk of whole patients into NDJSON text (pure). */
import type { AlertRaisedData, VigilEvent } from '@vigil/contracts';
import type { ModelVersion } from '@vigil/risk-engine';
import { serializeEvent } from '../events/events';
import type { ProfileVersion } from './profiles';
import { rescorePatient, RescoreStats, type CheckInInput, type RescoreSettings, type RescoreStatsSnapshot } from './rescorer';

export interface PatientJob {
  tenantId: string;
  patientId: string;
  items: CheckInInput[];
  versions: readonly ProfileVersion[] | null;
}

/** One model's output for one patient, as NDJSON lines (no newlines). */
export interface ModelLines {
  scores: string[];
  alerts: string[];
  /** The alert events themselves, when asked for (compare matches them). */
  alertEvents?: VigilEvent<AlertRaisedData>[];
}

export interface PatientLines {
  tenantId: string;
  patientId: string;
  /** Null: the patient has no profile and was not scored. */
  models: [ModelVersion, ModelLines][] | null;
}

export interface ChunkResult {
  patients: PatientLines[];
  stats: RescoreStatsSnapshot;
}

function lines(events: readonly VigilEvent[]): string[] {
  const out = new Array<string>(events.length);
  for (let i = 0; i < events.length; i++) out[i] = serializeEvent(events[i]);
  return out;
}

export function scoreChunk(jobs: readonly PatientJob[], settings: RescoreSettings, keepAlertEvents: boolean): ChunkResult {
  const stats = new RescoreStats(settings.models);
  const patients: PatientLines[] = [];
  for (const job of jobs) {
    const out = rescorePatient(job.tenantId, job.patientId, job.items, job.versions, settings, stats);
    if (!out) {
      patients.push({ tenantId: job.tenantId, patientId: job.patientId, models: null });
      continue;
    }
    const models: [ModelVersion, ModelLines][] = [];
    for (const [model, o] of out) {
      const m: ModelLines = { scores: lines(o.scores), alerts: lines(o.alerts) };
      if (keepAlertEvents) m.alertEvents = o.alerts;
      models.push([model, m]);
    }
    patients.push({ tenantId: job.tenantId, patientId: job.patientId, models });
  }
  return { patients, stats: stats.snapshot() };
}
