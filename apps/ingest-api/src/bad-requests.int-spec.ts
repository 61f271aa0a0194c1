import { randomUUID } from 'crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { TOPICS } from '@vigil/contracts';
import { consumeAll, testKafka } from '@vigil/testing';
import { checkIn, post, startTestIngest, TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET, TestIngest, token } from './testing';

/**
 * A table of bad requests. Each must get its status with an application/problem+json body
 * (type, title, status, detail, requestId; errors[] for validation), never a 500; none may
 * produce an event; afterwards the service still accepts a good check-in.
 */
type TokenMaker = () => Promise<string | undefined>;
interface Case {
  name: string;
  status: number;
  /** Default /v1/check-ins. */
  path?: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  /** Default: a valid patient token. */
  token?: TokenMaker;
  /** Paths that must be among errors[] (validation). */
  paths?: string[];
  /** Checks on the answer beyond the status. */
  header?: [string, RegExp];
}

const PATIENT = `p-bad-${randomUUID()}`;
const good = () => checkIn({}, 5);
const withVitals = (v: Record<string, unknown>) => ({ ...good(), vitals: v });
const withSymptoms = (v: Record<string, unknown>) => ({ ...good(), symptoms: v });
const q = (instrument: string, answers: unknown) => ({ ...good(), questionnaires: [{ instrument, answers }] });
const at = (msFromNow: number) => ({ ...good(), recordedAt: new Date(Date.now() + msFromNow).toISOString() });
const id = randomUUID();
const DAY = 86_400_000;
/** A patient token signed with the right key, built claim by claim (for tokens mintToken would never make). */
const signed = (build: (j: SignJWT) => SignJWT, header: Record<string, string> = {}) =>
  build(
    new SignJWT({ role: 'patient', org: 'org-1' })
      .setProtectedHeader({ alg: 'HS256', ...header })
      .setSubject(PATIENT)
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE),
  ).sign(new TextEncoder().encode(TEST_SECRET));

