/**
 * Engagement: the time-driven decision about a patient's silence (README "Engagement").
 *
 * static-v0 and v1 tell the care team (`engagement.missedCheckIn`) as soon as the silence is longer
 * than the expected interval. v2 first reminds the patient (a reminder for `reminder.due`) and tells
 * the team only when the silence reaches twice the interval, or at once when the patient's last
 * score was medium or above. Everything yielded depends only on the state, the profile and the
 * silence (never on `now` beyond "has the instant passed"), so a re-check yields nothing new and
 * ids are derived from the silence: a redelivered or repeated tick duplicates nothing.
 */
import { alertId } from './alerts';
import { ENGAGEMENT_RULE_CODE } from './catalogue';
import { fmtAuto } from './format';
import { deterministicUuid } from './ids';
import { ResolvedOptions, resolveOptions } from './options';
import { factor } from './rules';
import { levelRank } from './score';
import { modelNamed } from './models/registry';
import { assertState, bookOf, withBook } from './state';
import { formatInstant, formatInstantForPeople, parseInstant } from './time';
import {
  AlertSeverity,
  EngagementResult,
  EngineOptions,
  EngineReminder,
  ModelBook,
  ModelVersion,
  PatientProfile,
  PatientState,
  RaisedAlert,
  RiskEngineInputError,
} from './types';

/** How a model handles a silence. */
export interface EngagementPolicy {
  /** Remind the patient at the interval and tell the team at `TEAM_AFTER_INTERVALS` × it (at once after a medium+ score); false: tell the team at the interval. */
  readonly remindFirst: boolean;
}

/** v2: the team hears of a silence at this many expected intervals (unless the last score was medium or above). */
export const TEAM_AFTER_INTERVALS = 2;

/** One silence: when it started and what has been yielded for it. */
interface Silence {
  readonly start: number;
  readonly hasCheckIn: boolean;
  readonly intervalMs: number;
  /** Offset from `start` at which the team is told. */
  readonly teamAfterMs: number;
  /** Offset from `start` at which the patient is reminded (null: never, static-v0 and v1). */
  readonly remindAfterMs: number | null;
  readonly reminded: boolean;
  readonly notified: boolean;
}

function intervalMsOf(profile: PatientProfile, opts: ResolvedOptions): number {
  const hours = profile.expectedCheckInIntervalHours;
  return typeof hours === 'number' && Number.isFinite(hours) && hours > 0 ? hours * 3_600_000 : opts.defaultIntervalMs;
}

/**
 * v2 tells the team at the interval, not at twice it, when the last score was at least
 * `EngineOptions.teamAtOnceFromLevel`: medium by default (issue #17); `'high'` is rule R4 of
 * 2026-12-08, an option off by default (README "The tuning round of 2026-12-08").
 */
function concerning(book: ModelBook, hasCheckIn: boolean, opts: ResolvedOptions): boolean {
  return hasCheckIn && levelRank(book.lastLevel) >= levelRank(opts.teamAtOnceFromLevel);
}

function silenceOf(model: ModelVersion, profile: PatientProfile, state: PatientState, opts: ResolvedOptions): Silence | null {
  const hasCheckIn = state.history.newestAt !== null;
  const start = hasCheckIn ? state.history.newestAt : parseInstant(profile.enrolledAt);
  if (start === null) return null;
  const book = bookOf(state, model);
  const intervalMs = intervalMsOf(profile, opts);
  const remindFirst = modelNamed(model).engagement.remindFirst;
  const teamAfterMs = remindFirst && !concerning(book, hasCheckIn, opts) ? TEAM_AFTER_INTERVALS * intervalMs : intervalMs;
  return {
    start,
    hasCheckIn,
    intervalMs,
    teamAfterMs,
    remindAfterMs: remindFirst ? intervalMs : null,
    reminded: book.remindedFor === start,
    notified: book.engagementNotifiedFor === start,
  };
}

/**
 * The instant (epoch ms, device-time scale) after which `checkEngagement` yields something new for
 * this state, or null when nothing more will come for the current silence (until the next check-in
 * or profile change). The engine yields strictly after it, so a scheduler should check just past it.
 */
export function nextEngagementDueAt(model: ModelVersion, profile: PatientProfile, state: PatientState, options?: EngineOptions): number | null {
  modelNamed(model);
  const opts = resolveOptions(options);
  assertState(profile, state);
  const s = silenceOf(model, profile, state, opts);
  if (s === null) return null;
  const due: number[] = [];
  if (s.remindAfterMs !== null && !s.reminded) due.push(s.start + s.remindAfterMs);
  if (!s.notified) due.push(s.start + s.teamAfterMs);
  return due.length === 0 ? null : Math.min(...due);
}

/**
 * Time-driven: for static-v0 and v1, raises `engagement.missedCheckIn` when `now` is more than the
 * expected interval after the newest check-in (by device time; or after `profile.enrolledAt` if
 * there has been none), once per silence. For v2, see the file comment. The content and ids depend
 * only on the silence, not on `now`.
 */
