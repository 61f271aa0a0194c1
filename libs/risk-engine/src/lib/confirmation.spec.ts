/**
 * v1's two confirmation rules (README "Confirmation (v1)"): a first deviation counts at once with a
 * second sign (another vital off its usual, or marked breathlessness, swelling or chest pain), and a
 * lone NEWS2 red score within the patient's usual spread (or before there is a baseline) and the
 * safety limits waits for a repeat or a second sign (counts 2 of its 3 points until then).
 */
import { daily, factor, profile, run } from './spec-helpers';
import { EngineVitals } from './types';

const hf = profile({ patientId: 'hf-labile', conditions: ['heart-failure'] });
// A labile home blood pressure (median 112, MAD 6: a change of about 27 mmHg is this patient's threshold).
const LABILE_SBP = [112, 124, 100, 114, 108, 126, 98, 112, 118, 106];
const usual = (i: number): EngineVitals => ({ systolicBp: LABILE_SBP[i], heartRate: 70 + (i % 3), respiratoryRate: 16, temperatureC: 36.6 });
const history = LABILE_SBP.map((_, i) => usual(i));

describe('a lone red score waits for confirmation (v1)', () => {
  it('systolic 89 within the usual spread: 2 of its 3 points, low, no alert (static-v0: medium, alert)', () => {
    const cs = daily(hf, [...history, { ...usual(0), systolicBp: 89 }]);
    const v1 = run('v1', hf, cs).steps[10];
    expect(v1.score.news2).toMatchObject({ total: 3, level: 'low-medium', countedTotal: 2, countedLevel: 'low' });
    expect(factor(v1.score, 'news2.systolicBp')).toMatchObject({ news2Points: 3, countedNews2Points: 2, severity: 'low' });
    expect(factor(v1.score, 'news2.systolicBp')?.message).toContain('2 of the 3 points count until a repeat confirms it');
    expect(factor(v1.score, 'baseline.systolicBp')).toBeUndefined();
    expect(v1.score.level).toBe('low');
    expect(v1.alerts).toEqual([]);
    const v0 = run('static-v0', hf, cs).steps[10];
    expect(v0.score.level).toBe('medium');
    expect(v0.alerts.map((a) => a.ruleCode)).toEqual(['risk.level']);
  });

  it('a repeat the next day counts all 3 and alerts', () => {
    const { steps } = run('v1', hf, daily(hf, [...history, { ...usual(0), systolicBp: 89 }, { ...usual(1), systolicBp: 88 }]));
    expect(factor(steps[11].score, 'news2.systolicBp')).toMatchObject({ countedNews2Points: 3, severity: 'medium' });
    expect(steps[11].score.level).toBe('medium');
    expect(steps[11].alerts.map((a) => a.ruleCode)).toEqual(['risk.level']);
  });

  it('counts all 3 at once with marked breathlessness or swelling, or another vital off its usual', () => {
    const low = { ...usual(0), systolicBp: 89 };
    const withSymptom = run('v1', hf, [...daily(hf, history), ...daily(hf, [low], 10).map((c) => ({ ...c, symptoms: { swelling: 3 } }))]).steps[10];
    expect(factor(withSymptom.score, 'news2.systolicBp')).toMatchObject({ countedNews2Points: 3 });
    // A temperature 1.2 °C above usual scores no NEWS2 points but deviates from the baseline.
    const withFever = run('v1', hf, daily(hf, [...history, { ...low, temperatureC: 37.8 }])).steps[10];
    expect(factor(withFever.score, 'baseline.temperatureC')).toBeDefined();
    expect(factor(withFever.score, 'news2.systolicBp')).toMatchObject({ countedNews2Points: 3 });
    expect(withFever.score.level).toBe('medium');
  });

  it('never holds a reading beyond the safety limits', () => {
    const beyond = run('v1', hf, daily(hf, [...history, { ...usual(0), systolicBp: 85 }])).steps[10];
    expect(factor(beyond.score, 'news2.systolicBp')).toMatchObject({ countedNews2Points: 3 });
  });

  it('during warm-up (no baseline yet) holds a lone reading until a repeat or a second sign', () => {
    const early = run('v1', hf, daily(hf, [...history.slice(0, 5), { ...usual(0), systolicBp: 89 }, { ...usual(1), systolicBp: 88 }])).steps;
    expect(factor(early[5].score, 'news2.systolicBp')).toMatchObject({ countedNews2Points: 2 });
    expect(factor(early[5].score, 'news2.systolicBp')?.message).toContain('No personal baseline yet');
    expect(early[5].alerts).toEqual([]);
    expect(factor(early[6].score, 'news2.systolicBp')).toMatchObject({ countedNews2Points: 3 });
    expect(early[6].alerts.map((a) => a.ruleCode)).toEqual(['risk.level']);
    const first = run('v1', hf, daily(hf, [{ ...usual(0), systolicBp: 89 }])).steps[0];
    expect(factor(first.score, 'news2.systolicBp')).toMatchObject({ countedNews2Points: 2 });
    const withSymptom = run(
      'v1',
      hf,
      daily(hf, [{ ...usual(0), systolicBp: 89 }]).map((c) => ({ ...c, symptoms: { breathlessness: 3 } })),
    ).steps[0];
    expect(factor(withSymptom.score, 'news2.systolicBp')).toMatchObject({ countedNews2Points: 3 });
    const beyond = run('v1', hf, daily(hf, [{ ...usual(0), systolicBp: 84 }])).steps[0];
    expect(factor(beyond.score, 'news2.systolicBp')).toMatchObject({ countedNews2Points: 3 });
  });
});

