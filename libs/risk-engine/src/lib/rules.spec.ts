import { factor, profile, scoreOne } from './spec-helpers';
import { EngineCheckIn, EngineQuestionnaire, RiskScore } from './types';

/** Answers of `count` items in 0..max summing to `total`; with `last`, the last item is fixed to it. */
function answersFor(count: number, max: number, total: number, last?: number): number[] {
  const out = new Array<number>(count).fill(0);
  const free = last === undefined ? count : count - 1;
  if (last !== undefined) out[count - 1] = last;
  let left = total - (last ?? 0);
  for (let i = 0; i < free && left > 0; i++) {
    out[i] = Math.min(max, left);
    left -= out[i];
  }
  if (left !== 0) throw new Error(`cannot make ${total}`);
  return out;
}

function withQuestionnaire(q: unknown): RiskScore {
  return scoreOne({ questionnaires: [q as EngineQuestionnaire] }).score;
}

describe('PHQ-9 bands (Kroenke 2001): both sides of every edge', () => {
  it.each([
    [0, 'minimal', 'info', 0],
    [4, 'minimal', 'info', 0],
    [5, 'mild', 'low', 5],
    [9, 'mild', 'low', 5],
    [10, 'moderate', 'medium', 25],
    [14, 'moderate', 'medium', 25],
    [15, 'moderately severe', 'medium', 35],
    [19, 'moderately severe', 'medium', 35],
    [20, 'severe', 'high', 50],
    [24, 'severe', 'high', 50],
  ])('total %p is %s', (total, band, severity, points) => {
    const s = withQuestionnaire({ instrument: 'PHQ-9', answers: answersFor(9, 3, total, 0) });
    const f = factor(s, 'phq9.total');
    expect(f).toMatchObject({ value: total, severity, points });
    expect(f?.threshold).toContain(band);
    expect(f?.message).toContain(`PHQ-9 total ${total} of 27: ${band}`);
    expect(factor(s, 'phq9.item9')).toBeUndefined();
  });

  it('27 (with item 9) is severe and critical', () => {
    const s = withQuestionnaire({ instrument: 'PHQ-9', answers: answersFor(9, 3, 27, 3) });
    expect(factor(s, 'phq9.total')).toMatchObject({ value: 27, severity: 'high' });
    expect(factor(s, 'phq9.item9')).toMatchObject({ value: 3, severity: 'critical' });
  });
});

describe('PHQ-9 item 9', () => {
  it.each([
    [1, 'several days'],
    [2, 'more than half the days'],
    [3, 'nearly every day'],
  ])('answer %p is critical whatever the total', (answer, words) => {
    const { score, alerts } = scoreOne({ questionnaires: [{ instrument: 'PHQ-9', answers: [0, 0, 0, 0, 0, 0, 0, 0, answer] }] });
    const f = factor(score, 'phq9.item9');
    expect(f).toMatchObject({ severity: 'critical', value: answer });
    expect(f?.message).toContain(`"${words}"`);
    expect(score.level).toBe('critical');
    expect(alerts.map((a) => a.ruleCode)).toEqual(['phq9.item9']);
  });

  it('answer 0 raises nothing', () => {
    const s = withQuestionnaire({ instrument: 'PHQ-9', answers: [3, 3, 3, 0, 0, 0, 0, 0, 0] });
    expect(factor(s, 'phq9.item9')).toBeUndefined();
  });

  it('several PHQ-9 in one check-in: the highest total and the highest item 9 count', () => {
    const { score } = scoreOne({
      questionnaires: [
        { instrument: 'PHQ-9', answers: [3, 3, 3, 3, 0, 0, 0, 0, 0] },
        { instrument: 'PHQ-9', answers: [0, 0, 0, 0, 0, 0, 0, 0, 1] },
      ],
    });
    expect(factor(score, 'phq9.total')?.value).toBe(12);
    expect(factor(score, 'phq9.item9')?.value).toBe(1);
  });
});

describe('GAD-7 bands (Spitzer 2006)', () => {
  it.each([
    [0, 'minimal', 'info'],
    [4, 'minimal', 'info'],
    [5, 'mild', 'low'],
    [9, 'mild', 'low'],
    [10, 'moderate', 'medium'],
    [14, 'moderate', 'medium'],
    [15, 'severe', 'medium'],
    [21, 'severe', 'medium'],
  ])('total %p is %s', (total, band, severity) => {
    const f = factor(withQuestionnaire({ instrument: 'GAD-7', answers: answersFor(7, 3, total) }), 'gad7.total');
    expect(f).toMatchObject({ value: total, severity });
    expect(f?.threshold).toContain(band);
  });
});

