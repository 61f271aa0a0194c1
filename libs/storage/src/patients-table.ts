import { types } from 'cassandra-driver';
import { DEFAULT_EXPECTED_CHECKIN_INTERVAL_HOURS, type PatientProfile } from '@vigil/contracts';

/**
 * The `patients` row, which care-api (on PUT) and the risk-scorer (from patients.v1) both write and
 * care-api, the scorer and replay read: one definition of its columns for all of them.
 */
export const PATIENT_PROFILE_COLUMNS =
  'profile, care_team_id, conditions, dry_weight_kg, news2_spo2_scale, expected_checkin_interval_hours, status, updated_at';

/** The profile held in a row's columns (a row without the `profile` JSON); null without a care team. */
export function profileFromPatientColumns(tenantId: string, patientId: string, row: Record<string, unknown>): PatientProfile | null {
  if (!row['care_team_id']) return null;
  const p: PatientProfile = {
    patientId,
    tenantId,
    careTeamId: row['care_team_id'] as string,
    conditions: ((row['conditions'] as string[] | null) ?? []) as PatientProfile['conditions'],
    news2SpO2Scale: row['news2_spo2_scale'] === 2 ? 2 : 1,
    expectedCheckInIntervalHours: (row['expected_checkin_interval_hours'] as number | null) ?? DEFAULT_EXPECTED_CHECKIN_INTERVAL_HOURS,
    status: row['status'] === 'discharged' ? 'discharged' : 'active',
    updatedAt: ((row['updated_at'] as Date | null) ?? new Date(0)).toISOString(),
  };
  if (typeof row['dry_weight_kg'] === 'number') p.dryWeightKg = row['dry_weight_kg'];
  return p;
}

/**
 * The upsert of a profile's row, written with the timestamp `atMs` (the profile's own `updatedAt`):
 * whichever writer comes last, a stale profile can never overwrite a newer one.
 */
export function upsertPatientStatement(table: string, p: PatientProfile, atMs: number): { query: string; params: unknown[] } {
  return {
    query: `INSERT INTO ${table} (tenant_id, patient_id, care_team_id, conditions, dry_weight_kg, news2_spo2_scale,
      expected_checkin_interval_hours, status, profile, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`,
    params: [
      p.tenantId,
      p.patientId,
      p.careTeamId,
      p.conditions,
      p.dryWeightKg ?? null,
      p.news2SpO2Scale,
      Math.round(p.expectedCheckInIntervalHours),
      p.status,
      JSON.stringify(p),
      new Date(atMs),
      types.Long.fromNumber(atMs * 1000),
    ],
  };
}
