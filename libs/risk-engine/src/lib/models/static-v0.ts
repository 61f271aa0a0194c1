/**
 * static-v0: population rules only (NEWS2, heart-failure weight, questionnaires, glucose, chest
 * pain, symptoms), nothing learnt from the patient. The comparison baseline for evaluation and replay.
 */
import { LAST_LEVEL_MEMORY } from '../alerts';
import { NO_PERSONALISATION } from '../pipeline';
import { levelRiseModel } from './level-rise';

export const STATIC_V0 = levelRiseModel({
  version: 'static-v0',
  description: 'population rules only (NEWS2, condition rules), the comparison baseline',
  personalisation: NO_PERSONALISATION,
  memory: LAST_LEVEL_MEMORY,
  engagement: { remindFirst: false },
});