describe('CAT impact bands (Jones 2009)', () => {
  it.each([
    [0, 'low', 'info'],
    [9, 'low', 'info'],
    [10, 'medium', 'low'],
    [20, 'medium', 'low'],
    [21, 'high', 'medium'],
    [30, 'high', 'medium'],
    [31, 'very high', 'medium'],
    [40, 'very high', 'medium'],
  ])('total %p is %s impact', (total, band, severity) => {
    const f = factor(withQuestionnaire({ instrument: 'CAT', answers: answersFor(8, 5, total) }), 'cat.total');
    expect(f).toMatchObject({ value: total, severity });
    expect(f?.threshold).toBe(`${f?.threshold.split(' ')[0]} ${band} impact`);
  });
});

describe('malformed questionnaires are ignored, named, never thrown on', () => {
  it.each([
    ['too few answers', { instrument: 'PHQ-9', answers: [1, 1, 1] }],
    ['too many answers', { instrument: 'GAD-7', answers: [1, 1, 1, 1, 1, 1, 1, 1] }],
    ['answer out of range', { instrument: 'PHQ-9', answers: [0, 0, 0, 0, 0, 0, 0, 0, 4] }],
    ['negative answer', { instrument: 'CAT', answers: [0, 0, 0, 0, 0, 0, 0, -1] }],
    ['fractional answer', { instrument: 'GAD-7', answers: [0.5, 0, 0, 0, 0, 0, 0] }],
    ['string answer', { instrument: 'GAD-7', answers: ['1', 0, 0, 0, 0, 0, 0] }],
    ['null answer', { instrument: 'CAT', answers: [null, 0, 0, 0, 0, 0, 0, 0] }],
    ['answers not an array', { instrument: 'PHQ-9', answers: 'nine' }],
    ['unknown instrument', { instrument: 'EQ-5D', answers: [1, 1, 1, 1, 1] }],
    ['not an object', 42],
    ['null', null],
  ])('%s', (_name, q) => {
    const s = withQuestionnaire(q);
    expect(s.factors.map((f) => f.code)).toEqual(['questionnaire.invalid']);
    expect(factor(s, 'questionnaire.invalid')).toMatchObject({ severity: 'info', points: 0 });
    expect(s.score).toBe(0);
  });

  it('a malformed item 9 never raises the item-9 alert', () => {
    const { score, alerts } = scoreOne({ questionnaires: [{ instrument: 'PHQ-9', answers: [0, 0, 0, 0, 0, 0, 0, 0, 7] }] });
    expect(factor(score, 'phq9.item9')).toBeUndefined();
    expect(alerts).toEqual([]);
  });

  it('questionnaires that are not an array are named', () => {
    const { score } = scoreOne({ questionnaires: 'PHQ-9' as unknown as EngineQuestionnaire[] });
    expect(factor(score, 'input.ignored')?.value).toBe('questionnaires');
  });
});

describe('glucose (ADA hypoglycaemia levels; hyperglycaemia > 250 mg/dL)', () => {
  it.each([
    [20, 'glucose.low2', 'critical'],
    [53, 'glucose.low2', 'critical'],
    [54, 'glucose.low1', 'medium'],
    [69, 'glucose.low1', 'medium'],
    [70, null, null],
    [250, null, null],
    [251, 'glucose.high', 'medium'],
    [700, 'glucose.high', 'medium'],
    [69.5, null, null], // rounded to 70 mg/dL, as meters report
    [53.4, 'glucose.low2', 'critical'],
  ])('%p mg/dL -> %s', (g, code, severity) => {
    const { score } = scoreOne({ vitals: { glucoseMgDl: g } });
    const glucose = score.factors.filter((f) => f.code.startsWith('glucose.'));
    if (code === null) expect(glucose).toEqual([]);
    else expect(glucose).toEqual([expect.objectContaining({ code, severity })]);
  });

  it('level 2 hypoglycaemia raises a critical alert', () => {
    const { alerts } = scoreOne({ vitals: { glucoseMgDl: 45 } });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ ruleCode: 'glucose.low2', severity: 'critical' });
    expect(alerts[0].summary).toContain('Glucose 45 mg/dL');
  });
});

