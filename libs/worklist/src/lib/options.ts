import { WorklistOptions } from './types';

export const DEFAULT_WORKLIST_OPTIONS: Readonly<WorklistOptions> = Object.freeze({
  defaultCheckInIntervalHours: 48,
  staleScoreHours: 7 * 24,
  trendWindowHours: 7 * 24,
  trendMinRise: 10,
  retryWindowHours: 48,
});

/** Points of each part; the README explains them. Changing one changes every ranking: bump the README with it. */
export const WEIGHTS = Object.freeze({
  alertSeverity: { critical: 70, high: 42, medium: 25 } as const,
  /** Each further unresolved alert of another problem. */
  extraProblem: 4,
  extraProblemCap: 12,
  /** An unacknowledged worst alert climbs this much per hour waiting... */
  waitingPerHour: 0.25,
  /** ...up to this. */
  waitingCap: 8,
  /** Acknowledged alerts count this fraction. */
  acknowledgedFactor: 0.6,
  scoreLevel: { critical: 40, high: 30, medium: 18, low: 6, none: 0 } as const,
  /** Plus this fraction of the 0-100 score value. */
  scoreValueFactor: 0.1,
  /** Of the smaller of alerts and score (the larger counts whole): they often describe the same thing. */
  overlapFactor: 0.25,
  trendPerPoint: 1 / 3,
  trendCap: 10,
  overdueFirst: 12,
  overduePerFurther: 6,
  overdueCap: 30,
  neverCheckedIn: 10,
  /** What happened before a successful contact (reached, escalated) counts this fraction. */
  handledFactor: 0.5,
  notReached: 5,
});

export const PRIORITY_LEVEL_FLOORS = Object.freeze({ urgent: 70, high: 45, medium: 20 } as const);
