/**
 * v2: which clinical problem each factor is evidence of (README "v2: consolidation"). Alerts are
 * consolidated per patient and problem: a nurse acts on "her heart failure is worsening", not on
 * each sign of it separately.
 */
import { ClinicalProblem, Condition, RiskFactor } from '../../types';

/** Signs of the heart and lungs: heart failure or COPD by the patient's conditions. */
const CARDIORESPIRATORY =
  /^(news2\.|baseline\.(spo2|heartRate|respiratoryRate|systolicBp|temperatureC)|chart\.(spo2|heartRate|respiratoryRate|systolicBp)|symptom\.(breathlessness|chestPain))/;
const FLUID = /^(hf\.|baseline\.weightKg|chart\.weightKg|symptom\.swelling)/;
const MOOD = /^(phq9\.|gad7\.|mood\.)/;

function cardiorespiratoryOf(conditions: readonly Condition[]): ClinicalProblem {
  const hf = conditions.includes('heart-failure');
  const copd = conditions.includes('copd');
  return hf && !copd ? 'heart-failure' : copd && !hf ? 'copd' : 'cardiorespiratory';
}

/** The problem a factor is evidence of, or null (supporting signs: adherence, fatigue, pain, input). */
export function problemOf(code: string, conditions: readonly Condition[]): ClinicalProblem | null {
  if (FLUID.test(code)) return 'heart-failure';
  if (code === 'cat.total') return 'copd';
  if (code.startsWith('glucose.')) return 'glycaemia';
  if (code === 'symptom.dizziness') return conditions.includes('diabetes') ? 'glycaemia' : cardiorespiratoryOf(conditions);
  if (MOOD.test(code)) return 'mood';
  if (CARDIORESPIRATORY.test(code)) return cardiorespiratoryOf(conditions);
  return null;
}

export const PROBLEM_NAMES: Readonly<Record<ClinicalProblem, string>> = {
  'heart-failure': 'Heart failure',
  copd: 'COPD',
  cardiorespiratory: 'Heart and lungs',
  glycaemia: 'Blood sugar',
  mood: 'Mood',
};

/** The factors with a severity above info, by problem, in factor order; problems in a fixed order. */
export function factorsByProblem(factors: readonly RiskFactor[], conditions: readonly Condition[]): Map<ClinicalProblem, RiskFactor[]> {
  const out = new Map<ClinicalProblem, RiskFactor[]>();
  for (const f of factors) {
    if (f.severity === 'info') continue;
    const p = problemOf(f.code, conditions);
    if (p === null) continue;
    const list = out.get(p);
    if (list === undefined) out.set(p, [f]);
    else list.push(f);
  }
  return new Map([...out].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}
