/**
 * v2's personalisation: v1's (baselines, tempering, weight, glucose, questionnaires, mood) plus the
 * personal control charts (control-chart.ts), whose drift factors are information on the score.
 */
import { Personalisation } from '../../pipeline';
import { Condition } from '../../types';
import { V1_PERSONALISATION } from '../v1/personalisation';
import { chartFactors } from './control-chart';

export function v2Personalisation(conditions: readonly Condition[]): Personalisation {
  // Built per check-in (it closes over the profile's conditions): a handful of fields, cheap.
  return {
    ...V1_PERSONALISATION,
    personal(state, v, at, opts, symptomatic) {
      const out = V1_PERSONALISATION.personal(state, v, at, opts, symptomatic);
      if (out === null) return null;
      for (const f of chartFactors(state, v, at, conditions)) out.factors.push(f);
      return out;
    },
  };
}
