/**
 * Property tests: what the engine promises for any input.
 *  - determinism: the same inputs give byte-identical JSON, also across a JSON round trip of the state;
 *  - purity: inputs are never mutated;
 *  - order independence: `state.history` after a set of check-ins is the same in any arrival order
 *    (alert bookkeeping and lateness are decisions taken in arrival order, and are not promised);
 *  - the score arithmetic consumers can check;
 *  - robustness: malformed content never throws;
 *  - boundedness of the state.
 */
import fc from 'fast-check';
import { FACTOR_CODES } from './catalogue';
import { checkEngagement, initialState, scoreCheckIn } from './engine';
import { domainPoints, levelForScore, levelRank, severityRank } from './score';
import { deepFreeze, iso, profile } from './spec-helpers';
import { parseInstant } from './time';
import { Condition, EngineCheckIn, EngineVitals, ModelVersion, PatientProfile, PatientState, RaisedAlert, RiskScore } from './types';

// 30 runs of up to 35 check-ins keep the suite fast; set FC_NUM_RUNS for a deeper run (e.g. nightly).
const RUNS = { numRuns: Number(process.env.FC_NUM_RUNS ?? 30) };

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });
const tenth = (lo: number, hi: number) => fc.integer({ min: lo * 10, max: hi * 10 }).map((x) => x / 10);

const vitalsArb: fc.Arbitrary<EngineVitals> = fc.record(
  {
    weightKg: opt(tenth(60, 120)),
    systolicBp: opt(fc.integer({ min: 70, max: 230 })),
    heartRate: opt(fc.integer({ min: 35, max: 160 })),
    respiratoryRate: opt(fc.integer({ min: 6, max: 35 })),
    spo2: opt(fc.integer({ min: 80, max: 100 })),
    onSupplementalOxygen: opt(fc.boolean()),
    consciousness: opt(fc.constantFrom('A', 'A', 'A', 'C', 'V') as fc.Arbitrary<'A' | 'C' | 'V'>),
    temperatureC: opt(tenth(34, 41)),
    glucoseMgDl: opt(fc.integer({ min: 40, max: 400 })),
  },
  { requiredKeys: [] },
);

const questionnaireArb = fc.oneof(
  fc.record({ instrument: fc.constant('PHQ-9' as const), answers: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 9, maxLength: 9 }) }),
  fc.record({ instrument: fc.constant('GAD-7' as const), answers: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 7, maxLength: 7 }) }),
  fc.record({ instrument: fc.constant('CAT' as const), answers: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 8, maxLength: 8 }) }),
);

interface Draft {
  hours: number;
  vitals?: EngineVitals;
  symptoms?: EngineCheckIn['symptoms'];
  questionnaires?: EngineCheckIn['questionnaires'];
  medication?: EngineCheckIn['medication'];
  mood?: number;
}

const draftArb: fc.Arbitrary<Draft> = fc.record(
  {
    // Device time: within 40 days, to the minute; several a day and out of order.
    hours: fc.integer({ min: 0, max: 40 * 24 * 60 }).map((m) => m / 60),
    vitals: vitalsArb,
    symptoms: fc.record(
      {
        breathlessness: fc.integer({ min: 0, max: 4 }),
        swelling: fc.integer({ min: 0, max: 4 }),
        dizziness: fc.integer({ min: 0, max: 4 }),
        chestPain: fc.boolean(),
        pain: fc.integer({ min: 0, max: 10 }),
      },
      { requiredKeys: [] },
    ),
    questionnaires: fc.array(questionnaireArb, { maxLength: 2 }),
    medication: fc.record({ adherence: fc.constantFrom('all', 'some', 'none') as fc.Arbitrary<'all' | 'some' | 'none'> }),
    mood: fc.integer({ min: 1, max: 5 }),
  },
  { requiredKeys: ['hours', 'vitals'] },
);

