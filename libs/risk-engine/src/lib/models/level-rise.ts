/**
 * The alert policy of static-v0 and v1 (README "Alerts"): critical factors under their own code,
 * a rise of the level to medium or above as `risk.level`, a cool-down per rule. The two differ
 * only in their personalisation and in how they remember levels.
 */
import { LevelMemory, decideAlerts } from '../alerts';
import { EngagementPolicy } from '../engagement';
import { Personalisation, assess } from '../pipeline';
import { bookOf, withBook } from '../state';
import { ModelVersion, RaisedAlert } from '../types';
import { RiskModel } from './model';

export interface LevelRiseSpec {
  readonly version: ModelVersion;
  readonly description: string;
  readonly personalisation: Personalisation;
  readonly memory: LevelMemory;
  readonly engagement: EngagementPolicy;
}

export function levelRiseModel(spec: LevelRiseSpec): RiskModel {
  const { version, personalisation, memory } = spec;
  const model: RiskModel = {
    version,
    description: spec.description,
    engagement: spec.engagement,
    score({ profile, state, checkIn, at, opts }) {
      const a = assess(version, personalisation, profile, state, checkIn, at, opts);
      let alerts: RaisedAlert[] = [];
      let book = bookOf(state, version);
      if (!a.late) {
        const decided = decideAlerts(
          {
            model: version,
            profile,
            book,
            at,
            checkInId: checkIn.checkInId,
            recordedAt: checkIn.recordedAt,
            level: a.level,
            score: a.points,
            factors: a.factors,
            opts,
            repeats: a.repeats,
          },
          memory,
        );
        alerts = decided.alerts;
        book = decided.book;
      }
      return { state: withBook(state, a.history, version, book), score: a.score, alerts, updates: [] };
    },
  };
  return Object.freeze(model);
}
