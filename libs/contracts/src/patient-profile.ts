/**
 * A patient's profile: the `data` of the patients.v1 events and what care-api answers. No runtime
 * imports (the dashboard imports these types through browser.ts); the request DTO is patient.dto.ts.
 */
export const CONDITIONS = ['heart-failure', 'copd', 'diabetes', 'depression'] as const;
export type Condition = (typeof CONDITIONS)[number];

/** `data` of `patient.enrolled` / `patient.updated` / `patient.discharged` on the compacted patients.v1. */
export interface PatientProfile {
  patientId: string;
  tenantId: string;
  careTeamId: string;
  conditions: Condition[];
  dryWeightKg?: number;
  news2SpO2Scale: 1 | 2;
  expectedCheckInIntervalHours: number;
  status: 'active' | 'discharged';
  /** Server time of the change. */
  updatedAt: string;
}

export const DEFAULT_EXPECTED_CHECKIN_INTERVAL_HOURS = 48;
