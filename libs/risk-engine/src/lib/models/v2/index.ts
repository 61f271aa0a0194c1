/**
 * v2 (README "v2"): v1's scoring (NEWS2 and condition rules unchanged, personal
 * baselines) plus personal control charts shown as information, with the v2 alert policy: consolidation per clinical problem, agreement across
 * signs and artefact confirmation, critical factors of late check-ins alerted as late, and
 * reminders before missed-check-in alerts.
 */
import { assess } from '../../pipeline';
import { bookOf, withBook } from '../../state';
import { RiskModel } from '../model';
import { CleanVitals } from '../../sanitize';
import { consolidate } from './consolidation';
import { v2Personalisation } from './personalisation';

/** The check-in carries at least one device reading (a vital, weight or glucose): rule R6's input. */
function hasDeviceReading(v: CleanVitals): boolean {
  return Object.values(v).some((x) => typeof x === 'number');
}

export const V2: RiskModel = Object.freeze({
  version: 'v2',
  description: 'v1 scoring; alerts consolidated per problem, confirmed by agreement, late criticals, reminders first',
  engagement: { remindFirst: true },
  score({ profile, state, checkIn, at, opts }) {
    const conditions = Array.isArray(profile.conditions) ? profile.conditions : [];
    const a = assess('v2', v2Personalisation(conditions), profile, state, checkIn, at, opts);
    const decided = consolidate({
      profile,
      book: bookOf(state, 'v2'),
      at,
      checkInId: checkIn.checkInId,
      recordedAt: checkIn.recordedAt,
      level: a.level,
      score: a.points,
      factors: a.factors,
      late: a.late,
      repeats: a.repeats,
      measured: hasDeviceReading(a.clean.vitals),
    });
    return { state: withBook(state, a.history, 'v2', decided.book), score: a.score, alerts: decided.alerts, updates: decided.updates };
  },
} satisfies RiskModel);
