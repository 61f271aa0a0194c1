import { initialState, scoreCheckIn, type EngineCheckIn, type PatientProfile } from '@vigil/risk-engine';
import { decodeStateRow, encodeStateRow, isPackedState, StateCodecError } from './state-codec';

const jsonRoundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const roundTrip = <T>(state: T, recentCheckIns: string[] = []) => decodeStateRow<T>(encodeStateRow({ state, recentCheckIns }));

describe('state codec (scorer_state.state_packed)', () => {
  const profile: PatientProfile = {
    patientId: 'p-1',
    tenantId: 'org-1',
    careTeamId: 't',
    conditions: ['heart-failure', 'diabetes'],
    news2SpO2Scale: 1,
    dryWeightKg: 80,
  };

  it('gives back exactly what a JSON round trip gives, for an engine state after weeks of check-ins', () => {
    let state = initialState(profile);
    const ids: string[] = [];
    for (let d = 0; d < 40; d++) {
      const ci: EngineCheckIn = {
        checkInId: `6f1c2d3e-0000-4000-8000-${String(d).padStart(12, '0')}`,
        patientId: 'p-1',
        tenantId: 'org-1',
        recordedAt: new Date(Date.UTC(2026, 0, 1, 8) + d * 86_400_000 + d * 1_234).toISOString(),
        vitals: { weightKg: 80 + (d % 7) / 10, heartRate: 60 + (d % 13), spo2: 95, temperatureC: 36.6 + (d % 3) / 10, glucoseMgDl: 90 + d },
        mood: 1 + (d % 5),
      };
      state = scoreCheckIn('v1', profile, state, ci).state;
      ids.push(ci.checkInId);
    }
    const back = roundTrip(state, ids);
    expect(back).toEqual(jsonRoundTrip({ state, recentCheckIns: ids }));
    expect(encodeStateRow({ state, recentCheckIns: [] }).length).toBeLessThan(JSON.stringify(state).length / 1.5);
    // Decoded arrays are never shared between places, as with JSON.parse.
    expect(back.state.history.series.heartRate.t).not.toBe(back.state.history.series.spo2.t);
  });

  it('is exact for every kind of number array, and keeps everything else as JSON would', () => {
    const odd = {
      times: [1_767_225_600_000, 1_767_225_600_000, 1_767_312_000_123],
      unsorted: [1_767_312_000_000, 1_767_225_600_000],
      farApart: [0, 2 ** 40],
      ints: [-3, 0, 7, 2_147_483_647, -2_147_483_648],
      tenths: [72.4, 36.6, -0.1, 1e8 + 0.5],
      floats: [0.1 + 0.2, Math.PI, 1e-300, -1.5e300, 123.456],
      negZero: [-0, 1.5],
      big: [Number.MAX_SAFE_INTEGER, 2 ** 60],
      single: [5],
      empty: [],
      mixed: [1, 'a', null, [2, 3], { x: [4] }],
      nested: [[1, 2], [], [[3]]],
      strings: ['\u0000x', '', 'é'],
      nothing: null,
      skipped: undefined,
      flag: true,
    };
    expect(roundTrip(odd)).toEqual({ state: jsonRoundTrip(odd), recentCheckIns: [] });
    expect(Object.is(roundTrip(odd).state.negZero[0], 0)).toBe(true);
    expect(roundTrip([1, 2, 3]).state).toEqual([1, 2, 3]);
  });

  it('keeps ids that cannot be comma-joined', () => {
    const ids = ['a,b', 'é', 'plain'];
    expect(roundTrip({}, ids).recentCheckIns).toEqual(ids);
    expect(roundTrip({}, ['6f1c2d3e-0000-4000-8000-000000000001']).recentCheckIns).toEqual(['6f1c2d3e-0000-4000-8000-000000000001']);
  });

  it('recognises its own bytes and refuses others', () => {
    const bytes = encodeStateRow({ state: { a: 1 }, recentCheckIns: [] });
    expect(isPackedState(bytes)).toBe(true);
    expect(isPackedState(Buffer.from('{"schemaVersion":1}'))).toBe(false);
    expect(isPackedState(null)).toBe(false);
    const future = Buffer.from(bytes);
    future[2] = 9;
    expect(() => decodeStateRow(future)).toThrow(StateCodecError);
  });
});
