import fc from 'fast-check';
import { BASELINE_METRICS, baselineView } from './baseline';
import { initialState, scoreCheckIn } from './engine';
import { insertReading } from './history';
import { checkIn, daily, factor, profile, run } from './spec-helpers';
import { EngineVitals, Series } from './types';

const spo2 = (n: number): EngineVitals => ({ spo2: n, onSupplementalOxygen: false });
const SPO2_SPEC = { key: 'spo2' as const, ...BASELINE_METRICS.spo2 };

function seriesOf(values: number[], hoursApart = 24): Series {
  let s: Series = { t: [], v: [] };
  values.forEach((v, i) => (s = insertReading(s, i * hoursApart * 3_600_000, v)));
  return s;
}

describe('baseline statistics', () => {
  it('is the median and MAD of the readings strictly before the reading', () => {
    const s = seriesOf([97, 98, 96, 97, 99, 97, 98]);
    const view = baselineView(s, 7 * 24 * 3_600_000, SPO2_SPEC, 7, 3);
    expect(view).toMatchObject({ n: 7, median: 97, mad: 1 });
    expect(view?.threshold).toBeCloseTo(3 * 1.4826, 6);
    // The reading at the same device time (the check-in itself, re-scored) is not part of it.
    expect(baselineView(s, 6 * 24 * 3_600_000, SPO2_SPEC, 6, 3)).toMatchObject({ n: 6 });
  });

  it('matches a naive median / MAD for any readings', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 50, max: 100 }), { minLength: 3, maxLength: 40 }), (values) => {
        const s = seriesOf(values);
        const view = baselineView(s, values.length * 24 * 3_600_000, SPO2_SPEC, 3, 3);
        const window = s.v.slice(-28);
        const sorted = [...window].sort((a, b) => a - b);
        const med = (xs: number[]) => (xs.length % 2 ? xs[xs.length >> 1] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2);
        const m = med(sorted);
        const mad = med(window.map((x) => Math.abs(x - m)).sort((a, b) => a - b));
        expect(view?.n).toBe(window.length);
        expect(view?.median).toBe(m);
        expect(view?.mad).toBe(mad);
      }),
    );
  });

  it('never uses more than the 28 most recent readings', () => {
    const s = seriesOf([...new Array(30).fill(80), ...new Array(28).fill(95)]);
    expect(baselineView(s, 58 * 24 * 3_600_000, SPO2_SPEC, 7, 3)).toMatchObject({ n: 28, median: 95 });
  });
});