const profileArb: fc.Arbitrary<PatientProfile> = fc
  .record({
    conditions: fc.subarray(['heart-failure', 'copd', 'diabetes', 'depression'] as Condition[]),
    scale: fc.constantFrom(1, 2) as fc.Arbitrary<1 | 2>,
    dry: opt(tenth(55, 110)),
  })
  .map(({ conditions, scale, dry }) => profile({ conditions, news2SpO2Scale: scale, ...(dry === undefined ? {} : { dryWeightKg: dry }) }));

function toCheckIns(p: PatientProfile, drafts: readonly Draft[]): EngineCheckIn[] {
  return drafts.map((d, i) => {
    const { hours, ...rest } = d;
    return { checkInId: `c-${String(i).padStart(3, '0')}`, patientId: p.patientId, tenantId: p.tenantId, recordedAt: iso(hours), ...rest };
  });
}

const modelArb = fc.constantFrom('static-v0', 'v1') as fc.Arbitrary<ModelVersion>;
const scenarioArb = fc.record({ model: modelArb, profile: profileArb, drafts: fc.array(draftArb, { minLength: 1, maxLength: 35 }) });

interface Trace {
  scores: RiskScore[];
  alerts: RaisedAlert[][];
  state: PatientState;
}

function play(model: ModelVersion, p: PatientProfile, checkIns: readonly EngineCheckIn[], roundTrip = false): Trace {
  let state = initialState(p);
  const scores: RiskScore[] = [];
  const alerts: RaisedAlert[][] = [];
  for (const c of checkIns) {
    const r = scoreCheckIn(model, p, state, c);
    state = roundTrip ? (JSON.parse(JSON.stringify(r.state)) as PatientState) : r.state;
    scores.push(r.score);
    alerts.push(r.alerts);
  }
  return { scores, alerts, state };
}

describe('determinism', () => {
  it('the same inputs give byte-identical JSON, with or without a JSON round trip of the state', () => {
    fc.assert(
      fc.property(scenarioArb, ({ model, profile: p, drafts }) => {
        const cs = toCheckIns(p, drafts);
        const a = JSON.stringify(play(model, p, cs));
        const b = JSON.stringify(play(model, p, cs));
        const c = JSON.stringify(play(model, p, cs, true));
        expect(b).toBe(a);
        expect(c).toBe(a);
      }),
      RUNS,
    );
  });

  it('engagement is a pure function of state, profile and time', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 0, max: 60 * 24 }), ({ model, profile: p, drafts }, h) => {
        const { state } = play(model, p, toCheckIns(p, drafts));
        const a = checkEngagement(model, p, state, iso(h));
        const b = checkEngagement(model, p, JSON.parse(JSON.stringify(state)), iso(h));
        expect(JSON.stringify(b)).toBe(JSON.stringify(a));
      }),
      RUNS,
    );
  });
});

describe('purity', () => {
  it('never mutates the profile, the state or the check-in', () => {
    fc.assert(
      fc.property(scenarioArb, ({ model, profile: p, drafts }) => {
        const frozenProfile = deepFreeze(structuredClone(p));
        let state = deepFreeze(initialState(frozenProfile));
        for (const c of toCheckIns(p, drafts)) {
          const r = scoreCheckIn(model, frozenProfile, state, deepFreeze(c));
          state = deepFreeze(r.state);
        }
        const e = checkEngagement(model, frozenProfile, state, iso(2000));
        deepFreeze(e.state);
      }),
      RUNS,
    );
  });
});

