/**
 * v2: agreement across signs and artefact confirmation (README "v2"). Deterioration moves several
 * signs of one syndrome at once; a device artefact (a cold finger on the oximeter, a weighing in
 * clothes, a misread cuff) moves one. So a problem whose only evidence is a single device reading
 * waits for the next reading (consolidation.ts keeps it as a candidate); two signs that agree, or
 * evidence the patient reports (questionnaires, symptoms), count at once. A meter reading of low
 * blood sugar counts at once; one of high blood sugar below the safety limit (300 mg/dL) waits for a
 * second reading, like any single device reading (rule R1). Critical factors never wait.
 */
import { GLUCOSE_SAFETY_LIMIT_MGDL } from '../../glucose-baseline';
import { RiskFactor } from '../../types';

/** The sign a factor is a reading of: NEWS2 parameters and personal-baseline or chart factors of one vital are one sign. */
export function signOf(code: string): string | null {
  if (code === 'news2.total') return null;
  const m = /^(news2|baseline|chart)\.(.+)$/.exec(code);
  if (m !== null) {
    const v = m[2];
    return v === 'temperature' ? 'temperatureC' : v === 'supplementalOxygen' ? 'spo2' : v;
  }
  if (code.startsWith('hf.')) return 'weightKg';
  if (code.startsWith('glucose.')) return 'glucose';
  return code;
}

/**
 * R1: one glucose reading above 250 but below the safety limit waits for a second high reading
 * (within the candidate window): a single post-meal or post-snack high is common in insulin users
 * and was v2's largest single cause of false alerts; a hyperglycaemic illness keeps glucose high
 * for days. From the safety limit on it counts at once (ketones, sick-day rules).
 */
function isSingleHighGlucose(f: RiskFactor): boolean {
  return f.code === 'glucose.high' && typeof f.value === 'number' && f.value < GLUCOSE_SAFETY_LIMIT_MGDL;
}

/** A reading from a home device, which an artefact can move on its own. */
export function isDeviceReading(code: string): boolean {
  return /^(news2|baseline|chart|hf)\./.test(code);
}

function waitsAsDeviceReading(f: RiskFactor): boolean {
  return isDeviceReading(f.code) || isSingleHighGlucose(f);
}

/** True when the evidence needs no second reading: two agreeing signs, or anything that is not one device reading. */
export function confirmedAlone(fs: readonly RiskFactor[]): boolean {
  const signs = new Set<string>();
  let device = true;
  for (const f of fs) {
    const s = signOf(f.code);
    if (s !== null) signs.add(s);
    if (!waitsAsDeviceReading(f)) device = false;
  }
  return !device || signs.size >= 2;
}