describe('baseline warm-up and sustained deviation (v1)', () => {
  const p = profile();
  const normal = [97, 98, 97, 96, 98, 97, 98];

  it('says nothing before 7 readings, however far off', () => {
    const { steps } = run('v1', p, daily(p, [97, 98, 97, 96, 98, 97, 90, 90].map(spo2)));
    // The 7th reading has 6 before it: still warming up.
    expect(steps.map((s) => factor(s.score, 'baseline.spo2'))).toEqual(new Array(8).fill(undefined).map((_, i) => (i === 7 ? expect.anything() : undefined)));
  });

  it('a single outlier is information only, not a risk factor', () => {
    const { steps } = run('v1', p, daily(p, [...normal, 91, 97, 98].map(spo2)));
    const f = factor(steps[7].score, 'baseline.spo2');
    expect(f).toMatchObject({ severity: 'info', points: 0, value: 91 });
    expect(f?.message).toBe(
      "SpO2 91% is 6 percentage points below this patient's usual 97% (median of the last 7 readings; a change of 4 percentage points or more is flagged). The previous 2 readings were not; a repeat would make it a sustained change.",
    );
    expect(factor(steps[8].score, 'baseline.spo2')).toBeUndefined();
    expect(factor(steps[9].score, 'baseline.spo2')).toBeUndefined();
  });

  it('two deviating readings of the last three are a sustained, medium factor', () => {
    const { steps } = run('v1', p, daily(p, [...normal, 91, 97, 91].map(spo2)));
    const f = factor(steps[9].score, 'baseline.spo2');
    expect(f).toMatchObject({ severity: 'medium', points: 25 });
    expect(f?.message).toContain('1 of the previous 2 readings was also this far below: a sustained change.');
  });

  it('earlier readings older than 7 days do not confirm a deviation', () => {
    const p2 = profile();
    const cs = daily(p2, [...normal, 91].map(spo2));
    cs.push(checkIn(24 * 7 + 24 * 8, { vitals: spo2(91) }, p2)); // 8 days after the first 91
    const { steps } = run('v1', p2, cs);
    expect(factor(steps[8].score, 'baseline.spo2')).toMatchObject({ severity: 'info' });
    expect(factor(steps[8].score, 'baseline.spo2')?.message).toContain('No earlier reading in the past 7 days');
  });

  it('a minimum absolute change keeps a very stable patient from flagging noise', () => {
    // All 97: MAD 0, so the threshold is the minimum change of 3 percentage points.
    const flat = new Array(10).fill(97);
    const { steps } = run('v1', p, daily(p, [...flat, 95, 95, 94].map(spo2)));
    expect(factor(steps[10].score, 'baseline.spo2')).toBeUndefined();
    expect(factor(steps[11].score, 'baseline.spo2')).toBeUndefined();
    expect(factor(steps[12].score, 'baseline.spo2')).toMatchObject({ severity: 'info' });
  });

  it('only the harmful direction counts for SpO2; both directions for pulse', () => {
    const hr = (n: number): EngineVitals => ({ heartRate: n });
    const up = run('v1', p, daily(p, [70, 72, 71, 69, 70, 72, 70, 95, 96].map(hr))).steps[8].score;
    expect(factor(up, 'baseline.heartRate')).toMatchObject({ severity: 'medium' });
    expect(factor(up, 'baseline.heartRate')?.message).toContain('above');
    const down = run('v1', p, daily(p, [70, 72, 71, 69, 70, 72, 70, 50, 49].map(hr))).steps[8].score;
    expect(factor(down, 'baseline.heartRate')?.message).toContain('below');
    const spo2Up = run('v1', p, daily(p, [90, 91, 90, 89, 90, 91, 90, 99, 99].map(spo2))).steps[8].score;
    expect(factor(spo2Up, 'baseline.spo2')).toBeUndefined();
  });

  it('opposite deviations do not confirm each other', () => {
    const hr = (n: number): EngineVitals => ({ heartRate: n });
    const s = run('v1', p, daily(p, [70, 72, 71, 69, 70, 72, 70, 95, 48].map(hr))).steps[8].score;
    expect(factor(s, 'baseline.heartRate')).toMatchObject({ severity: 'info' });
  });

  it('deviations are measured against the baseline before the reading is folded in', () => {
    // 3 low and 4 normal readings: median 98. Folding the 90 in first would give a median of 94.
    const { steps } = run('v1', p, daily(p, [90, 98, 90, 98, 90, 98, 98, 90].map(spo2)));
    expect(factor(steps[7].score, 'baseline.spo2')?.message).toContain("8 percentage points below this patient's usual 98%");
  });

  it('static-v0 has no baselines', () => {
    const { steps } = run('static-v0', p, daily(p, [...normal, 91, 91].map(spo2)));
    expect(steps.flatMap((s) => s.score.factors.map((f) => f.code)).filter((c) => c.startsWith('baseline.'))).toEqual([]);
  });
});