describe('order independence', () => {
  it('state.history after a set of check-ins is the same in any arrival order', () => {
    fc.assert(
      fc.property(
        scenarioArb.chain((s) =>
          fc.record({
            s: fc.constant(s),
            order: fc.shuffledSubarray(
              s.drafts.map((_, i) => i),
              { minLength: s.drafts.length, maxLength: s.drafts.length },
            ),
          }),
        ),
        ({ s, order }) => {
          const cs = toCheckIns(s.profile, s.drafts);
          const a = play(s.model, s.profile, cs).state;
          const b = play(
            s.model,
            s.profile,
            order.map((i) => cs[i]),
          ).state;
          expect(JSON.stringify(b.history)).toBe(JSON.stringify(a.history));
        },
      ),
      RUNS,
    );
  });

  it('folding a check-in again changes no history (redelivery)', () => {
    fc.assert(
      fc.property(scenarioArb, ({ model, profile: p, drafts }) => {
        const cs = toCheckIns(p, drafts);
        const { state } = play(model, p, cs);
        const again = play(model, p, cs, false);
        let s = again.state;
        for (const c of cs) s = scoreCheckIn(model, p, s, c).state;
        expect(JSON.stringify(s.history)).toBe(JSON.stringify(state.history));
      }),
      RUNS,
    );
  });
});

describe('the arithmetic consumers can check', () => {
  const codes = new Map(FACTOR_CODES.map((f) => [f.code, f]));
  it('score = min(100, sum over domains of the largest points); level = band(score) >= every severity', () => {
    fc.assert(
      fc.property(scenarioArb, ({ model, profile: p, drafts }) => {
        const { scores, alerts } = play(model, p, toCheckIns(p, drafts));
        // Plain checks (jest's expect is slow in tight loops); all failures are reported together.
        const bad: string[] = [];
        const check = (ok: boolean, what: string): void => {
          if (!ok) bad.push(what);
        };
        scores.forEach((s, i) => {
          let sum = 0;
          for (const v of domainPoints(s.factors).values()) sum += v;
          check(s.score === Math.min(100, sum), `score ${s.score} vs sum ${sum}`);
          check(Number.isInteger(s.score), 'integer score');
          check(s.level === levelForScore(s.score), 'level is the band of the score');
          for (const f of s.factors) {
            check(levelRank(s.level) >= severityRank(f.severity), `level ${s.level} below ${f.code} ${f.severity}`);
            const info = codes.get(f.code);
            check(info !== undefined && info.domain === f.domain && info.models.includes(model), `catalogued ${f.code}`);
          }
          check(new Set(s.factors.map((f) => f.code)).size === s.factors.length, 'one factor per code');
          if (s.news2 !== null) {
            const params = s.factors.filter((f) => f.news2Points !== undefined);
            check(params.reduce((a, f) => a + (f.news2Points ?? 0), 0) === s.news2.total, 'NEWS2 total adds up');
            check(params.reduce((a, f) => a + (f.countedNews2Points ?? 0), 0) === s.news2.countedTotal, 'counted total adds up');
            check(s.news2.parametersPresent.length + s.news2.parametersMissing.length === 7, 'seven parameters');
            check(s.news2.partial === s.news2.parametersMissing.length > 0, 'partial flag');
            if (model === 'static-v0') check(s.news2.countedTotal === s.news2.total, 'static-v0 never tempers');
          }
          if (s.late) check(alerts[i].length === 0, 'late raises nothing');
          for (const a of alerts[i]) {
            check(['medium', 'high', 'critical'].includes(a.severity), 'alert severity');
            check(a.triggeredAt === s.recordedAt && a.checkInId === s.checkInId, 'alert cause');
          }
        });
        const ids = alerts.flat().map((a) => a.alertId);
        check(new Set(ids).size === ids.length, 'unique alert ids');
        expect(bad).toEqual([]);
      }),
      RUNS,
    );
  });

  it('a first check-in scores the same in v1 and static-v0, but for a lone red score waiting for a repeat (v1 differs only through the history)', () => {
    fc.assert(
      fc.property(profileArb, draftArb, (p, d) => {
        const [c] = toCheckIns(p, [d]);
        const a = scoreCheckIn('v1', p, initialState(p), c);
        const b = scoreCheckIn('static-v0', p, initialState(p), c);
        const held = a.score.factors.find((f) => f.message.includes('No personal baseline yet'));
        if (held === undefined) {
          expect({ ...a.score, modelVersion: '' }).toEqual({ ...b.score, modelVersion: '' });
          return;
        }
        // The hold: that parameter counts 2 of its 3 points, and NEWS2 is "low" instead of "low-medium".
        expect(held).toMatchObject({ news2Points: 3, countedNews2Points: 2, severity: 'low' });
        expect(a.score.news2).toMatchObject({ total: b.score.news2?.total, countedTotal: (b.score.news2?.countedTotal ?? 0) - 1, countedLevel: 'low' });
        expect(b.score.news2?.countedLevel).toBe('low-medium');
        const others = (s: typeof a.score) => s.factors.filter((f) => !f.code.startsWith('news2.'));
        expect(others(a.score)).toEqual(others(b.score));
      }),
      RUNS,
    );
  });
});

