import { initialState, scoreCheckIn } from './engine';
import {
  computeNews2,
  consciousnessPoints,
  heartRatePoints,
  news2Level,
  respiratoryRatePoints,
  spo2Points,
  supplementalOxygenPoints,
  systolicBpPoints,
  temperaturePoints,
} from './news2';
import { checkIn, profile, scoreOne } from './spec-helpers';
import { Consciousness, EngineVitals, News2Parameter } from './types';

// Royal College of Physicians, NEWS2 (2017), chart 1 and 2: both sides of every band boundary.

describe('NEWS2 respiration rate', () => {
  it.each([
    [4, 3],
    [8, 3],
    [9, 1],
    [11, 1],
    [12, 0],
    [20, 0],
    [21, 2],
    [24, 2],
    [25, 3],
    [60, 3],
  ])('%p breaths/min scores %p', (rr, points) => {
    expect(respiratoryRatePoints(rr).points).toBe(points);
  });
});

describe('NEWS2 SpO2 scale 1 (air or oxygen alike)', () => {
  it.each([
    [50, 3],
    [91, 3],
    [92, 2],
    [93, 2],
    [94, 1],
    [95, 1],
    [96, 0],
    [100, 0],
  ])('%p%% scores %p', (spo2, points) => {
    expect(spo2Points(spo2, 1, false).points).toBe(points);
    expect(spo2Points(spo2, 1, true).points).toBe(points);
  });
});

describe('NEWS2 SpO2 scale 2 on air', () => {
  it.each([
    [50, 3],
    [83, 3],
    [84, 2],
    [85, 2],
    [86, 1],
    [87, 1],
    [88, 0],
    [92, 0],
    [93, 0],
    [96, 0],
    [97, 0],
    [100, 0],
  ])('%p%% scores %p', (spo2, points) => {
    expect(spo2Points(spo2, 2, false).points).toBe(points);
  });
});

describe('NEWS2 SpO2 scale 2 on oxygen', () => {
  it.each([
    [83, 3],
    [84, 2],
    [85, 2],
    [86, 1],
    [87, 1],
    [88, 0],
    [92, 0],
    [93, 1],
    [94, 1],
    [95, 2],
    [96, 2],
    [97, 3],
    [100, 3],
  ])('%p%% scores %p', (spo2, points) => {
    expect(spo2Points(spo2, 2, true).points).toBe(points);
  });
});

describe('NEWS2 air or oxygen', () => {
  it('oxygen scores 2, air 0', () => {
    expect(supplementalOxygenPoints(true).points).toBe(2);
    expect(supplementalOxygenPoints(false).points).toBe(0);
  });
});

describe('NEWS2 systolic blood pressure', () => {
  it.each([
    [40, 3],
    [90, 3],
    [91, 2],
    [100, 2],
    [101, 1],
    [110, 1],
    [111, 0],
    [219, 0],
    [220, 3],
    [300, 3],
  ])('%p mmHg scores %p', (sbp, points) => {
    expect(systolicBpPoints(sbp).points).toBe(points);
  });
});

describe('NEWS2 pulse', () => {
  it.each([
    [20, 3],
    [40, 3],
    [41, 1],
    [50, 1],
    [51, 0],
    [90, 0],
    [91, 1],
    [110, 1],
    [111, 2],
    [130, 2],
    [131, 3],
    [250, 3],
  ])('%p beats/min scores %p', (hr, points) => {
    expect(heartRatePoints(hr).points).toBe(points);
  });
});

describe('NEWS2 consciousness (ACVPU)', () => {
  it.each([
    ['A', 0],
    ['C', 3],
    ['V', 3],
    ['P', 3],
    ['U', 3],
  ] as [Consciousness, number][])('%s scores %p', (c, points) => {
    expect(consciousnessPoints(c).points).toBe(points);
  });
});

describe('NEWS2 temperature', () => {
  it.each([
    [30, 3],
    [35.0, 3],
    [35.1, 1],
    [36.0, 1],
    [36.1, 0],
    [38.0, 0],
    [38.1, 1],
    [39.0, 1],
    [39.1, 2],
    [45, 2],
  ])('%p °C scores %p', (t, points) => {
    expect(temperaturePoints(t).points).toBe(points);
  });
});

describe('rounding to the chart resolution before banding (half up)', () => {
  it.each([
    ['temperature 35.04 -> 35.0', temperaturePoints(35.04).points, 3],
    ['temperature 35.05 -> 35.1', temperaturePoints(35.05).points, 1],
    ['temperature 36.05 -> 36.1', temperaturePoints(36.05).points, 0],
    ['temperature 38.04 -> 38.0', temperaturePoints(38.04).points, 0],
    ['SpO2 91.4 -> 91', spo2Points(91.4, 1, false).points, 3],
    ['SpO2 91.5 -> 92', spo2Points(91.5, 1, false).points, 2],
    ['pulse 90.5 -> 91', heartRatePoints(90.5).points, 1],
    ['respiration 20.4 -> 20', respiratoryRatePoints(20.4).points, 0],
    ['systolic 110.5 -> 111', systolicBpPoints(110.5).points, 0],
  ])('%s', (_name, got, want) => {
    expect(got).toBe(want);
  });
});

describe('NEWS2 aggregate level', () => {
  it.each([
    [0, false, 'low'],
    [4, false, 'low'],
    [3, true, 'low-medium'],
    [4, true, 'low-medium'],
    [5, false, 'medium'],
    [5, true, 'medium'],
    [6, false, 'medium'],
    [6, true, 'medium'],
    [7, false, 'high'],
    [7, true, 'high'],
    [20, true, 'high'],
  ])('total %p, single 3 %p: %s', (total, three, level) => {
    expect(news2Level(total, three)).toBe(level);
  });
});