describe('the patient whose normal SpO2 is 89, and the one who drops from 98 to 91', () => {
  const noise = [89, 88, 90, 89, 91, 88, 89, 90, 89, 88, 90, 89, 89, 90, 88, 89, 91, 89, 90, 88];
  const stable = { heartRate: 78, respiratoryRate: 18, systolicBp: 128, onSupplementalOxygen: false };

  it('COPD on scale 2 with a usual 88-91%: no alerts, in either model', () => {
    const copd = profile({ patientId: 'copd-1', conditions: ['copd'], news2SpO2Scale: 2 });
    for (const model of ['static-v0', 'v1'] as const) {
      const { steps } = run(
        model,
        copd,
        daily(
          copd,
          noise.map((s) => ({ ...stable, spo2: s })),
        ),
      );
      expect(steps.flatMap((s) => s.alerts)).toEqual([]);
      expect(steps.every((s) => s.score.level === 'none')).toBe(true);
    }
  });

  it('the same patient left on scale 1: static-v0 alerts again and again, v1 learns it is usual and stops', () => {
    const copd = profile({ patientId: 'copd-2', conditions: ['copd'], news2SpO2Scale: 1 });
    // Over 20 days the readings cross 91/92 (3 vs 2 NEWS2 points), so the level keeps rising to medium.
    const values = noise.map((s, i) => (i % 4 === 3 ? 92 : s));
    const cs = daily(
      copd,
      values.map((s) => ({ ...stable, spo2: s })),
    );
    const fixed = run('static-v0', copd, cs).steps;
    const learnt = run('v1', copd, cs).steps;
    const fixedAlerts = fixed.flatMap((s) => s.alerts);
    const learntAlerts = learnt.flatMap((s) => s.alerts);
    expect(fixedAlerts.length).toBeGreaterThanOrEqual(5);
    // v1 alerts only while the baseline warms up (the first 7 readings), then never.
    expect(learntAlerts.length).toBeGreaterThan(0);
    expect(learnt.slice(7).every((s) => s.alerts.length === 0)).toBe(true);
    // NEWS2 is still reported unmodified; only the counted points change, with the reason given.
    const day17 = learnt[17].score;
    expect(day17.news2).toMatchObject({ total: 3, level: 'low-medium', countedTotal: 0, countedLevel: 'low' });
    const sp = factor(day17, 'news2.spo2');
    expect(sp).toMatchObject({ news2Points: 3, countedNews2Points: 0, severity: 'info', points: 0 });
    expect(sp?.message).toMatch(
      /^SpO2 89% on air: 3 NEWS2 points \(scale 1, band ≤91%\)\. Usual for this patient \(median 90% over the last 17 readings\), so it adds nothing to the risk score\.$/,
    );
    expect(day17.level).toBe('none');
  });

  it('a patient whose usual is 98%: a drop to 91% alerts at once, and again when sustained', () => {
    const p = profile({ patientId: 'hf-1', conditions: ['heart-failure'] });
    const usual = [98, 97, 98, 99, 98, 97, 98, 98, 99, 97, 98, 98, 97, 98];
    const cs = daily(
      p,
      [...usual, 91, 91].map((s) => ({ ...stable, spo2: s })),
    );
    const { steps } = run('v1', p, cs);
    expect(steps.slice(0, 14).flatMap((s) => s.alerts)).toEqual([]);
    const first = steps[14];
    expect(first.score.level).toBe('medium');
    expect(factor(first.score, 'news2.spo2')).toMatchObject({ countedNews2Points: 3, severity: 'medium' });
    expect(factor(first.score, 'baseline.spo2')).toMatchObject({ severity: 'info' });
    expect(first.alerts.map((a) => [a.ruleCode, a.severity])).toEqual([['risk.level', 'medium']]);
    const second = steps[15];
    expect(factor(second.score, 'baseline.spo2')).toMatchObject({ severity: 'medium' });
    expect(second.score.level).toBe('high');
    expect(second.alerts.map((a) => [a.ruleCode, a.severity])).toEqual([['risk.level', 'high']]);
  });

  it('a drop below the usual 89% is not tempered', () => {
    const copd = profile({ patientId: 'copd-3', conditions: ['copd'], news2SpO2Scale: 1 });
    const cs = daily(
      copd,
      [...noise.slice(0, 10), 85, 84].map((s) => ({ ...stable, spo2: s })),
    );
    const { steps } = run('v1', copd, cs);
    expect(factor(steps[10].score, 'news2.spo2')).toMatchObject({ countedNews2Points: 3 });
    expect(factor(steps[10].score, 'news2.spo2')?.message).toContain("Further from normal than this patient's usual 89%");
    expect(steps[10].alerts.map((a) => a.ruleCode)).toEqual(['risk.level']);
    expect(factor(steps[11].score, 'news2.spo2')?.message).toContain('Beyond the limits where a personal baseline may discount NEWS2');
  });
});

