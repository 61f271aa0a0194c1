/**
 * The drill's cohort: deterministic check-in bodies per (patient, sequence number), so a failed run
 * can be reproduced. Most are ordinary; about one in ten is a bad day (low SpO2, fast heart and
 * breathing, breathlessness) that the model alerts on, so alerts flow all through the drill.
 */
import { createHash } from 'node:crypto';

const HOUR = 3_600_000;

/** A number in [0, 1) from a string: the same input gives the same number on every machine. */
function unit(seed: string): number {
  return createHash('sha256').update(seed).digest().readUInt32BE(0) / 2 ** 32;
}

export interface DrillCheckIn {
  checkInId: string;
  patientId: string;
  recordedAt: string;
  body: Record<string, unknown>;
}

/**
 * The `seq`-th check-in of a patient: device times 2 h apart from `startMs` (which must lie within
 * ingest's 30-day window of the run), ids derived from the run so reruns never collide.
 */
export function drillCheckIn(run: string, patientId: string, seq: number, startMs: number): DrillCheckIn {
  const key = `${run}:${patientId}:${seq}`;
  const hex = createHash('sha256').update(key).digest('hex');
  const checkInId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  const recordedAt = new Date(startMs + seq * 2 * HOUR).toISOString();
  const bad = unit(`${key}:bad`) < 0.1;
  const wobble = (name: string, spread: number) => (unit(`${key}:${name}`) - 0.5) * 2 * spread;
  const vitals = bad
    ? { heartRate: 118, spo2: 88, respiratoryRate: 25, systolicBp: 104, diastolicBp: 66, weightKg: Math.round((82 + wobble('w', 0.3)) * 10) / 10 }
    : {
        heartRate: Math.round(72 + wobble('hr', 6)),
        spo2: Math.round(97 + wobble('spo2', 1)),
        respiratoryRate: Math.round(15 + wobble('rr', 2)),
        systolicBp: Math.round(124 + wobble('sbp', 8)),
        diastolicBp: Math.round(80 + wobble('dbp', 5)),
        weightKg: Math.round((80 + wobble('w', 0.4)) * 10) / 10,
      };
  const body = { checkInId, recordedAt, vitals, symptoms: { breathlessness: bad ? 3 : 0 }, medication: { adherence: 'all' } };
  return { checkInId, patientId, recordedAt, body };
}