describe('robustness and bounds', () => {
  it('never throws on malformed content', () => {
    const junk = fc.oneof(fc.anything(), fc.constant(Number.NaN), fc.constant(Infinity), fc.constant(-1), fc.constant(1e9));
    fc.assert(
      fc.property(
        modelArb,
        fc.record({ vitals: fc.dictionary(fc.constantFrom('spo2', 'heartRate', 'weightKg', 'consciousness', 'onSupplementalOxygen', 'glucoseMgDl'), junk) }),
        fc.record({ symptoms: junk, questionnaires: junk, medication: junk, mood: junk }, { requiredKeys: [] }),
        (model, v, rest) => {
          const p = profile({ conditions: ['heart-failure', 'diabetes'], dryWeightKg: 70 });
          const c = { checkInId: 'x', patientId: p.patientId, tenantId: p.tenantId, recordedAt: iso(0), ...v, ...rest } as unknown as EngineCheckIn;
          const r = scoreCheckIn(model, p, initialState(p), c);
          expect(r.score.score).toBeGreaterThanOrEqual(0);
          JSON.stringify(r);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('keeps the state bounded however many check-ins arrive', () => {
    const p = profile({ conditions: ['heart-failure'] });
    let state = initialState(p);
    const v = { weightKg: 80, spo2: 96, heartRate: 70, respiratoryRate: 16, systolicBp: 120, temperatureC: 36.8, onSupplementalOxygen: false };
    for (let i = 0; i < 600; i++) {
      // Six a day for 100 days.
      state = scoreCheckIn('v1', p, state, {
        checkInId: `c${i}`,
        patientId: p.patientId,
        tenantId: p.tenantId,
        recordedAt: iso(i * 4),
        vitals: { ...v, heartRate: 70 + (i % 7) },
      }).state;
    }
    for (const s of Object.values(state.history.series)) expect(s.t.length).toBeLessThanOrEqual(96);
    expect(state.history.series.weightKg.t.length).toBe(49); // 8 days of six a day, both ends included
    expect(JSON.stringify(state).length).toBeLessThan(16_000);
  });
});

describe('parseInstant', () => {
  it('agrees with Date.parse on RFC 3339 text with any offset', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        fc.boolean(),
        (ms, offset, withMillis) => {
          const local = new Date(ms + offset * 60_000).toISOString().slice(0, withMillis ? 23 : 19);
          const sign = offset < 0 ? '-' : '+';
          const abs = Math.abs(offset);
          const text = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          expect(parseInstant(text)).toBe(Date.parse(text));
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    ['2025-02-29T00:00:00Z', null],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2025-03-01T24:00:00Z', null],
    ['2025-03-01T08:00:00', null],
    ['2025-03-01 08:00:00z', Date.UTC(2025, 2, 1, 8)],
    ['2025-03-01T08:00Z', Date.UTC(2025, 2, 1, 8)],
    ['2025-03-01T08:00:00.123456789+0000', Date.UTC(2025, 2, 1, 8, 0, 0, 123)],
    ['2025-03-01T08:00:00.1234567890Z', null],
    ['2025-03-01T08:00:00+24:00', null],
    ['2025-03-01T08:00:00Z ', null],
    ['2025-13-01T08:00:00Z', null],
  ])('%s', (text, want) => {
    expect(parseInstant(text)).toBe(want);
  });
});
