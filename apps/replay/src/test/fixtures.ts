/** Synthetic check-ins, profiles and archive rows for the replay tests and benchmark (deterministic for a seed). */
import { createHash } from 'node:crypto';
import { createEvent, EVENT_SOURCES, EVENT_TYPES, type CheckIn, type PatientProfile, type VigilEvent } from '@vigil/contracts';
import type { ArchivedCheckIn } from '@vigil/storage';

const H = 3_600_000;

/** A UUID v4-shaped id derived from a name (reproducible fixtures). */
export function fixtureUuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PatientSpec {
  tenantId: string;
  patientId: string;
  profile: PatientProfile | null;
}

export interface Dataset {
  patients: PatientSpec[];
  /** Every check-in event, per patient in device-time order. */
  checkIns: VigilEvent<CheckIn>[];
  profiles: VigilEvent<PatientProfile>[];
}

export interface DatasetOptions {
  seed: number;
  tenants: number;
  patientsPerTenant: number;
  /** First device time. */
  start: number;
  days: number;
  /** Check-ins per patient per day (on average). */
  perDay: number;
  /** Name part that makes ids unique per run. */
  runId: string;
  /** Patients (by index) left without a profile. */
  withoutProfile?: number[];
  /** Patients (by index) discharged. */
  discharged?: number[];
  /** Profile `updatedAt` (default one day before `start`). */
  enrolledAt?: number;
}

/**
 * Patients with a mix of conditions and readings that move in and out of trouble (NEWS2 spikes,
 * heart-failure weight gain, low glucose, PHQ-9 item 9), so that both models raise alerts.
 */
export function makeDataset(o: DatasetOptions): Dataset {
  const rand = rng(o.seed);
  const patients: PatientSpec[] = [];
  const checkIns: VigilEvent<CheckIn>[] = [];
  const profiles: VigilEvent<PatientProfile>[] = [];
  let index = 0;
  for (let t = 0; t < o.tenants; t++) {
    const tenantId = `org-${o.runId}-${t}`;
    for (let p = 0; p < o.patientsPerTenant; p++, index++) {
      const patientId = `pat-${o.runId}-${t}-${p}`;
      const conditions: PatientProfile['conditions'] = (
        [['heart-failure'], ['copd'], ['diabetes'], ['depression'], ['heart-failure', 'diabetes']] as PatientProfile['conditions'][]
      )[index % 5];
      const baseWeight = 60 + Math.floor(rand() * 50);
      const profile: PatientProfile | null = o.withoutProfile?.includes(index)
        ? null
        : {
            patientId,
            tenantId,
            careTeamId: `team-${t}-${p % 3}`,
            conditions,
            ...(conditions.includes('heart-failure') ? { dryWeightKg: baseWeight } : {}),
            news2SpO2Scale: conditions.includes('copd') ? 2 : 1,
            expectedCheckInIntervalHours: 48,
            status: o.discharged?.includes(index) ? 'discharged' : 'active',
            updatedAt: new Date(o.enrolledAt ?? o.start - 24 * H).toISOString(),
          };
      patients.push({ tenantId, patientId, profile });
      if (profile) {
        profiles.push(
          createEvent({
            id: fixtureUuid(`profile:${patientId}`),
            source: EVENT_SOURCES.careApi,
            type: profile.status === 'discharged' ? EVENT_TYPES.patientDischarged : EVENT_TYPES.patientEnrolled,
            subject: patientId,
            time: profile.updatedAt,
            tenantid: tenantId,
            data: profile,
          }),
        );
      }
      const count = Math.max(1, Math.round(o.days * o.perDay * (0.6 + rand() * 0.8)));
      const spacing = (o.days * 24 * H) / count;
      let weight = baseWeight;
      for (let i = 0; i < count; i++) {
        const at = Math.round(o.start + i * spacing + rand() * spacing * 0.5);
        const trouble = rand() < 0.12;
        weight += rand() < 0.15 ? 1.2 : rand() - 0.5;
        const checkInId = fixtureUuid(`checkin:${patientId}:${i}`);
        const recordedAt = new Date(at).toISOString();
        const data: CheckIn = {
          checkInId,
          recordedAt,
          vitals: {
            weightKg: Math.round(weight * 10) / 10,
            heartRate: trouble ? 118 + Math.floor(rand() * 20) : 62 + Math.floor(rand() * 20),
            respiratoryRate: trouble ? 23 + Math.floor(rand() * 4) : 13 + Math.floor(rand() * 5),
            spo2: trouble ? 89 + Math.floor(rand() * 3) : 95 + Math.floor(rand() * 4),
            systolicBp: trouble ? 95 + Math.floor(rand() * 10) : 115 + Math.floor(rand() * 20),
            temperatureC: Math.round((36.4 + rand() * (trouble ? 2.6 : 0.8)) * 10) / 10,
            ...(conditions.includes('diabetes') ? { glucoseMgDl: trouble ? 50 + Math.floor(rand() * 15) : 100 + Math.floor(rand() * 60) } : {}),
          },
          symptoms: { breathlessness: trouble ? 3 : Math.floor(rand() * 2), fatigue: Math.floor(rand() * 3) },
          medication: { adherence: rand() < 0.1 ? 'some' : 'all' },
          mood: 2 + Math.floor(rand() * 4),
          ...(conditions.includes('depression') && i % 7 === 0
            ? { questionnaires: [{ instrument: 'PHQ-9' as const, answers: [1, 2, 1, 2, 1, 1, 2, 1, trouble ? 1 : 0] }] }
            : {}),
          ...(i % 5 === 0 ? { notes: 'felt tired after the walk' } : {}),
        };
        checkIns.push(
          createEvent({
            id: checkInId,
            source: EVENT_SOURCES.ingestApi,
            type: EVENT_TYPES.checkinReceived,
            subject: patientId,
            time: recordedAt,
            tenantid: tenantId,
            data,
            traceparent: `00-${createHash('md5').update(checkInId).digest('hex')}-${checkInId.replace(/-/g, '').slice(0, 16)}-01`,
          }),
        );
      }
    }
  }
  return { patients, checkIns, profiles };
}

/** The archive row timeseries-writer stores for a consumed check-in (apps/timeseries-writer acceptCheckIn). */
export function toArchived(e: VigilEvent<CheckIn>, position?: { topic: string; partition: number; offset: string }): ArchivedCheckIn {
  const a: ArchivedCheckIn = {
    tenantId: e.tenantid,
    patientId: e.subject,
    checkInId: e.data.checkInId,
    recordedAt: new Date(e.data.recordedAt),
    recordedAtText: e.data.recordedAt,
    eventId: e.id,
    eventSource: e.source,
    eventType: e.type,
    eventTime: e.time,
    dataSchemaVersion: e.dataschemaversion,
    data: JSON.stringify(e.data),
    ...(position ? { kafka: { ...position, timestamp: new Date(Date.parse(e.time)) } } : {}),
  };
  if (e.traceparent) a.traceparent = e.traceparent;
  return a;
}

/** Shuffles a copy (deterministic for a seed). */
export function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const rand = rng(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
