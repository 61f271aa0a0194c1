/**
 * Static condition rules, shared by static-v0 and v1: heart-failure weight, questionnaires,
 * glucose, chest pain and the supporting symptom, adherence and mood factors.
 * Points and severities are listed in the README ("Rules").
 */
import { fmt, fmtAuto, fmtSpan } from './format';
import { News2Computation } from './news2';
import { ResolvedOptions } from './options';
import { CleanCheckIn, ValidQuestionnaire, validateQuestionnaire } from './sanitize';
import { HOUR_MS } from './time';
import { FactorDomain, RiskFactor, Series, Severity } from './types';

export function factor(
  code: string,
  domain: FactorDomain,
  value: number | string | boolean,
  threshold: string,
  points: number,
  severity: Severity,
  message: string,
  label: string,
): RiskFactor {
  return { code, value, threshold, points, severity, message, label, domain };
}

// --- Heart failure: weight -----------------------------------------------------------------

/** The 24 h comparison uses the reading closest to 24 h earlier, between these bounds. */
export const DAY_WINDOW_MIN_MS = 18 * HOUR_MS;
export const DAY_WINDOW_MAX_MS = 30 * HOUR_MS;
/** The 7-day comparison uses the lowest reading between 18 h and 7 days (+6 h tolerance) earlier. */
export const WEEK_WINDOW_MAX_MS = 174 * HOUR_MS;
const DAY_TARGET_MS = 24 * HOUR_MS;

const grams = (kg: number): number => Math.round(kg * 1000);
const kgText = (g: number): string => fmt(g / 1000, 1);

/**
 * Weight factors for a heart-failure patient. `series` is the weight history before this reading
 * was folded in; comparisons are by device time, so arrival order does not matter.
 */
export function heartFailureWeightFactors(series: Series, at: number, weightKg: number, dryWeightKg: number | undefined, opts: ResolvedOptions): RiskFactor[] {
  const out: RiskFactor[] = [];
  const wG = grams(weightKg);
  // Indexes into the series (-1: none). Readings at least 18 h older can never be this check-in.
  let day = -1;
  let dayDistance = Infinity;
  let week = -1;
  const T = series.t;
  const V = series.v;
  for (let i = 0; i < T.length; i++) {
    const ago = at - T[i];
    if (ago < DAY_WINDOW_MIN_MS) break; // ordered by time: everything after is more recent still
    if (ago <= DAY_WINDOW_MAX_MS) {
      const d = Math.abs(ago - DAY_TARGET_MS);
      if (d < dayDistance) {
        day = i;
        dayDistance = d;
      }
    }
    if (ago <= WEEK_WINDOW_MAX_MS && (week < 0 || grams(V[i]) <= grams(V[week]))) week = i;
  }
  const threshold24 = opts.raw.weightGain24hKg;
  if (day >= 0) {
    const gain = wG - grams(V[day]);
    if (gain >= opts.weightGain24hG) {
      out.push(
        factor(
          'hf.weightGain24h',
          'weight',
          gain / 1000,
          `≥${fmtAuto(threshold24)} kg against the reading 18–30 h earlier`,
          25,
          'medium',
          `Weight ${kgText(wG)} kg, up ${kgText(gain)} kg since the reading ${fmtSpan(at - T[day])} earlier (${kgText(grams(V[day]))} kg); threshold ${fmtAuto(threshold24)} kg in about 24 h.`,
          `Weight +${kgText(gain)} kg in 24 h`,
        ),
      );
    }
  }
  const threshold7 = opts.raw.weightGain7dKg;
  if (week >= 0) {
    const gain = wG - grams(V[week]);
    if (gain >= opts.weightGain7dG) {
      out.push(
        factor(
          'hf.weightGain7d',
          'weight',
          gain / 1000,
          `≥${fmtAuto(threshold7)} kg against the lowest reading of the past 7 days`,
          25,
          'medium',
          `Weight ${kgText(wG)} kg, up ${kgText(gain)} kg on the lowest reading of the past 7 days (${kgText(grams(V[week]))} kg, ${fmtSpan(at - T[week])} earlier); threshold ${fmtAuto(threshold7)} kg in a week.`,
          `Weight +${kgText(gain)} kg in 7 days`,
        ),
      );
    }
  }
  if (dryWeightKg !== undefined) {
    const above = wG - grams(dryWeightKg);
    const margin = opts.raw.dryWeightMarginKg;
    if (above >= opts.dryWeightMarginG && above > 0) {
      out.push(
        factor(
          'hf.aboveDryWeight',
          'weight',
          above / 1000,
          `≥${fmtAuto(margin)} kg above the dry weight of ${kgText(grams(dryWeightKg))} kg`,
          25,
          'medium',
          `Weight ${kgText(wG)} kg is ${kgText(above)} kg above the target dry weight of ${kgText(grams(dryWeightKg))} kg; threshold ${fmtAuto(margin)} kg above.`,
          `Weight ${kgText(above)} kg above dry weight`,
        ),
      );
    }
  }
  return out;
}

