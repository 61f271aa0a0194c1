import { OBSERVATION_METRICS } from '@vigil/contracts';
import { CHART_METRICS, CHARTS, chartPlan, profileLines, valueWords } from './metrics';

const ids = (conditions: string[], withData: string[] = []) =>
  chartPlan({ conditions: conditions as never }, new Map(withData.map((m) => [m, 3]))).map((c) => c.id);

describe('the charts a patient page shows', () => {
  it("shows a condition's charts even without readings, first", () => {
    expect(ids(['diabetes'])).toEqual(['glucose']);
    expect(ids(['depression'])).toEqual(['phq9', 'gad7', 'mood']);
    expect(ids(['heart-failure'])).toEqual(['weight', 'blood-pressure', 'heart-rate', 'symptoms']);
    expect(ids(['copd', 'diabetes'])).toEqual(['spo2', 'respiration', 'glucose', 'cat', 'symptoms']);
  });

  it('adds every other chart that has readings, after them', () => {
    expect(ids(['diabetes'], ['weightKg', 'glucoseMgDl', 'medication.adherence'])).toEqual(['glucose', 'weight', 'adherence']);
    // One series of a chart is enough; a table-only one (chest pain) too.
    expect(ids([], ['diastolicBp', 'symptom.chestPain'])).toEqual(['blood-pressure', 'symptoms']);
    expect(ids([], [])).toEqual([]);
    expect(chartPlan(null, new Map([['mood', 1]])).map((c) => c.id)).toEqual(['mood']);
  });

  it('reads every metric care-api stores, each once', () => {
    expect(new Set(CHART_METRICS).size).toBe(CHART_METRICS.length);
    expect([...CHART_METRICS].sort()).toEqual([...OBSERVATION_METRICS].sort());
    expect(new Set(CHARTS.map((c) => c.id)).size).toBe(CHARTS.length);
  });

  it('says adherence and chest pain in words, and draws the profile thresholds', () => {
    expect([0, 0.5, 1].map((v) => valueWords('medication.adherence', v))).toEqual(['None', 'Some', 'All']);
    expect(valueWords('symptom.chestPain', 1)).toBe('Yes');
    expect(valueWords('glucoseMgDl', 1)).toBeUndefined();
    const p = {
      patientId: 'p',
      careTeamId: 't',
      conditions: [],
      news2SpO2Scale: 2 as const,
      expectedCheckInIntervalHours: 24,
      status: 'active' as const,
      updatedAt: '',
    };
    expect(profileLines('spo2', p).map((l) => l.value)).toEqual([88, 92]);
    expect(profileLines('weight', { ...p, dryWeightKg: 78.5 })).toEqual([{ value: 78.5, label: 'Dry weight 78.5 kg' }]);
    expect(profileLines('weight', p)).toEqual([]);
    expect(profileLines('spo2', null)).toEqual([]);
  });
});
