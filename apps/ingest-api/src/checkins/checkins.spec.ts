import { canonicalJson, fingerprint, idempotencyKey } from './idempotency';
import { normalizedTraceparent } from '@vigil/observability';
import { parseIngestConfig } from '../config';

describe('idempotency fingerprint', () => {
  it('ignores key order and whitespace, not values', () => {
    const a = { checkInId: 'x', vitals: { spo2: 95, heartRate: 70 }, questionnaires: [{ instrument: 'PHQ-9', answers: [1, 2] }] };
    const b = { questionnaires: [{ answers: [1, 2], instrument: 'PHQ-9' }], vitals: { heartRate: 70, spo2: 95 }, checkInId: 'x' };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(fingerprint(a)).toBe(fingerprint(b));
    expect(fingerprint({ ...a, vitals: { spo2: 95, heartRate: 71 } })).not.toBe(fingerprint(a));
    expect(fingerprint({ ...a, questionnaires: [{ instrument: 'PHQ-9', answers: [2, 1] }] })).not.toBe(fingerprint(a));
  });

  it('scopes keys by tenant and patient, unambiguously', () => {
    expect(idempotencyKey('org-1', 'p-1', 'c')).toBe('idem:org-1:p-1:c');
    expect(idempotencyKey('a', 'b:c', 'd')).not.toBe(idempotencyKey('a:b', 'c', 'd'));
  });
});

describe('traceparent', () => {
  it('accepts a valid W3C traceparent only, and keeps only what the trace needs', () => {
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(normalizedTraceparent(tp)).toBe(tp);
    expect(normalizedTraceparent([tp])).toBe(tp);
    // Flags other than "sampled" and a future version's suffix are dropped; the version becomes 00.
    expect(normalizedTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-ff')).toBe(tp);
    expect(normalizedTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-02')).toBe(tp.replace(/-01$/, '-00'));
    expect(normalizedTraceparent('cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-the-future-brings')).toBe(tp);
    for (const bad of [
      '00-00000000000000000000000000000000-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01',
      'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra',
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\nx: y',
      'garbage',
      'x'.repeat(600),
    ]) {
      expect([bad, normalizedTraceparent(bad)]).toEqual([bad, undefined]);
    }
    expect(normalizedTraceparent([tp, tp])).toBeUndefined();
    expect(normalizedTraceparent(undefined)).toBeUndefined();
  });
});

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = parseIngestConfig({});
    expect(c).toMatchObject({
      PORT: 3000,
      INGEST_MAX_BODY_BYTES: 65536,
      INGEST_MAX_BATCH_BODY_BYTES: 1048576,
      RATE_LIMIT_PER_MINUTE: 60,
      IDEMPOTENCY_TTL_SECONDS: 604800,
      KAFKA_ACK_TIMEOUT_MS: 5000,
      KAFKA_ENSURE_TOPICS: true,
    });
  });
  it('refuses an idempotency TTL under 7 days and names the setting', () => {
    expect(() => parseIngestConfig({ IDEMPOTENCY_TTL_SECONDS: '3600', PORT: 'x' })).toThrow(
      /IDEMPOTENCY_TTL_SECONDS[\s\S]*PORT|PORT[\s\S]*IDEMPOTENCY_TTL_SECONDS/,
    );
  });
});