// --- Questionnaires ------------------------------------------------------------------------

interface Band {
  readonly lo: number;
  readonly hi: number;
  readonly name: string;
  readonly points: number;
  readonly severity: Severity;
}

const band = (lo: number, hi: number, name: string, points: number, severity: Severity): Band => ({ lo, hi, name, points, severity });

/** Kroenke, Spitzer & Williams 2001. */
export const PHQ9_BANDS: readonly Band[] = [
  band(0, 4, 'minimal', 0, 'info'),
  band(5, 9, 'mild', 5, 'low'),
  band(10, 14, 'moderate', 25, 'medium'),
  band(15, 19, 'moderately severe', 35, 'medium'),
  band(20, 27, 'severe', 50, 'high'),
];
/** Spitzer, Kroenke, Williams & Löwe 2006. */
export const GAD7_BANDS: readonly Band[] = [
  band(0, 4, 'minimal', 0, 'info'),
  band(5, 9, 'mild', 5, 'low'),
  band(10, 14, 'moderate', 25, 'medium'),
  band(15, 21, 'severe', 35, 'medium'),
];
/** Jones et al. 2009; CAT user guide impact levels. */
export const CAT_BANDS: readonly Band[] = [
  band(0, 9, 'low', 0, 'info'),
  band(10, 20, 'medium', 5, 'low'),
  band(21, 30, 'high', 25, 'medium'),
  band(31, 40, 'very high', 35, 'medium'),
];

function findBand(bands: readonly Band[], total: number): Band {
  for (const b of bands) if (total <= b.hi) return b;
  return bands[bands.length - 1];
}

const ITEM9_ANSWERS = ['not at all', 'several days', 'more than half the days', 'nearly every day'];

