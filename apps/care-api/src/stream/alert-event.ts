import {
  type AlertChange,
  type AlertEventKind,
  AlertLifecycleData,
  AlertRaisedData,
  type AlertStatus,
  type AlertStreamData,
  AlertUpdatedData,
  EVENT_TYPES,
  ID_PATTERN,
  VigilEvent,
} from '@vigil/contracts';
import type { StreamEntryOf } from './redis-alert-stream';

const KIND_OF_TYPE: Record<string, AlertEventKind> = {
  [EVENT_TYPES.alertRaised]: 'alert.raised',
  [EVENT_TYPES.alertUpdated]: 'alert.updated',
  [EVENT_TYPES.alertAcknowledged]: 'alert.acknowledged',
  [EVENT_TYPES.alertResolved]: 'alert.resolved',
};

/** One stored stream entry: the tenant's stream position plus the event. */
export type StreamEntry = StreamEntryOf<AlertStreamData>;

export class InvalidAlertEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAlertEventError';
  }
}

const isId = (v: unknown): v is string => typeof v === 'string' && ID_PATTERN.test(v);
const isTime = (v: unknown): v is string => typeof v === 'string' && Number.isFinite(Date.parse(v));
const SEVERITIES = ['medium', 'high', 'critical'];

/**
 * Reads an alerts.v1 event defensively into stream data. Throws InvalidAlertEventError (without any
 * value in the message) for an event that can never be stored: the consumer dead-letters it.
 */
export function toStreamData(e: VigilEvent): AlertStreamData {
  const kind = KIND_OF_TYPE[e.type];
  if (!kind) throw new InvalidAlertEventError(`unknown alert event type`);
  const d = e.data as Record<string, unknown> | null;
  if (typeof d !== 'object' || d === null || Array.isArray(d)) throw new InvalidAlertEventError('alert event data is not an object');
  const problems: string[] = [];
  if (!isId(d['alertId'])) problems.push('alertId');
  if (!isId(d['patientId'])) problems.push('patientId');
  else if (d['patientId'] !== e.subject) problems.push('patientId differs from the subject');
  if (typeof d['tenantId'] !== 'string' || d['tenantId'] !== e.tenantid) problems.push('tenantId differs from tenantid');
  if (!isId(d['careTeamId'])) problems.push('careTeamId');
  if (kind === 'alert.raised') {
    if (typeof d['ruleCode'] !== 'string') problems.push('ruleCode');
    if (!SEVERITIES.includes(d['severity'] as string)) problems.push('severity');
    if (!isTime(d['triggeredAt'])) problems.push('triggeredAt');
    if (!Array.isArray(d['reasons'])) problems.push('reasons');
  } else if (kind === 'alert.updated') {
    if (d['updateId'] !== e.id) problems.push('updateId differs from the event id');
    if (typeof d['ruleCode'] !== 'string') problems.push('ruleCode');
    if (!SEVERITIES.includes(d['severity'] as string)) problems.push('severity');
    if (!SEVERITIES.includes(d['previousSeverity'] as string)) problems.push('previousSeverity');
    if (typeof d['interrupts'] !== 'boolean') problems.push('interrupts');
    if (!isTime(d['triggeredAt'])) problems.push('triggeredAt');
    if (!Array.isArray(d['reasons'])) problems.push('reasons');
    if (!Array.isArray(d['allReasonCodes']) || !(d['allReasonCodes'] as unknown[]).every((c) => typeof c === 'string')) problems.push('allReasonCodes');
  } else {
    const want = kind === 'alert.acknowledged' ? 'acknowledged' : 'resolved';
    if (d['status'] !== want) problems.push('status');
    if (typeof d['by'] !== 'string' || !d['by']) problems.push('by');
    if (!isTime(d['at'])) problems.push('at');
  }
  if (problems.length) throw new InvalidAlertEventError(`invalid alert event: ${problems.join(', ')}`);
  const base = {
    eventId: e.id,
    type: kind,
    alertId: d['alertId'] as string,
    patientId: d['patientId'] as string,
    careTeamId: d['careTeamId'] as string,
    at: e.time,
  };
  if (kind === 'alert.raised') return { ...base, status: 'open', alert: d as unknown as AlertRaisedData };
  // The status after an update is the ingestor's to say (withStatus); until then, open.
  if (kind === 'alert.updated') return { ...base, status: 'open', update: d as unknown as AlertUpdatedData };
  const l = d as unknown as AlertLifecycleData;
  const change: AlertChange = { by: l.by, at: l.at };
  if (typeof l.note === 'string') change.note = l.note;
  return { ...base, status: l.status, change };
}

/** The stream data with the status the alert has after the event (the ingestor knows it once applied). */
export function withStatus(data: AlertStreamData, status: AlertStatus): AlertStreamData {
  return data.status === status ? data : { ...data, status };
}