const cases: Case[] = [
  // wrong types
  { name: 'checkInId is a number', status: 400, body: { ...good(), checkInId: 42 }, paths: ['checkInId'] },
  { name: 'checkInId is not a UUID', status: 400, body: { ...good(), checkInId: 'abc' }, paths: ['checkInId'] },
  { name: 'recordedAt is a number', status: 400, body: { ...good(), recordedAt: 1710000000 }, paths: ['recordedAt'] },
  { name: 'vitals is a string', status: 400, body: { ...good(), vitals: 'high' }, paths: ['vitals'] },
  { name: 'heartRate is a string', status: 400, body: withVitals({ heartRate: '72' }), paths: ['vitals.heartRate'] },
  { name: 'spo2 is a boolean', status: 400, body: withVitals({ spo2: true }), paths: ['vitals.spo2'] },
  { name: 'onSupplementalOxygen is 1', status: 400, body: withVitals({ spo2: 95, onSupplementalOxygen: 1 }), paths: ['vitals.onSupplementalOxygen'] },
  { name: 'consciousness is not ACVPU', status: 400, body: withVitals({ consciousness: 'X' }), paths: ['vitals.consciousness'] },
  { name: 'symptoms is an array', status: 400, body: { ...good(), symptoms: [1] }, paths: ['symptoms'] },
  { name: 'chestPain is "yes"', status: 400, body: withSymptoms({ chestPain: 'yes' }), paths: ['symptoms.chestPain'] },
  { name: 'questionnaires is an object', status: 400, body: { ...good(), questionnaires: { instrument: 'PHQ-9' } }, paths: ['questionnaires'] },
  { name: 'answers is a string', status: 400, body: q('PHQ-9', '000000000'), paths: ['questionnaires.0.answers'] },
  { name: 'medication is a string', status: 400, body: { ...good(), medication: 'all' }, paths: ['medication'] },
  { name: 'adherence is unknown', status: 400, body: { ...good(), medication: { adherence: 'most' } }, paths: ['medication.adherence'] },
  { name: 'mood is a string', status: 400, body: { ...good(), mood: '4' }, paths: ['mood'] },
  { name: 'notes is a number', status: 400, body: { ...good(), notes: 5 }, paths: ['notes'] },
  // every range
  { name: 'weightKg below 20', status: 400, body: withVitals({ weightKg: 19.9 }), paths: ['vitals.weightKg'] },
  { name: 'weightKg above 350', status: 400, body: withVitals({ weightKg: 350.1 }), paths: ['vitals.weightKg'] },
  { name: 'systolicBp below 40', status: 400, body: withVitals({ systolicBp: 39 }), paths: ['vitals.systolicBp'] },
  { name: 'systolicBp above 300', status: 400, body: withVitals({ systolicBp: 301 }), paths: ['vitals.systolicBp'] },
  { name: 'diastolicBp below 20', status: 400, body: withVitals({ diastolicBp: 19 }), paths: ['vitals.diastolicBp'] },
  { name: 'diastolicBp above 200', status: 400, body: withVitals({ diastolicBp: 201 }), paths: ['vitals.diastolicBp'] },
  { name: 'diastolic not below systolic', status: 400, body: withVitals({ systolicBp: 120, diastolicBp: 120 }), paths: ['vitals.diastolicBp'] },
  { name: 'heartRate below 20', status: 400, body: withVitals({ heartRate: 19 }), paths: ['vitals.heartRate'] },
  { name: 'heartRate above 250', status: 400, body: withVitals({ heartRate: 251 }), paths: ['vitals.heartRate'] },
  { name: 'respiratoryRate below 4', status: 400, body: withVitals({ respiratoryRate: 3 }), paths: ['vitals.respiratoryRate'] },
  { name: 'respiratoryRate above 60', status: 400, body: withVitals({ respiratoryRate: 61 }), paths: ['vitals.respiratoryRate'] },
  { name: 'spo2 below 50', status: 400, body: withVitals({ spo2: 49 }), paths: ['vitals.spo2'] },
  { name: 'spo2 above 100', status: 400, body: withVitals({ spo2: 100.5 }), paths: ['vitals.spo2'] },
  { name: 'temperatureC below 30', status: 400, body: withVitals({ temperatureC: 29.9 }), paths: ['vitals.temperatureC'] },
  { name: 'temperatureC above 45', status: 400, body: withVitals({ temperatureC: 45.1 }), paths: ['vitals.temperatureC'] },
  { name: 'glucoseMgDl below 20', status: 400, body: withVitals({ glucoseMgDl: 19 }), paths: ['vitals.glucoseMgDl'] },
  { name: 'glucoseMgDl above 700', status: 400, body: withVitals({ glucoseMgDl: 701 }), paths: ['vitals.glucoseMgDl'] },
  { name: 'breathlessness above 4', status: 400, body: withSymptoms({ breathlessness: 5 }), paths: ['symptoms.breathlessness'] },
  { name: 'swelling below 0', status: 400, body: withSymptoms({ swelling: -1 }), paths: ['symptoms.swelling'] },
  { name: 'fatigue not an integer', status: 400, body: withSymptoms({ fatigue: 1.5 }), paths: ['symptoms.fatigue'] },
  { name: 'dizziness above 4', status: 400, body: withSymptoms({ dizziness: 5 }), paths: ['symptoms.dizziness'] },
  { name: 'pain above 10', status: 400, body: withSymptoms({ pain: 11 }), paths: ['symptoms.pain'] },
  { name: 'mood below 1', status: 400, body: { ...good(), mood: 0 }, paths: ['mood'] },
  { name: 'mood above 5', status: 400, body: { ...good(), mood: 6 }, paths: ['mood'] },
  { name: 'PHQ-9 with 8 answers', status: 400, body: q('PHQ-9', [0, 0, 0, 0, 0, 0, 0, 0]), paths: ['questionnaires.0.answers'] },
  { name: 'GAD-7 answer above 3', status: 400, body: q('GAD-7', [0, 0, 0, 0, 0, 0, 4]), paths: ['questionnaires.0.answers'] },
  { name: 'CAT answer above 5', status: 400, body: q('CAT', [0, 0, 0, 0, 0, 0, 0, 6]), paths: ['questionnaires.0.answers'] },
  { name: 'unknown instrument', status: 400, body: q('PHQ-2', [0, 0]), paths: ['questionnaires.0.instrument'] },
  { name: 'notes longer than 2,000 characters', status: 400, body: { ...good(), notes: 'x'.repeat(2001) }, paths: ['notes'] },
  {
    name: 'every error reported at once',
    status: 400,
    body: { checkInId: 'x', recordedAt: 'y', vitals: { spo2: 120, heartRate: 5 } },
    paths: ['checkInId', 'recordedAt', 'vitals.spo2', 'vitals.heartRate'],
  },
  // unknown fields and prototype keys
  { name: 'unknown top-level field', status: 400, body: { ...good(), patientId: 'p-other' }, paths: ['patientId'] },
  { name: 'unknown vitals field', status: 400, body: withVitals({ spo2: 95, bloodType: 'A' }), paths: ['vitals.bloodType'] },
  { name: 'unknown symptoms field', status: 400, body: withSymptoms({ nausea: 2 }), paths: ['symptoms.nausea'] },
  {
    name: '__proto__ key',
    status: 400,
    raw: `{"checkInId":"${id}","recordedAt":"${new Date().toISOString()}","mood":3,"__proto__":{"admin":true}}`,
    paths: ['__proto__'],
  },
  { name: 'constructor.prototype key', status: 400, body: withVitals({ constructor: { prototype: { admin: true } } }), paths: ['vitals.constructor'] },
  {
    name: 'nested __proto__ key',
    status: 400,
    raw: `{"checkInId":"${id}","recordedAt":"${new Date().toISOString()}","vitals":{"__proto__":{"spo2":1}}}`,
    paths: ['vitals.__proto__'],
  },
  // dates
  { name: 'recordedAt is not a date', status: 400, body: { ...good(), recordedAt: 'yesterday' }, paths: ['recordedAt'] },
  { name: 'recordedAt without an offset', status: 400, body: { ...good(), recordedAt: '2026-03-10T08:00:00' }, paths: ['recordedAt'] },
  { name: 'recordedAt on 30 February', status: 400, body: { ...good(), recordedAt: '2026-02-30T08:00:00Z' }, paths: ['recordedAt'] },
  { name: 'recordedAt 10 minutes in the future', status: 400, body: at(10 * 60_000), paths: ['recordedAt'] },
  { name: 'recordedAt 31 days ago', status: 400, body: at(-31 * DAY), paths: ['recordedAt'] },
  { name: 'recordedAt in 1999', status: 400, body: { ...good(), recordedAt: '1999-12-31T23:59:59Z' }, paths: ['recordedAt'] },
  // empty
  { name: 'empty object', status: 400, body: {}, paths: ['checkInId', 'recordedAt'] },
  { name: 'nothing measurable', status: 400, body: { checkInId: randomUUID(), recordedAt: new Date().toISOString() }, paths: [''] },
  { name: 'only notes', status: 400, body: { checkInId: randomUUID(), recordedAt: new Date().toISOString(), notes: 'fine' }, paths: [''] },
  { name: 'empty vitals', status: 400, body: { checkInId: randomUUID(), recordedAt: new Date().toISOString(), vitals: {} }, paths: [''] },
  // body shapes and JSON
  { name: 'an array body', status: 400, body: [good()], paths: [''] },
  { name: 'a null body', status: 400, raw: 'null', paths: [''] },
  { name: 'a string body', status: 400, raw: '"check-in"', paths: [''] },
  { name: 'invalid JSON', status: 400, raw: '{"checkInId": ' },
  { name: 'JSON with a trailing comma', status: 400, raw: '{"mood": 3,}' },
  { name: 'empty body with a JSON content type', status: 400, raw: '' },
  // content type and size
  { name: 'text/plain', status: 415, raw: JSON.stringify(good()), headers: { 'content-type': 'text/plain' } },
  { name: 'a form', status: 415, raw: 'mood=3', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
  { name: 'XML', status: 415, raw: '<checkIn/>', headers: { 'content-type': 'application/xml' } },
  { name: 'problem+json as a request', status: 415, raw: '{}', headers: { 'content-type': 'application/problem+json' } },
  { name: 'body above 64 KiB', status: 413, raw: JSON.stringify({ ...good(), notes: 'x'.repeat(70 * 1024) }) },
  { name: 'batch body above 1 MiB', status: 413, path: '/v1/check-ins:batch', raw: JSON.stringify({ items: [{ ...good(), notes: 'x'.repeat(1100 * 1024) }] }) },
  // batch envelope
  { name: 'batch of 101 items', status: 400, path: '/v1/check-ins:batch', body: { items: Array.from({ length: 101 }, () => good()) }, paths: ['items'] },
  { name: 'batch without items', status: 400, path: '/v1/check-ins:batch', body: {}, paths: ['items'] },
  { name: 'batch items not an array', status: 400, path: '/v1/check-ins:batch', body: { items: good() }, paths: ['items'] },
  { name: 'batch with no items', status: 400, path: '/v1/check-ins:batch', body: { items: [] }, paths: ['items'] },
  { name: 'batch with an extra field', status: 400, path: '/v1/check-ins:batch', body: { items: [good()], patientId: 'x' }, paths: ['patientId'] },
  { name: 'batch as a bare array', status: 400, path: '/v1/check-ins:batch', body: [good()], paths: [''] },
  { name: 'batch with text/plain', status: 415, path: '/v1/check-ins:batch', raw: '{"items":[]}', headers: { 'content-type': 'text/plain' } },
  // tokens
  { name: 'no token', status: 401, body: good(), token: async () => undefined, header: ['www-authenticate', /^Bearer/] },
  { name: 'expired token', status: 401, body: good(), token: () => token(PATIENT, { expiresIn: -120 }), header: ['www-authenticate', /invalid_token/] },
  { name: 'wrongly signed token', status: 401, body: good(), token: () => token(PATIENT, { secret: 'another-secret-that-is-long-enough-0123456789' }) },
  {
    name: 'unsigned token (alg none)',
    status: 401,
    body: good(),
    token: async () =>
      new UnsecuredJWT({ role: 'patient', org: 'org-1' }).setSubject(PATIENT).setIssuer('vigil-test').setAudience('vigil').setExpirationTime('5m').encode(),
  },
  { name: 'garbage token', status: 401, body: good(), token: async () => 'not-a-jwt' },
  {
    name: 'token with a role claim that maps to no Vigil role (403, the claim named)',
    status: 403,
    body: good(),
    token: () => token(PATIENT, { extra: { role: 'root' } }),
  },
  { name: 'care-manager token', status: 403, body: good(), token: () => token('cm-1', { role: 'care-manager' }) },
  { name: 'care-admin token', status: 403, body: good(), token: () => token('ca-1', { role: 'care-admin' }) },
  { name: 'token without exp', status: 401, body: good(), token: () => signed((j) => j.setIssuedAt()), header: ['www-authenticate', /invalid_token/] },
  { name: 'token without iat', status: 401, body: good(), token: () => signed((j) => j.setExpirationTime('5m')) },
  { name: 'token living longer than a patient token may', status: 401, body: good(), token: () => token(PATIENT, { expiresIn: '400d' }) },
  { name: 'token of another typ', status: 401, body: good(), token: () => signed((j) => j.setIssuedAt().setExpirationTime('5m'), { typ: 'refresh+jwt' }) },
  { name: 'token sub longer than an id (129)', status: 401, body: good(), token: () => token(`p${'x'.repeat(128)}`) },
  { name: 'token sub outside the id alphabet', status: 401, body: good(), token: () => token('p 1/../2') },
  { name: 'token from another tenant', status: 403, body: good(), token: () => token(PATIENT, { org: 'org-9' }) },
  { name: 'batch without a token', status: 401, path: '/v1/check-ins:batch', body: { items: [good()] }, token: async () => undefined },
  {
    name: 'batch with a care-manager token',
    status: 403,
    path: '/v1/check-ins:batch',
    body: { items: [good()] },
    token: () => token('cm-1', { role: 'care-manager' }),
  },
  {
    name: 'Basic auth instead of a bearer token',
    status: 401,
    body: good(),
    token: async () => undefined,
    headers: { authorization: 'Basic cGF0aWVudDpwYXNz' },
  },
  // routes
  { name: 'unknown route', status: 404, path: '/v1/checkins', body: good() },
];

// Real servers on a shared machine: generous per-test and hook timeouts.
jest.setTimeout(60_000);

describe('ingest-api: bad requests', () => {
  let svc: TestIngest;
  let patientToken: string;

  beforeAll(async () => {
    svc = await startTestIngest('ingest-bad');
    patientToken = await token(PATIENT);
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('has at least 50 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(50);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const tok = c.token ? await c.token() : patientToken;
    const res = await post(svc.url, c.path ?? '/v1/check-ins', c.body, { token: tok, raw: c.raw, headers: c.headers });
    expect({ status: res.status, text: res.text.slice(0, 300) }).toEqual({ status: c.status, text: expect.any(String) });
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    expect(res.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status: c.status, detail: expect.any(String), requestId });
    expect(res.text).not.toMatch(/\bat \S+ \(|node_modules|\.ts:\d+/); // never a stack trace
    if (c.paths) {
      const paths = ((res.body['errors'] as { path: string }[]) ?? []).map((e) => e.path);
      expect(paths).toEqual(expect.arrayContaining(c.paths));
    }
    if (c.header) expect(res.headers.get(c.header[0])).toMatch(c.header[1]);
  });

  it('still accepts a good check-in afterwards, and produced nothing for the bad ones', async () => {
    const body = good();
    const res = await post(svc.url, '/v1/check-ins', body, { token: patientToken });
    expect(res.status).toBe(202);
    const recs = await consumeAll(testKafka('ingest-bad'), `${svc.config.TOPIC_PREFIX}${TOPICS.checkins}`);
    expect(recs.map((r) => r.event?.id)).toEqual([body['checkInId']]);
  });
});
