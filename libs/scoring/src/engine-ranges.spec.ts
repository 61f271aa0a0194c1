import { CHECKIN_FIELD_SPECS } from '@vigil/contracts';
import { sanitize, type EngineCheckIn } from '@vigil/risk-engine';

/**
 * The engine imports nothing of ours, so it keeps its own plausible ranges (sanitize.ts). This
 * proves they are the catalogue's: each ranged field is kept at both ends and left out just beyond.
 */
const NOT_READ_BY_THE_ENGINE = new Set(['vitals.diastolicBp']); // accepted by the contract, used by no rule

function checkInWith(name: string, value: number): EngineCheckIn {
  const [group, key] = name.includes('.') ? name.split('.') : [undefined, name];
  const body = group ? { [group]: { [key]: value } } : { [key]: value };
  return { checkInId: 'c', patientId: 'p', recordedAt: '2026-01-01T00:00:00Z', ...body } as unknown as EngineCheckIn;
}

function kept(name: string, value: number): boolean {
  const clean = sanitize(checkInWith(name, value));
  return clean.ignored.length === 0;
}

const ranged = CHECKIN_FIELD_SPECS.filter((f) => f.range && (f.type === 'number' || f.type === 'integer') && !NOT_READ_BY_THE_ENGINE.has(f.name));

describe("the engine's sanitize ranges", () => {
  it('covers every ranged field of the catalogue', () => {
    expect(ranged.map((f) => f.name)).toEqual(expect.arrayContaining(['vitals.weightKg', 'vitals.spo2', 'symptoms.pain', 'mood']));
  });

  it.each(ranged.map((f) => [f.name, f.range!] as const))('%s: kept from %p, left out beyond', (name, [lo, hi]) => {
    expect([kept(name, lo), kept(name, hi)]).toEqual([true, true]);
    expect([kept(name, lo - 0.5), kept(name, hi + 0.5)]).toEqual([false, false]);
  });
});