export function questionnaireFactors(questionnaires: readonly unknown[]): RiskFactor[] {
  if (questionnaires.length === 0) return [];
  let phq: ValidQuestionnaire | null = null;
  let item9 = 0;
  let gad: ValidQuestionnaire | null = null;
  let cat: ValidQuestionnaire | null = null;
  const invalid: string[] = [];
  for (const q of questionnaires) {
    const v = validateQuestionnaire(q);
    if ('invalid' in v) {
      const text = v.instrument === 'unknown' ? 'an unrecognised questionnaire' : `a ${v.instrument} (${v.invalid})`;
      if (!invalid.includes(text)) invalid.push(text);
      continue;
    }
    // Several of one instrument in a check-in: the highest total counts (and the highest item 9).
    if (v.instrument === 'PHQ-9') {
      if (phq === null || v.total > phq.total) phq = v;
      if (v.answers[8] > item9) item9 = v.answers[8];
    } else if (v.instrument === 'GAD-7') {
      if (gad === null || v.total > gad.total) gad = v;
    } else if (cat === null || v.total > cat.total) cat = v;
  }
  const out: RiskFactor[] = [];
  if (phq !== null) {
    const b = findBand(PHQ9_BANDS, phq.total);
    out.push(
      factor(
        'phq9.total',
        'mood',
        phq.total,
        `${b.lo}–${b.hi} ${b.name}`,
        b.points,
        b.severity,
        `PHQ-9 total ${phq.total} of 27: ${b.name} depressive symptoms (band ${b.lo}–${b.hi}).`,
        `PHQ-9 ${phq.total} (${b.name})`,
      ),
    );
    if (item9 > 0) {
      out.push(
        factor(
          'phq9.item9',
          'mood',
          item9,
          'any answer above 0',
          70 + 5 * item9,
          'critical',
          `PHQ-9 question 9 (thoughts of being better off dead or of self-harm) answered "${ITEM9_ANSWERS[item9]}". Any answer other than "not at all" needs a same-day suicide-risk assessment.`,
          'PHQ-9 item 9: thoughts of death or self-harm',
        ),
      );
    }
  }
  if (gad !== null) {
    const b = findBand(GAD7_BANDS, gad.total);
    out.push(
      factor(
        'gad7.total',
        'mood',
        gad.total,
        `${b.lo}–${b.hi} ${b.name}`,
        b.points,
        b.severity,
        `GAD-7 total ${gad.total} of 21: ${b.name} anxiety symptoms (band ${b.lo}–${b.hi}).`,
        `GAD-7 ${gad.total} (${b.name})`,
      ),
    );
  }
  if (cat !== null) {
    const b = findBand(CAT_BANDS, cat.total);
    out.push(
      factor(
        'cat.total',
        'copd',
        cat.total,
        `${b.lo}–${b.hi} ${b.name} impact`,
        b.points,
        b.severity,
        `COPD Assessment Test ${cat.total} of 40: ${b.name} impact of COPD on daily life (band ${b.lo}–${b.hi}).`,
        `CAT ${cat.total} (${b.name} impact)`,
      ),
    );
  }
  if (invalid.length > 0) {
    out.push(
      factor(
        'questionnaire.invalid',
        'input',
        invalid.length,
        'answers as the instrument defines them',
        0,
        'info',
        `Received but not scored: ${invalid.join('; ')}.`,
        'Questionnaire not scored',
      ),
    );
  }
  return out;
}

// --- Glucose ------------------------------------------------------------------------------

/** American Diabetes Association hypoglycaemia levels 1 and 2; hyperglycaemia above 250 mg/dL. */
export function glucoseFactors(mgDl: number): RiskFactor[] {
  const g = Math.round(mgDl);
  if (g < 54) {
    return [
      factor(
        'glucose.low2',
        'glucose',
        g,
        '<54 mg/dL',
        80,
        'critical',
        `Blood glucose ${g} mg/dL: level 2 (clinically significant) hypoglycaemia, below 54 mg/dL.`,
        `Glucose ${g} mg/dL (level 2 hypo)`,
      ),
    ];
  }
  if (g < 70) {
    return [
      factor(
        'glucose.low1',
        'glucose',
        g,
        '<70 mg/dL',
        25,
        'medium',
        `Blood glucose ${g} mg/dL: level 1 hypoglycaemia, below 70 mg/dL.`,
        `Glucose ${g} mg/dL (level 1 hypo)`,
      ),
    ];
  }
  if (g > 250) {
    return [
      factor(
        'glucose.high',
        'glucose',
        g,
        '>250 mg/dL',
        25,
        'medium',
        `Blood glucose ${g} mg/dL: hyperglycaemia above 250 mg/dL.`,
        `Glucose ${g} mg/dL (high)`,
      ),
    ];
  }
  return [];
}

// --- Symptoms, adherence, mood -------------------------------------------------------------

const NEWS2_NAMES: Readonly<Record<string, string>> = {
  respiratoryRate: 'respiratory rate',
  spo2: 'SpO2',
  supplementalOxygen: 'supplemental oxygen',
  systolicBp: 'systolic blood pressure',
  heartRate: 'pulse',
  consciousness: 'consciousness',
  temperature: 'temperature',
};

