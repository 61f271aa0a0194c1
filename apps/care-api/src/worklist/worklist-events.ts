/**
 * Reads the events the worklist consumes (patients.v1, risk-scores.v1, alerts.v1, care-activity.v1)
 * defensively into WorklistEvents. An event that can never apply throws InvalidWorklistEventError
 * (its message names fields, never values): the consumer dead-letters it. Event types the worklist
 * does not use (audit, future types) give null and are skipped.
 */
import {
  type AlertSeverity,
  CONTACT_OUTCOMES,
  type ContactOutcome,
  DEFAULT_EXPECTED_CHECKIN_INTERVAL_HOURS,
  EVENT_TYPES,
  ID_PATTERN,
  type RiskLevel,
  type VigilEvent,
} from '@vigil/contracts';
import type { StateFactor, WorklistEvent } from './worklist-state';

export class InvalidWorklistEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidWorklistEventError';
  }
}

const SEVERITIES: readonly string[] = ['medium', 'high', 'critical'];
const LEVELS: readonly string[] = ['none', 'low', 'medium', 'high', 'critical'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is string => typeof v === 'string' && ID_PATTERN.test(v);
const timeOf = (v: unknown): number => (typeof v === 'string' ? Date.parse(v) : Number.NaN);

function fail(problems: string[]): never {
  throw new InvalidWorklistEventError(`invalid worklist event: ${problems.join(', ')}`);
}

function common(e: VigilEvent, d: Obj, problems: string[]): void {
  if (!isId(d['patientId'])) problems.push('patientId');
  else if (d['patientId'] !== e.subject) problems.push('patientId differs from the subject');
  if (typeof d['tenantId'] !== 'string' || d['tenantId'] !== e.tenantid) problems.push('tenantId differs from tenantid');
}

function factors(v: unknown): StateFactor[] {
  if (!Array.isArray(v)) return [];
  const out: StateFactor[] = [];
  for (const f of v) {
    if (!isObj(f) || typeof f['code'] !== 'string' || typeof f['message'] !== 'string') continue;
    out.push({
      code: f['code'],
      message: f['message'],
      points: typeof f['points'] === 'number' ? f['points'] : 0,
      severity: typeof f['severity'] === 'string' ? f['severity'] : 'info',
    });
  }
  return out;
}

function alertOf(e: VigilEvent, d: Obj, problems: string[]) {
  if (!isId(d['alertId'])) problems.push('alertId');
  if (!SEVERITIES.includes(d['severity'] as string)) problems.push('severity');
  if (typeof d['ruleCode'] !== 'string') problems.push('ruleCode');
  const at = timeOf(d['triggeredAt'] ?? e.time);
  if (!Number.isFinite(at)) problems.push('triggeredAt');
  if (problems.length) fail(problems);
  return {
    alertId: d['alertId'] as string,
    severity: d['severity'] as AlertSeverity,
    ruleCode: d['ruleCode'] as string,
    summary: typeof d['summary'] === 'string' ? d['summary'] : '',
    triggeredAtMs: at,
    reasons: factors(d['reasons']).map((f) => ({ code: f.code, message: f.message })),
  };
}

/** The worklist meaning of a consumed event, or null for a type the worklist does not use. */
export function toWorklistEvent(e: VigilEvent): WorklistEvent | null {
  const d = e.data;
  const problems: string[] = [];
  switch (e.type) {
    case EVENT_TYPES.patientEnrolled:
    case EVENT_TYPES.patientUpdated:
    case EVENT_TYPES.patientDischarged: {
      if (!isObj(d)) fail(['data is not an object']);
      common(e, d, problems);
      if (!isId(d['careTeamId'])) problems.push('careTeamId');
      const updatedAtMs = timeOf(d['updatedAt']);
      if (!Number.isFinite(updatedAtMs)) problems.push('updatedAt');
      if (problems.length) fail(problems);
      const interval = d['expectedCheckInIntervalHours'];
      return {
        kind: 'profile',
        profile: {
          careTeamId: d['careTeamId'] as string,
          status: e.type === EVENT_TYPES.patientDischarged || d['status'] === 'discharged' ? 'discharged' : 'active',
          conditions: Array.isArray(d['conditions']) ? (d['conditions'] as unknown[]).filter((c): c is string => typeof c === 'string') : [],
          expectedCheckInIntervalHours: typeof interval === 'number' && interval > 0 ? interval : DEFAULT_EXPECTED_CHECKIN_INTERVAL_HOURS,
          updatedAtMs,
        },
      };
    }
    case EVENT_TYPES.riskScored: {
      if (!isObj(d)) fail(['data is not an object']);
      common(e, d, problems);
      if (typeof d['checkInId'] !== 'string' || !d['checkInId']) problems.push('checkInId');
      const atMs = timeOf(d['recordedAt']);
      if (!Number.isFinite(atMs)) problems.push('recordedAt');
      if (typeof d['score'] !== 'number' || !Number.isFinite(d['score'])) problems.push('score');
      if (!LEVELS.includes(d['level'] as string)) problems.push('level');
      if (problems.length) fail(problems);
      return {
        kind: 'score',
        score: { checkInId: d['checkInId'] as string, score: d['score'] as number, level: d['level'] as RiskLevel, atMs, factors: factors(d['factors']) },
      };
    }
    case EVENT_TYPES.alertRaised:
    case EVENT_TYPES.alertUpdated: {
      if (!isObj(d)) fail(['data is not an object']);
      common(e, d, problems);
      const alert = alertOf(e, d, problems);
      return e.type === EVENT_TYPES.alertUpdated ? { kind: 'alert.updated', alert, interrupts: d['interrupts'] === true } : { kind: 'alert.raised', alert };
    }
    case EVENT_TYPES.alertAcknowledged:
    case EVENT_TYPES.alertResolved: {
      if (!isObj(d)) fail(['data is not an object']);
      common(e, d, problems);
      if (!isId(d['alertId'])) problems.push('alertId');
      const atMs = timeOf(d['at'] ?? e.time);
      if (!Number.isFinite(atMs)) problems.push('at');
      if (problems.length) fail(problems);
      return e.type === EVENT_TYPES.alertResolved
        ? { kind: 'alert.resolved', alertId: d['alertId'] as string }
        : { kind: 'alert.acknowledged', alertId: d['alertId'] as string, atMs };
    }
    case EVENT_TYPES.contactLogged: {
      if (!isObj(d)) fail(['data is not an object']);
      common(e, d, problems);
      if (typeof d['contactId'] !== 'string' || !d['contactId']) problems.push('contactId');
      if (!CONTACT_OUTCOMES.includes(d['outcome'] as ContactOutcome)) problems.push('outcome');
      if (typeof d['by'] !== 'string') problems.push('by');
      const atMs = timeOf(d['at']);
      if (!Number.isFinite(atMs)) problems.push('at');
      const next = d['nextContactAt'] === undefined || d['nextContactAt'] === null ? null : timeOf(d['nextContactAt']);
      if (next !== null && !Number.isFinite(next)) problems.push('nextContactAt');
      const ids = d['resolvedAlertIds'] ?? [];
      if (!Array.isArray(ids) || !ids.every(isId)) problems.push('resolvedAlertIds');
      if (problems.length) fail(problems);
      const sev = d['knownWorstAlertSeverity'];
      const lvl = d['knownRiskLevel'];
      return {
        kind: 'contact',
        contact: { contactId: d['contactId'] as string, atMs, outcome: d['outcome'] as ContactOutcome, by: d['by'] as string },
        nextContactAtMs: next,
        resolvedAlertIds: ids as string[],
        knownSeverity: SEVERITIES.includes(sev as string) ? (sev as AlertSeverity) : null,
        knownLevel: LEVELS.includes(lvl as string) ? (lvl as RiskLevel) : null,
      };
    }
    default:
      return null;
  }
}