describe('chest pain', () => {
  const base: Partial<EngineCheckIn> = { symptoms: { chestPain: true } };

  it('alone is high: a level rise, so an alert, but not critical', () => {
    const { score, alerts } = scoreOne(base);
    expect(factor(score, 'symptom.chestPain')).toMatchObject({ severity: 'high', points: 50, message: 'Chest pain reported.' });
    expect(score.level).toBe('high');
    expect(alerts.map((a) => [a.ruleCode, a.severity])).toEqual([['risk.level', 'high']]);
  });

  it.each([
    ['breathlessness 3', { symptoms: { chestPain: true, breathlessness: 3 } }, 'breathlessness 3 of 4'],
    ['dizziness 4', { symptoms: { chestPain: true, dizziness: 4 } }, 'dizziness 4 of 4'],
    ['a NEWS2 parameter scoring 3', { symptoms: { chestPain: true }, vitals: { heartRate: 135 } }, 'pulse scoring 3 NEWS2 points'],
    ['NEWS2 5', { symptoms: { chestPain: true }, vitals: { heartRate: 115, respiratoryRate: 22, temperatureC: 38.5 } }, 'NEWS2 5'],
  ])('with %s is critical', (_name, fields, words) => {
    const { score, alerts } = scoreOne(fields as Partial<EngineCheckIn>);
    const f = factor(score, 'symptom.chestPain');
    expect(f).toMatchObject({ severity: 'critical' });
    expect(f?.message).toContain(words);
    expect(alerts[0]).toMatchObject({ ruleCode: 'symptom.chestPain', severity: 'critical' });
  });

  it('chestPain false adds nothing', () => {
    expect(scoreOne({ symptoms: { chestPain: false } }).score.factors).toEqual([]);
  });
});

describe('supporting factors', () => {
  it.each([
    [{ symptoms: { breathlessness: 2 } }, [], 0],
    [{ symptoms: { breathlessness: 3 } }, ['symptom.breathlessness'], 5],
    [{ symptoms: { swelling: 4 } }, ['symptom.swelling'], 10],
    [{ symptoms: { fatigue: 4 } }, ['symptom.fatigue'], 5],
    [{ symptoms: { pain: 6 } }, [], 0],
    [{ symptoms: { pain: 7 } }, ['symptom.pain'], 5],
    [{ symptoms: { pain: 9 } }, ['symptom.pain'], 10],
    [{ medication: { adherence: 'all' } }, [], 0],
    [{ medication: { adherence: 'some' } }, ['medication.adherence'], 5],
    [{ medication: { adherence: 'none' } }, ['medication.adherence'], 10],
    [{ mood: 1 }, ['mood.low'], 5],
    [{ mood: 2 }, [], 0],
  ])('%j', (fields, expected, score) => {
    const s = scoreOne(fields as Partial<EngineCheckIn>).score;
    expect(s.factors.map((f) => f.code)).toEqual(expected);
    expect(s.score).toBe(score);
  });

  it('symptoms in one domain count once (the largest)', () => {
    const s = scoreOne({ symptoms: { breathlessness: 4, swelling: 4, dizziness: 3 } }).score;
    expect(s.factors).toHaveLength(3);
    expect(s.score).toBe(10);
  });
});

describe('defensive reading of values', () => {
  it('leaves out implausible or mistyped values and names them', () => {
    const { score } = scoreOne({
      vitals: { spo2: 150, heartRate: Number.NaN, systolicBp: '120' as unknown as number, weightKg: 80, consciousness: 'X' as unknown as 'A' },
      symptoms: { breathlessness: 9, chestPain: 'yes' as unknown as boolean },
      mood: 0,
    });
    expect(factor(score, 'input.ignored')?.value).toBe('systolic blood pressure, pulse, SpO2, consciousness, breathlessness, chest pain, mood');
    expect(score.news2).toBeNull();
    expect(score.score).toBe(0);
  });

  it('treats null as absent', () => {
    const { score } = scoreOne({ vitals: { spo2: null as unknown as number, heartRate: 70 } });
    expect(factor(score, 'input.ignored')).toBeUndefined();
    expect(score.news2?.parametersPresent).toEqual(['heartRate']);
  });

  it('reads a profile with an unknown SpO2 scale as scale 1', () => {
    const p = profile({ news2SpO2Scale: 3 as unknown as 1 });
    expect(scoreOne({ vitals: { spo2: 90 } }, p).score.news2).toMatchObject({ total: 3, spo2Scale: 1 });
  });
});