export function checkEngagement(model: ModelVersion, profile: PatientProfile, state: PatientState, now: string, options?: EngineOptions): EngagementResult {
  modelNamed(model);
  const opts = resolveOptions(options);
  assertState(profile, state);
  const nowMs = parseInstant(now);
  if (nowMs === null) throw new RiskEngineInputError('now must be an ISO-8601 instant with offset', 'now');
  const s = silenceOf(model, profile, state, opts);
  if (s === null) return { state, alerts: [], reminders: [] };
  const elapsed = nowMs - s.start;
  const remind = s.remindAfterMs !== null && !s.reminded && elapsed > s.remindAfterMs;
  const notify = !s.notified && elapsed > s.teamAfterMs;
  if (!remind && !notify) return { state, alerts: [], reminders: [] };

  const book = bookOf(state, model);
  const reminders = remind ? [reminderOf(model, profile, s)] : [];
  const alerts = notify ? [missedCheckInAlert(model, profile, book, s)] : [];
  const next: ModelBook = { ...pickBook(book) };
  if (notify) next.engagementNotifiedFor = s.start;
  if (remind) next.remindedFor = s.start;
  return { state: withBook(state, state.history, model, next), alerts, reminders };
}

function reminderOf(model: ModelVersion, profile: PatientProfile, s: Silence): EngineReminder {
  const startText = formatInstant(s.start);
  return {
    reminderId: deterministicUuid(['vigil.reminder.v1', model, profile.tenantId, profile.patientId, `silence:${startText}`]),
    modelVersion: model,
    patientId: profile.patientId,
    tenantId: profile.tenantId,
    careTeamId: profile.careTeamId,
    lastCheckInAt: s.hasCheckIn ? startText : null,
    dueAt: formatInstant(s.start + s.intervalMs),
    expectedIntervalHours: s.intervalMs / 3_600_000,
    escalatesAt: formatInstant(s.start + s.teamAfterMs),
  };
}

function missedCheckInAlert(model: ModelVersion, profile: PatientProfile, book: ModelBook, s: Silence): RaisedAlert {
  const intervalText = fmtAuto(s.intervalMs / 3_600_000);
  const startText = formatInstant(s.start);
  const startForPeople = formatInstantForPeople(s.start);
  const sick = book.lastLevel === 'high' || book.lastLevel === 'critical';
  const severity: AlertSeverity = sick && s.hasCheckIn ? 'high' : 'medium';
  const remindFirst = s.remindAfterMs !== null;
  const atTwice = remindFirst && s.teamAfterMs > s.intervalMs;
  let message: string;
  if (!s.hasCheckIn) {
    message = `No check-in since enrolment at ${startForPeople}, longer than ${atTwice ? 'twice ' : ''}the expected interval of ${intervalText} h.`;
  } else if (atTwice) {
    message = `No check-in since ${startForPeople} (device time), twice the expected interval of ${intervalText} h; the patient was reminded at ${intervalText} h.`;
  } else {
    const told = remindFirst
      ? ' The last check-in was ' + book.lastLevel + ' risk, so the team is told at once.'
      : severity === 'high'
        ? ` The last check-in was ${book.lastLevel} risk.`
        : '';
    message = `No check-in since ${startForPeople} (device time), longer than the expected interval of ${intervalText} h.${told}`;
  }
  const teamText = fmtAuto(s.teamAfterMs / 3_600_000);
  const reason = factor(
    ENGAGEMENT_RULE_CODE,
    'engagement',
    Number(teamText),
    `more than ${teamText} h without a check-in`,
    0,
    severity,
    message,
    `No check-in for over ${teamText} h`,
  );
  return {
    alertId: alertId(model, profile.tenantId, profile.patientId, ENGAGEMENT_RULE_CODE, `silence:${startText}`),
    modelVersion: model,
    patientId: profile.patientId,
    tenantId: profile.tenantId,
    careTeamId: profile.careTeamId,
    ruleCode: ENGAGEMENT_RULE_CODE,
    severity,
    level: book.lastLevel,
    score: book.lastScore,
    triggeredAt: formatInstant(s.start + s.teamAfterMs),
    reasons: [reason],
    summary: `Missed check-in: none for over ${teamText} h`,
  };
}

/** A copy of the book with exactly its known fields (a book read from JSON may carry others). */
export function pickBook(b: ModelBook): ModelBook {
  const out: ModelBook = {
    lastLevel: b.lastLevel,
    lastScore: b.lastScore,
    lastLevelAt: b.lastLevelAt,
    alerts: b.alerts,
    engagementNotifiedFor: b.engagementNotifiedFor,
  };
  if (b.recentLevels !== undefined) out.recentLevels = b.recentLevels;
  if (b.glucoseLevelAt !== undefined) out.glucoseLevelAt = b.glucoseLevelAt;
  if (b.remindedFor !== undefined) out.remindedFor = b.remindedFor;
  if (b.problems !== undefined) out.problems = b.problems;
  if (b.candidates !== undefined) out.candidates = b.candidates;
  return out;
}
