import { CHECKIN_FIELD_SPECS } from '@vigil/contracts';
import { PHI_LOG_KEYS, scrubLogValue } from './logger';

/**
 * The logger cannot import the catalogue at run time (libs/contracts loads @nestjs/swagger, and
 * nothing here may load Nest before tracing starts: import-order.spec.ts), so its PHI key list is
 * written out; this proves it covers every PHI field of CHECKIN_FIELDS.
 */
describe('PHI_LOG_KEYS and the check-in catalogue', () => {
  const phiKeys = [
    ...new Set(CHECKIN_FIELD_SPECS.filter((f) => f.phi).flatMap((f) => (f.name.startsWith('questionnaires.') ? ['questionnaires'] : f.name.split('.')))),
  ];

  it('lists every key of every PHI check-in field', () => {
    expect(phiKeys.length).toBeGreaterThan(15);
    expect(phiKeys.filter((k) => !PHI_LOG_KEYS.includes(k))).toEqual([]);
  });

  it('redacts each of them at depth', () => {
    for (const k of phiKeys) expect(JSON.stringify(scrubLogValue({ nested: { [k]: 42 } }))).not.toContain('42');
  });
});