const FULL: EngineVitals = {
  respiratoryRate: 16,
  spo2: 97,
  onSupplementalOxygen: false,
  systolicBp: 125,
  heartRate: 72,
  consciousness: 'A',
  temperatureC: 36.8,
};

describe('computeNews2', () => {
  it('is null when no NEWS2 parameter is present', () => {
    expect(computeNews2({}, 1)).toBeNull();
  });

  it('reports a complete score as not partial', () => {
    const c = computeNews2({ respiratoryRate: 16, spo2: 97, onOxygen: false, systolicBp: 125, heartRate: 72, consciousness: 'A', temperatureC: 36.8 }, 1);
    expect(c).not.toBeNull();
    expect(c?.total).toBe(0);
    expect(c?.missing).toEqual([]);
    expect(c?.present).toHaveLength(7);
  });

  it('names the parameters present and missing of a partial score, in chart order', () => {
    const c = computeNews2({ heartRate: 120, spo2: 93 }, 1);
    expect(c?.present).toEqual(['spo2', 'heartRate']);
    expect(c?.missing).toEqual(['respiratoryRate', 'supplementalOxygen', 'systolicBp', 'consciousness', 'temperature']);
    expect(c?.total).toBe(4);
    expect(c?.level).toBe('low');
  });

  it('treats missing air/oxygen as air for scale 2', () => {
    expect(computeNews2({ spo2: 97 }, 2)?.total).toBe(0);
    expect(computeNews2({ spo2: 97, onOxygen: true }, 2)?.total).toBe(5);
  });
});

describe('NEWS2 in a risk score', () => {
  it('reports the RCP score unmodified, with the parameter factors adding up to it', () => {
    const { score } = scoreOne({ vitals: { ...FULL, respiratoryRate: 23, heartRate: 115, spo2: 93, temperatureC: 38.4 } });
    expect(score.news2).toMatchObject({ total: 7, level: 'high', partial: false, parametersMissing: [] });
    const params = score.factors.filter((f) => f.code.startsWith('news2.') && f.code !== 'news2.total');
    expect(params.reduce((s, f) => s + (f.news2Points ?? 0), 0)).toBe(7);
    expect(params.map((f) => f.code).sort()).toEqual(['news2.heartRate', 'news2.respiratoryRate', 'news2.spo2', 'news2.temperature']);
    const total = score.factors.find((f) => f.code === 'news2.total');
    expect(total).toMatchObject({ value: 7, severity: 'critical', points: 75 });
    expect(score.level).toBe('critical');
  });

  it.each([
    // [vitals, NEWS2 total, RCP level, risk level]
    [{ ...FULL }, 0, 'low', 'none'],
    [{ ...FULL, heartRate: 95 }, 1, 'low', 'low'],
    [{ ...FULL, heartRate: 95, respiratoryRate: 22, temperatureC: 35.5 }, 4, 'low', 'low'],
    [{ ...FULL, consciousness: 'C' as const }, 3, 'low-medium', 'medium'],
    [{ ...FULL, systolicBp: 95, heartRate: 115, temperatureC: 38.5 }, 5, 'medium', 'high'],
    [{ ...FULL, systolicBp: 95, heartRate: 115, respiratoryRate: 10, temperatureC: 38.5 }, 6, 'medium', 'high'],
    [{ ...FULL, systolicBp: 95, heartRate: 115, respiratoryRate: 10, temperatureC: 39.5 }, 7, 'high', 'critical'],
  ])('maps the NEWS2 clinical risk to the risk level (%#)', (vitals, total, news2LevelName, level) => {
    const { score } = scoreOne({ vitals });
    expect(score.news2?.total).toBe(total);
    expect(score.news2?.level).toBe(news2LevelName);
    expect(score.level).toBe(level);
  });

  it('flags a partial NEWS2 in the summary and the message', () => {
    const { score } = scoreOne({ vitals: { heartRate: 120 } });
    expect(score.news2).toMatchObject({ total: 2, partial: true, parametersPresent: ['heartRate'] });
    expect(score.factors.find((f) => f.code === 'news2.total')?.message).toContain('Partial score: 1 of 7 parameters recorded');
  });

  it('uses the SpO2 scale of the profile, on air and on oxygen', () => {
    const copd = profile({ news2SpO2Scale: 2, conditions: ['copd'] });
    const s = (vitals: EngineVitals) => scoreCheckIn('static-v0', copd, initialState(copd), checkIn(0, { vitals }, copd)).score.news2;
    expect(s({ spo2: 89, onSupplementalOxygen: false })?.total).toBe(0);
    expect(s({ spo2: 95, onSupplementalOxygen: false })?.total).toBe(0);
    expect(s({ spo2: 95, onSupplementalOxygen: true })?.total).toBe(4);
    expect(s({ spo2: 89, onSupplementalOxygen: true })?.total).toBe(2);
    expect(s({ spo2: 85, onSupplementalOxygen: false })?.total).toBe(2);
  });

  it('lists present parameters by their NEWS2 names', () => {
    const { score } = scoreOne({ vitals: { temperatureC: 37, onSupplementalOxygen: true } });
    const present: News2Parameter[] = ['supplementalOxygen', 'temperature'];
    expect(score.news2?.parametersPresent).toEqual(present);
  });

  it('has no NEWS2 summary when no NEWS2 vital was recorded', () => {
    const { score } = scoreOne({ vitals: { weightKg: 80 } });
    expect(score.news2).toBeNull();
  });
});
