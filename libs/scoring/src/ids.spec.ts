import { createHash, randomUUID } from 'node:crypto';
import { riskScoredEventId, SCORER_ID_NAMESPACE, uuidV5 } from './ids';

/** RFC 9562 section 5.5 written out plainly, as an independent reference for the fast version. */
function referenceV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const b = Buffer.from(createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

describe('uuidV5', () => {
  it('gives the RFC 9562 test vector', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('equals the plain reference for random, non-ASCII, empty and long names', () => {
    const names = ['', 'a', 'ünïcødé ≥ 38.5 °C 😀', 'x'.repeat(300), '€'.repeat(200), 'short again'];
    for (let i = 0; i < 2000; i++) names.push(`risk.scored\u0000v1\u0000${randomUUID()}`);
    for (const name of names) {
      expect(uuidV5(name)).toBe(referenceV5(name, SCORER_ID_NAMESPACE));
      expect(uuidV5(name, '6BA7B810-9DAD-11D1-80B4-00C04FD430C8')).toBe(referenceV5(name, '6ba7b810-9dad-11d1-80b4-00c04fd430c8'));
    }
  });

  it('sets version 5 and the RFC variant on every id', () => {
    for (let i = 0; i < 500; i++) expect(uuidV5(randomUUID())).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('refuses a namespace that is not a UUID', () => {
    expect(() => uuidV5('x', 'not-a-uuid')).toThrow('namespace must be a UUID');
    expect(() => uuidV5('x', '6ba7b810-9dad-11d1-80b4')).toThrow('namespace must be a UUID');
  });

  it('derives the risk.scored id from its documented name', () => {
    expect(riskScoredEventId('v1', 'c-1')).toBe(referenceV5('risk.scored\u0000v1\u0000c-1', SCORER_ID_NAMESPACE));
  });
});