/** Chest pain is high; critical with a red flag (README "Chest pain"). Uses unmodified NEWS2. */
export function chestPainFactor(clean: CleanCheckIn, news2: News2Computation | null): RiskFactor {
  const flags: string[] = [];
  if (news2 !== null) {
    if (news2.total >= 5) flags.push(`NEWS2 ${news2.total}`);
    else for (const p of news2.params) if (p.result.points === 3) flags.push(`${NEWS2_NAMES[p.param]} scoring 3 NEWS2 points`);
  }
  const s = clean.symptoms;
  if (s.breathlessness !== undefined && s.breathlessness >= 3) flags.push(`breathlessness ${fmtAuto(s.breathlessness)} of 4`);
  if (s.dizziness !== undefined && s.dizziness >= 3) flags.push(`dizziness ${fmtAuto(s.dizziness)} of 4`);
  const threshold = 'any chest pain; critical with NEWS2 ≥5, any NEWS2 parameter scoring 3, breathlessness ≥3 or dizziness ≥3';
  if (flags.length > 0) {
    return factor(
      'symptom.chestPain',
      'symptoms',
      true,
      threshold,
      80,
      'critical',
      `Chest pain reported together with ${flags.join(', ')}.`,
      'Chest pain with red flags',
    );
  }
  return factor('symptom.chestPain', 'symptoms', true, threshold, 50, 'high', 'Chest pain reported.', 'Chest pain');
}

function scaleSymptom(code: string, name: string, value: number | undefined, highPoints: number): RiskFactor | null {
  if (value === undefined || value < 3) return null;
  const points = value >= 4 ? highPoints : 5;
  return factor(code, 'symptoms', value, '≥3 of 4', points, 'low', `${name} rated ${fmtAuto(value)} of 4.`, `${name} ${fmtAuto(value)}/4`);
}

export function supportingFactors(clean: CleanCheckIn): RiskFactor[] {
  const out: RiskFactor[] = [];
  const s = clean.symptoms;
  const push = (x: RiskFactor | null): void => {
    if (x !== null) out.push(x);
  };
  push(scaleSymptom('symptom.breathlessness', 'Breathlessness', s.breathlessness, 10));
  push(scaleSymptom('symptom.swelling', 'Swelling', s.swelling, 10));
  push(scaleSymptom('symptom.dizziness', 'Dizziness', s.dizziness, 10));
  push(scaleSymptom('symptom.fatigue', 'Fatigue', s.fatigue, 5));
  if (s.pain !== undefined && s.pain >= 7) {
    out.push(
      factor('symptom.pain', 'symptoms', s.pain, '≥7 of 10', s.pain >= 9 ? 10 : 5, 'low', `Pain rated ${fmtAuto(s.pain)} of 10.`, `Pain ${fmtAuto(s.pain)}/10`),
    );
  }
  if (clean.adherence === 'none') {
    out.push(
      factor('medication.adherence', 'medication', 'none', 'some or none taken', 10, 'low', 'Reports taking none of their medication.', 'No medication taken'),
    );
  } else if (clean.adherence === 'some') {
    out.push(
      factor(
        'medication.adherence',
        'medication',
        'some',
        'some or none taken',
        5,
        'low',
        'Reports taking only some of their medication.',
        'Some medication missed',
      ),
    );
  }
  if (clean.mood !== undefined && clean.mood < 1.5) {
    out.push(factor('mood.low', 'mood', clean.mood, '1 of 5', 5, 'low', `Mood rated ${fmtAuto(clean.mood)} of 5, the lowest.`, 'Mood 1/5'));
  }
  if (clean.ignored.length > 0) {
    out.push(
      factor(
        'input.ignored',
        'input',
        clean.ignored.join(', '),
        'plausible device ranges',
        0,
        'info',
        `Left out as outside plausible device ranges or malformed: ${clean.ignored.join(', ')}.`,
        'Some values left out',
      ),
    );
  }
  return out;
}
