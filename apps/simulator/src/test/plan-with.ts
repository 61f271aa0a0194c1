import { planFeed, type FeedPlan, type PlannedPatient } from '../lib/run-feed';

/**
 * A feed plan, drawn back from now, that has what a test needs. Its random draws change with the
 * date, so a test that needs (say) an offline batch takes the first of ten seeds (`${seed}-0`, ...)
 * whose plan `fits`, rather than passing on some days and failing on others.
 */
export function planWith(plan: Omit<FeedPlan, 'nowMs'>, fits: (patients: PlannedPatient[]) => boolean): PlannedPatient[] {
  for (let attempt = 0; attempt < 10; attempt++) {
    const patients = planFeed({ ...plan, seed: `${plan.seed}-${attempt}`, nowMs: Date.now() });
    if (fits(patients)) return patients;
  }
  throw new Error(`none of ten seeds planned what the test needs (${plan.seed})`);
}
