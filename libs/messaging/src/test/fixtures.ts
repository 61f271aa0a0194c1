import { createEvent, EVENT_TYPES, type VigilEvent } from '@vigil/contracts';
import { randomUUID } from 'node:crypto';

/** A check-in event for patient `patient`, carrying `n` in its data. */
export function checkinEvent(patient: string, n: number, extra: Record<string, unknown> = {}): VigilEvent<{ n: number; patient: string }> {
  return createEvent({
    id: randomUUID(),
    source: 'vigil/test',
    type: EVENT_TYPES.checkinReceived,
    subject: patient,
    time: new Date(Date.UTC(2026, 2, 10, 8, 0, 0) + n * 1000).toISOString(),
    tenantid: 'org-test',
    data: { n, patient, ...extra },
  });
}
