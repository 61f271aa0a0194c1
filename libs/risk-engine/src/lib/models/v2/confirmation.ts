/**
 * v2: agreement across signs and artefact confirmation (README "v2"). Deterioration moves several
 * signs of one syndrome at once; a device artefact (a cold finger on the oximeter, a weighing in
 * clothes, a misread cuff) moves one. So a problem whose only evidence is a single device reading
 * waits for the next reading (consolidation.ts keeps it as a candidate); two signs that agree, or
 * evidence the patient reports (questionnaires, symptoms) or a meter reading of blood sugar,
 * count at once. Critical factors never wait.
 */
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
  return code;
}

/** A reading from a home device, which an artefact can move on its own. */
export function isDeviceReading(code: string): boolean {
  return /^(news2|baseline|chart|hf)\./.test(code);
}

/** True when the evidence needs no second reading: two agreeing signs, or anything that is not one device reading. */
export function confirmedAlone(fs: readonly RiskFactor[]): boolean {
  const signs = new Set<string>();
  let device = true;
  for (const f of fs) {
    const s = signOf(f.code);
    if (s !== null) signs.add(s);
    if (!isDeviceReading(f.code)) device = false;
  }
  return !device || signs.size >= 2;
}
