import 'reflect-metadata';
import fc from 'fast-check';
import { fastValidCheckIn } from './checkin-fast-path';
import { validateCheckInByDto as validateCheckIn, validateCheckInFast } from './validation';

/** JSON-shaped inputs around the contract's edges: in range, out of range, wrong types, nulls, extra keys. */
const around = (min: number, max: number, int = false) =>
  fc.oneof(
    { weight: 6, arbitrary: int ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true }) },
    { weight: 2, arbitrary: fc.double({ min: min - 30, max: max + 30, noNaN: true, noDefaultInfinity: true }) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, '1', true, -0, min, max, min - 1, max + 1, 1.5, [], {}) },
  );
const maybeExtra = fc.oneof(
  { weight: 9, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.constantFrom<Record<string, unknown>>({ extra: 1 }, { __proto__x: 1 }, { constructor: 'x' }) },
);

const vitals = fc.record(
  {
    weightKg: around(20, 350),
    systolicBp: around(40, 300),
    diastolicBp: around(20, 200),
    heartRate: around(20, 250),
    respiratoryRate: around(4, 60),
    spo2: around(50, 100),
    onSupplementalOxygen: fc.oneof(fc.boolean(), fc.constantFrom<unknown>(null, 'true', 0)),
    consciousness: fc.constantFrom<unknown>('A', 'C', 'V', 'P', 'U', 'X', 'a', null),
    temperatureC: around(30, 45),
    glucoseMgDl: around(20, 700),
  },
  { requiredKeys: [] },
);
const symptoms = fc.record(
  {
    breathlessness: around(0, 4, true),
    swelling: around(0, 4, true),
    fatigue: around(0, 4, true),
    dizziness: around(0, 4, true),
    chestPain: fc.oneof(fc.boolean(), fc.constantFrom<unknown>(null, 1)),
    pain: around(0, 10, true),
  },
  { requiredKeys: [] },
);
const questionnaire = fc.record(
  {
    instrument: fc.constantFrom<unknown>('PHQ-9', 'GAD-7', 'CAT', 'PHQ-2', null),
    answers: fc.oneof(
      fc.constantFrom(9, 7, 8).chain((n) => fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n })),
      fc.array(fc.oneof(fc.integer({ min: -1, max: 6 }), fc.constantFrom<unknown>(1.5, '1', null)), { maxLength: 11 }),
    ),
  },
  { requiredKeys: ['instrument', 'answers'] },
);
const recordedAt = fc.oneof(
  { weight: 6, arbitrary: fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString()) },
  {
    weight: 2,
    arbitrary: fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => `${d.toISOString().slice(0, 19)}+01:00`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>('2026-02-30T08:00:00Z', '2026-01-01T08:00:00', '2026-01-01', 'yesterday', 1767225600000, null, '2026-01-01T08:00Z'),
  },
);
const checkIn = fc
  .record(
    {
      checkInId: fc.oneof(
        { weight: 8, arbitrary: fc.uuid() },
        { weight: 1, arbitrary: fc.constantFrom<unknown>('nope', '00000000-0000-0000-0000-000000000000', 'AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA', 1, null) },
      ),
      recordedAt,
      vitals: fc.oneof({ weight: 8, arbitrary: vitals }, { weight: 1, arbitrary: fc.constantFrom<unknown>(null, [], 'v') }),
      symptoms: fc.oneof({ weight: 8, arbitrary: symptoms }, { weight: 1, arbitrary: fc.constantFrom<unknown>(null, []) }),
      questionnaires: fc.oneof(fc.array(questionnaire, { maxLength: 4 }), fc.constantFrom<unknown>(null, {})),
      medication: fc.oneof(fc.record({ adherence: fc.constantFrom<unknown>('all', 'some', 'none', 'most') }), fc.constantFrom<unknown>(null, {})),
      mood: around(1, 5, true),
      notes: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom<unknown>('x'.repeat(2000), 'x'.repeat(2001), '😀'.repeat(1500), 5, null)),
    },
    { requiredKeys: [] },
  )
  .chain((c) => maybeExtra.map((x) => ({ ...c, ...x })));

/** Mostly valid check-ins (each field valid), so acceptance is exercised as much as refusal. */
const ok = (min: number, max: number, int = false) =>
  int ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0));