describe('tempering other NEWS2 parameters (v1)', () => {
  it('counts only the points beyond those of the usual level', () => {
    // Heart failure on treatment: systolic around 98 (2 NEWS2 points) is usual.
    const p = profile({ conditions: ['heart-failure'] });
    const { steps } = run(
      'v1',
      p,
      daily(
        p,
        [98, 97, 99, 98, 96, 98, 99, 98, 89, 84].map((sbp) => ({ systolicBp: sbp })),
      ),
    );
    expect(factor(steps[7].score, 'news2.systolicBp')).toMatchObject({ news2Points: 2, countedNews2Points: 0 });
    const lower = factor(steps[8].score, 'news2.systolicBp');
    expect(lower).toMatchObject({ news2Points: 3, countedNews2Points: 1 });
    expect(lower?.message).toContain("This patient's usual 98 mmHg scores 2, so 1 of the 3 points count toward the risk score.");
    expect(factor(steps[9].score, 'news2.systolicBp')).toMatchObject({ news2Points: 3, countedNews2Points: 3 });
  });

  it('a reading on the other side of normal from the usual one counts in full', () => {
    // Usual respiration 22/min (2 points, fast); 10/min (1 point, slow) is a different problem.
    const p = profile();
    const { steps } = run(
      'v1',
      p,
      daily(
        p,
        [22, 22, 23, 22, 21, 22, 22, 22, 10].map((rr) => ({ respiratoryRate: rr })),
      ),
    );
    expect(factor(steps[7].score, 'news2.respiratoryRate')).toMatchObject({ countedNews2Points: 0 });
    const f = factor(steps[8].score, 'news2.respiratoryRate');
    expect(f).toMatchObject({ news2Points: 1, countedNews2Points: 1 });
    expect(f?.message).toContain("On the other side of normal from this patient's usual 22 breaths/min");
  });

  it('habitual oxygen is not counted once the baseline shows it', () => {
    const p = profile({ conditions: ['copd'], news2SpO2Scale: 2 });
    const { steps } = run('v1', p, daily(p, new Array(9).fill({ spo2: 90, onSupplementalOxygen: true })));
    expect(factor(steps[6].score, 'news2.supplementalOxygen')).toMatchObject({ countedNews2Points: 2 });
    const f = factor(steps[8].score, 'news2.supplementalOxygen');
    expect(f).toMatchObject({ news2Points: 2, countedNews2Points: 0 });
    expect(f?.message).toContain('usually on oxygen (8 of the last 8 check-ins that recorded it)');
  });

  it('never tempers consciousness', () => {
    const p = profile();
    const { steps } = run('v1', p, daily(p, new Array(10).fill({ consciousness: 'C' })));
    expect(steps.every((s) => s.score.news2?.countedTotal === 3)).toBe(true);
  });

  it('a first check-in scores the same in v1 and static-v0 (no baseline yet)', () => {
    const p = profile({ conditions: ['heart-failure'], dryWeightKg: 70 });
    const c = checkIn(0, { vitals: { spo2: 90, heartRate: 115, weightKg: 74, systolicBp: 95 }, symptoms: { breathlessness: 3 } }, p);
    const a = scoreCheckIn('v1', p, initialState(p), c).score;
    const b = scoreCheckIn('static-v0', p, initialState(p), c).score;
    expect({ ...a, modelVersion: 'x' }).toEqual({ ...b, modelVersion: 'x' });
  });
});
