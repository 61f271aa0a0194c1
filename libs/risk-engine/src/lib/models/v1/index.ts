/**
 * v1: static-v0 plus adaptive personal baselines, which both flag sustained deviations from the
 * patient's own normal and temper NEWS2 points that are usual for a stable patient; repeated
 * questionnaire totals, glucose within the usual range and the level memory's window (README).
 */
import { LEVEL_WINDOW_MEMORY } from '../../alerts';
import { levelRiseModel } from '../level-rise';
import { V1_PERSONALISATION } from './personalisation';

export const V1 = levelRiseModel({
  version: 'v1',
  description: 'static-v0 plus adaptive personal baselines',
  personalisation: V1_PERSONALISATION,
  memory: LEVEL_WINDOW_MEMORY,
  engagement: { remindFirst: false },
});
