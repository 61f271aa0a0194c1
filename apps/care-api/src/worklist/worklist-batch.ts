import type { ConsumedEvent } from '@vigil/messaging';
import { InvalidWorklistEventError, toWorklistEvent } from './worklist-events';
import type { WorklistEvent } from './worklist-state';

/** One patient's events of a consumed batch, in offset order, already read (worklist-events.ts). */
export interface PatientEvents {
  key: string;
  tenantId: string;
  patientId: string;
  items: { consumed: ConsumedEvent; event: WorklistEvent }[];
}

export interface GroupedBatch {
  groups: PatientEvents[];
  skipped: ConsumedEvent[];
  invalid: { consumed: ConsumedEvent; error: InvalidWorklistEventError }[];
}

export const patientKey = (c: ConsumedEvent): string => `${c.event.tenantid}/${c.event.subject}`;

/**
 * Splits a batch by patient (pure): each patient's usable events in order, the types the worklist
 * does not use, and the events that can never apply (dead letters: the patient's others go on).
 */
export function groupByPatient(events: readonly ConsumedEvent[]): GroupedBatch {
  const byKey = new Map<string, PatientEvents>();
  const skipped: ConsumedEvent[] = [];
  const invalid: GroupedBatch['invalid'] = [];
  for (const consumed of events) {
    let event: WorklistEvent | null;
    try {
      event = toWorklistEvent(consumed.event);
    } catch (e) {
      if (!(e instanceof InvalidWorklistEventError)) throw e;
      invalid.push({ consumed, error: e });
      continue;
    }
    if (!event) {
      skipped.push(consumed);
      continue;
    }
    const key = patientKey(consumed);
    let g = byKey.get(key);
    if (!g) byKey.set(key, (g = { key, tenantId: consumed.event.tenantid, patientId: consumed.event.subject, items: [] }));
    g.items.push({ consumed, event });
  }
  return { groups: [...byKey.values()], skipped, invalid };
}
