import { DAY_MS } from '../lib/patient';
import { planFeed, type FeedPlan, type PlannedPatient } from '../lib/run-feed';

/**
 * A feed plan, drawn back from now, that has what a test needs. Its random draws change with the
 * date, so a test that needs (say) an offline batch takes the first of ten seeds (`${seed}-0`, ...)
 * whose plan `fits`, rather than passing on some days and failing on others.
 */
export function planWith(plan: Omit<FeedPlan, 'nowMs'>, fits: (patients: PlannedPatient[]) => boolean): PlannedPatient[] {
  for (let attempt = 0; attempt < 10; attempt++) {
    const patients = planFeed({ ...plan, seed: `${plan.seed}-${attempt}`, nowMs: endOfYesterday() });
    if (fits(patients)) return patients;
  }
  throw new Error(`none of ten seeds planned what the test needs (${plan.seed})`);
}

/**
 * The plan ends at the last millisecond of yesterday (UTC), so its shape does not depend on the time
 * of day: drawn back from "now" shortly after midnight, when the plan's last day had barely begun,
 * the feed retry tests found none of the shapes they pick (they failed at 00:50 UTC and passed with
 * this). Still in the past, as the services require.
 */
function endOfYesterday(): number {
  return Math.floor(Date.now() / DAY_MS) * DAY_MS - 1;
}