describe('concordant deviations count at once (v1)', () => {
  const p = profile({ patientId: 'copd-conc', conditions: ['copd'] });
  const base: EngineVitals[] = Array.from({ length: 10 }, (_, i) => ({
    respiratoryRate: 16 + (i % 2),
    heartRate: 72 + (i % 3),
    spo2: 96 + (i % 2),
    onSupplementalOxygen: false,
  }));

  it('two vitals off their usual together: both medium at the first reading', () => {
    const s = run('v1', p, daily(p, [...base, { ...base[0], respiratoryRate: 22, heartRate: 95 }])).steps[10];
    for (const code of ['baseline.respiratoryRate', 'baseline.heartRate']) {
      expect(factor(s.score, code)).toMatchObject({ severity: 'medium', points: 25 });
      expect(factor(s.score, code)?.message).toContain('a concordant change');
    }
  });

  it('one vital off its usual with marked breathlessness: medium at the first reading', () => {
    const cs = daily(p, [...base, { ...base[0], respiratoryRate: 22 }]);
    cs[10] = { ...cs[10], symptoms: { breathlessness: 3 } };
    const s = run('v1', p, cs).steps[10];
    expect(factor(s.score, 'baseline.respiratoryRate')).toMatchObject({ severity: 'medium', points: 25 });
    expect(factor(s.score, 'baseline.respiratoryRate')?.message).toContain('marked breathlessness, swelling or chest pain reported');
  });

  it('one vital alone, or SpO2 with pulse alone, stays information until repeated', () => {
    const one = run('v1', p, daily(p, [...base, { ...base[0], respiratoryRate: 22 }])).steps[10];
    expect(factor(one.score, 'baseline.respiratoryRate')).toMatchObject({ severity: 'info', points: 0 });
    const probe = run('v1', p, daily(p, [...base, { ...base[0], spo2: 91, heartRate: 95 }])).steps[10];
    expect(factor(probe.score, 'baseline.spo2')).toMatchObject({ severity: 'info' });
    expect(factor(probe.score, 'baseline.heartRate')).toMatchObject({ severity: 'info' });
  });
});

describe('breathlessness 4 of 4 suspends tempering (v1)', () => {
  const p = profile({ patientId: 'copd-low', conditions: ['copd'] });
  // Usually 91–93% on air on scale 1 (median 92: 2 NEWS2 points, tempered to 0).
  const usual: EngineVitals[] = Array.from({ length: 10 }, (_, i) => ({ spo2: 91 + (i % 3), onSupplementalOxygen: false }));
  const withBreathlessness = (spo2: number, breathlessness: number) =>
    run('v1', p, [...daily(p, usual), ...daily(p, [{ spo2, onSupplementalOxygen: false }], 10).map((c) => ({ ...c, symptoms: { breathlessness } }))]).steps[10];

  it('a usual reading counts nothing at 3 of 4, all its points at 4 of 4', () => {
    expect(factor(withBreathlessness(92, 3).score, 'news2.spo2')).toMatchObject({ news2Points: 2, countedNews2Points: 0 });
    const worst = withBreathlessness(92, 4);
    expect(factor(worst.score, 'news2.spo2')).toMatchObject({ news2Points: 2, countedNews2Points: 2 });
    expect(factor(worst.score, 'news2.spo2')?.message).toContain('breathlessness 4 of 4');
  });

  it('SpO2 90 with breathlessness 4 of 4 counts its 3 points and alerts; at 3 of 4 it counts 1', () => {
    expect(factor(withBreathlessness(90, 3).score, 'news2.spo2')).toMatchObject({ countedNews2Points: 1 });
    expect(withBreathlessness(90, 3).alerts).toEqual([]);
    const worst = withBreathlessness(90, 4);
    expect(factor(worst.score, 'news2.spo2')).toMatchObject({ countedNews2Points: 3 });
    expect(worst.score.level).toBe('medium');
    expect(worst.alerts.map((a) => a.ruleCode)).toEqual(['risk.level']);
  });
});
