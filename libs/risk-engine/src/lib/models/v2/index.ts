/**
 * v2 (issue #17): v1's rules with reminders before missed-check-in alerts. (Work in progress:
 * consolidation, control charts, agreement across signs and artefact confirmation follow.)
 */
import { LEVEL_WINDOW_MEMORY } from '../../alerts';
import { levelRiseModel } from '../level-rise';
import { V1_PERSONALISATION } from '../v1/personalisation';

export const V2 = levelRiseModel({
  version: 'v2',
  description: 'v1 plus reminders before missed-check-in alerts',
  personalisation: V1_PERSONALISATION,
  memory: LEVEL_WINDOW_MEMORY,
  engagement: { remindFirst: true },
});