const validCheckIn = fc.record(
  {
    checkInId: fc.uuid(),
    recordedAt: fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
    vitals: fc.record(
      {
        weightKg: ok(20, 350),
        systolicBp: ok(120, 300),
        diastolicBp: ok(20, 110),
        heartRate: ok(20, 250),
        spo2: ok(50, 100),
        onSupplementalOxygen: fc.boolean(),
        consciousness: fc.constantFrom('A', 'V'),
        temperatureC: ok(30, 45),
      },
      { requiredKeys: [] },
    ),
    symptoms: fc.record({ breathlessness: ok(0, 4, true), chestPain: fc.boolean(), pain: ok(0, 10, true) }, { requiredKeys: [] }),
    questionnaires: fc.array(
      fc.constantFrom({ instrument: 'PHQ-9', answers: [0, 1, 2, 3, 0, 1, 2, 3, 1] }, { instrument: 'CAT', answers: [5, 0, 1, 2, 3, 4, 5, 0] }),
      { maxLength: 3 },
    ),
    medication: fc.record({ adherence: fc.constantFrom('all', 'some', 'none') }),
    mood: ok(1, 5, true),
    notes: fc.string({ maxLength: 30 }),
  },
  { requiredKeys: ['checkInId', 'recordedAt'] },
);

/** Inputs the fast path leaves to validateCheckIn by design (nulls, -0, long notes). */
function hasDeclinedShape(v: unknown): boolean {
  if (v === null || Object.is(v, -0)) return true;
  if (typeof v === 'string') return v.length > 2000;
  if (Array.isArray(v)) return v.some(hasDeclinedShape);
  if (typeof v === 'object') return Object.values(v as object).some(hasDeclinedShape);
  return false;
}

describe('fastValidCheckIn', () => {
  it('accepts only what validateCheckIn accepts, with the identical value; and every plain valid check-in', () => {
    let accepted = 0;
    let valid = 0;
    fc.assert(
      fc.property(fc.oneof(checkIn, validCheckIn), (input) => {
        const slow = validateCheckIn(input);
        const fast = fastValidCheckIn(input);
        if (slow.ok) valid++;
        if (fast !== null) {
          accepted++;
          expect(slow.ok).toBe(true);
          if (slow.ok) expect(JSON.stringify(fast)).toBe(JSON.stringify(slow.value));
        } else if (slow.ok) {
          expect(hasDeclinedShape(input)).toBe(true);
        }
      }),
      { numRuns: 1200, seed: 20260105 },
    );
    // The generator must exercise both sides.
    expect(valid).toBeGreaterThan(400);
    expect(accepted).toBeGreaterThan(400);
  });

  it('falls back to the contract for what it declines', () => {
    const base = { checkInId: '3f1e0a7c-8f7b-4c6e-9a51-0d2b6c1e9f10', recordedAt: '2026-01-05T08:00:00+01:00' };
    expect(validateCheckInFast({ ...base, mood: 3, vitals: null })).toEqual({ ok: true, fast: false, value: { ...base, vitals: null, mood: 3 } });
    expect(validateCheckInFast({ ...base, mood: 3 })).toEqual({ ok: true, fast: true, value: { ...base, mood: 3 } });
    expect(validateCheckInFast({ ...base })).toEqual({ ...validateCheckIn({ ...base }), fast: false });
    expect(validateCheckInFast({ ...base })).toMatchObject({ ok: false });
    const inverted = { ...base, vitals: { systolicBp: 90, diastolicBp: 95 } };
    expect(validateCheckInFast(inverted)).toEqual({ ...validateCheckIn(inverted), fast: false });
    expect(validateCheckInFast(inverted)).toMatchObject({ ok: false, errors: [expect.objectContaining({ path: expect.any(String) })] });
  });

  it('gives the exact verdict of validateCheckIn with a time window and a root path (ingest-api)', () => {
    const now = new Date('2026-01-05T12:00:00Z');
    const times = fc.oneof(
      fc.constant('2026-01-05T12:04:59Z'), // within the 5-minute tolerance
      fc.constant('2026-01-05T12:05:01Z'), // too far in the future
      fc.constant('2025-12-06T12:00:01Z'), // just inside 30 days
      fc.constant('2025-12-06T11:59:59Z'), // too old
      fc.constant('2026-01-05T08:00:00+01:00'),
    );
    let fastRejected = 0;
    fc.assert(
      fc.property(fc.oneof(checkIn, validCheckIn), times, fc.nat(99), (input, recordedAt, index) => {
        const withTime = typeof input === 'object' && input !== null && !Array.isArray(input) ? { ...(input as object), recordedAt } : input;
        const options = { now, rootPath: `items.${index}` };
        const fast = validateCheckInFast(withTime, options);
        const { fast: usedFastPath, ...verdict } = fast;
        if (usedFastPath && !fast.ok) fastRejected++;
        expect(JSON.stringify(verdict)).toBe(JSON.stringify(validateCheckIn(withTime, options)));
      }),
      { numRuns: 600, seed: 20261126 },
    );
    expect(fastRejected).toBeGreaterThan(50); // the time window is exercised on the fast path
  });
});
