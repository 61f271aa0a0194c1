import { randomUUID } from 'crypto';
import { TOPICS, type CheckIn } from '@vigil/contracts';
import { consumeAll, testKafka } from '@vigil/testing';
import { bundle, fhirObservation, phq9Response } from './fhir/fhir-fixtures';
import { post, startTestIngest, TestIngest, token } from './testing';

/** FHIR R4 on ingest-api against the real Kafka and Redis: resources become check-ins, errors OperationOutcomes. */
jest.setTimeout(60_000);

const FHIR = { 'content-type': 'application/fhir+json' };
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');

describe('ingest-api: FHIR R4 (real Kafka + Redis)', () => {
  let svc: TestIngest;
  let topic: string;
  const kafka = testKafka('ingest-fhir-int');

  beforeAll(async () => {
    svc = await startTestIngest('ingest-fhir', { RATE_LIMIT_PER_MINUTE: '1000' });
    topic = `${svc.config.TOPIC_PREFIX}${TOPICS.checkins}`;
  });
  afterAll(async () => {
    await svc?.close();
  });

  const checkInsOf = async (patient: string) =>
    (await consumeAll(kafka, topic)).filter((r) => r.key === patient).map((r) => JSON.parse(String(r.value)) as CheckIn); // binary mode: the body is the data

  it('POST /fhir/R4/Observation: 201 with Location, one check-in; a repeat is the same answer; a changed one is a 409 OperationOutcome', async () => {
    const patient = `p-fhir-obs-${randomUUID()}`;
    const t = await token(patient);
    const obs = fhirObservation.weight({ patient, at: minutesAgo(5) }, 180, '[lb_av]');
    const first = await post(svc.url, '/fhir/R4/Observation', obs, { token: t, headers: FHIR });
    expect(first.status).toBe(201);
    expect(first.headers.get('content-type')).toContain('application/fhir+json');
    expect(first.headers.get('location')).toMatch(/^Observation\/[0-9a-f-]{36}-weight$/);
    expect(first.body).toMatchObject({
      resourceType: 'Observation',
      id: first.headers.get('location')?.split('/')[1],
      meta: { lastUpdated: expect.any(String) },
    });
    const again = await post(svc.url, '/fhir/R4/Observation', obs, { token: t, headers: FHIR });
    expect([again.status, again.body]).toEqual([201, first.body]);
    const changed = await post(
      svc.url,
      '/fhir/R4/Observation',
      { ...obs, valueQuantity: { ...(obs['valueQuantity'] as object), value: 181 } },
      { token: t, headers: FHIR },
    );
    expect(changed.status).toBe(409);
    expect(changed.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'conflict' }] });
    const stored = await checkInsOf(patient);
    expect(stored).toHaveLength(1);
    expect(stored[0].vitals).toEqual({ weightKg: 81.6466 });
  });

  it('POST /fhir/R4/QuestionnaireResponse: a PHQ-9 becomes a check-in questionnaire', async () => {
    const patient = `p-fhir-qr-${randomUUID()}`;
    const res = await post(svc.url, '/fhir/R4/QuestionnaireResponse', phq9Response({ patient, at: minutesAgo(3) }, [0, 1, 2, 3, 0, 1, 2, 3, 1]), {
      token: await token(patient),
      headers: FHIR,
    });
    expect(res.status).toBe(201);
    const [c] = await checkInsOf(patient);
    expect(c.questionnaires).toEqual([{ instrument: 'PHQ-9', answers: [0, 1, 2, 3, 0, 1, 2, 3, 1] }]);
  });

  it('a transaction Bundle: every entry a check-in, in one answer; one bad entry refuses all of it', async () => {
    const patient = `p-fhir-tx-${randomUUID()}`;
    const t = await token(patient);
    const at = minutesAgo(8);
    const entries = [fhirObservation.bloodPressure({ patient, at }), fhirObservation.heartRate({ patient, at }), fhirObservation.spo2({ patient, at }, 94, 2)];
    const bad = await post(svc.url, '/fhir/R4', bundle('transaction', [...entries, fhirObservation.heartRate({ patient, at }, 400)]), {
      token: t,
      headers: FHIR,
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'invalid', expression: ['Bundle.entry[3].resource.valueQuantity.value'] }],
    });
    const otherPatient = await post(svc.url, '/fhir/R4', bundle('transaction', [...entries, fhirObservation.heartRate({ patient: 'someone-else', at })]), {
      token: t,
      headers: FHIR,
    });
    expect(otherPatient.status).toBe(403);
    expect(await checkInsOf(patient)).toHaveLength(0);

    const ok = await post<{ type: string; entry: { response: { status: string; location: string } }[] }>(svc.url, '/fhir/R4', bundle('transaction', entries), {
      token: t,
      headers: FHIR,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.type).toBe('transaction-response');
    expect(ok.body.entry.map((e) => e.response.status)).toEqual(['201 Created', '201 Created', '201 Created']);
    const stored = await checkInsOf(patient);
    expect(stored).toHaveLength(3);
    expect(stored.map((c) => c.vitals)).toEqual(
      expect.arrayContaining([{ systolicBp: 128, diastolicBp: 82 }, { heartRate: 72 }, { spo2: 94, onSupplementalOxygen: true }]),
    );
  });

  it('a transaction whose entry conflicts with an accepted resource accepts nothing (409)', async () => {
    const patient = `p-fhir-txc-${randomUUID()}`;
    const t = await token(patient);
    const at = minutesAgo(4);
    const hr = fhirObservation.heartRate({ patient, at, identifier: 'hr-1' }, 70);
    expect((await post(svc.url, '/fhir/R4/Observation', hr, { token: t, headers: FHIR })).status).toBe(201);
    const res = await post(
      svc.url,
      '/fhir/R4',
      bundle('transaction', [fhirObservation.weight({ patient, at }), fhirObservation.heartRate({ patient, at, identifier: 'hr-1' }, 71)]),
      { token: t, headers: FHIR },
    );
    expect(res.status).toBe(409);
    expect((await checkInsOf(patient)).map((c) => c.vitals)).toEqual([{ heartRate: 70 }]);
    // The weight was not left reserved: the same transaction without the conflict goes through.
    const retry = await post(svc.url, '/fhir/R4', bundle('transaction', [fhirObservation.weight({ patient, at }), hr]), { token: t, headers: FHIR });
    expect(retry.status).toBe(200);
  });

  it('a batch Bundle is answered per entry', async () => {
    const patient = `p-fhir-batch-${randomUUID()}`;
    const at = minutesAgo(6);
    const res = await post<{ type: string; entry: { response: { status: string; outcome?: { issue: { expression?: string[] }[] } } }[] }>(
      svc.url,
      '/fhir/R4',
      bundle('batch', [
        fhirObservation.temperature({ patient, at }, 100.4, '[degF]'),
        { ...fhirObservation.respiratoryRate({ patient, at }), effectiveDateTime: undefined },
      ]),
      { token: await token(patient), headers: FHIR },
    );
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('batch-response');
    expect(res.body.entry.map((e) => e.response.status)).toEqual(['201 Created', '400 Bad Request']);
    expect(res.body.entry[1].response.outcome?.issue[0].expression).toEqual(['Bundle.entry[1].resource.effective[x]']);
    expect((await checkInsOf(patient)).map((c) => c.vitals)).toEqual([{ temperatureC: 38 }]);
  });

  it('bad input is a 4xx OperationOutcome: no token, wrong content type, bad JSON, oversized bundles, unknown routes', async () => {
    const patient = `p-fhir-bad-${randomUUID()}`;
    const t = await token(patient);
    const at = minutesAgo(2);
    const results = await Promise.all([
      post(svc.url, '/fhir/R4/Observation', fhirObservation.weight({ patient, at }), { headers: FHIR }),
      post(svc.url, '/fhir/R4/Observation', null, { token: t, headers: { 'content-type': 'text/plain' }, raw: 'x' }),
      post(svc.url, '/fhir/R4/Observation', null, { token: t, headers: FHIR, raw: '{"resourceType":' }),
      post(
        svc.url,
        '/fhir/R4',
        bundle(
          'batch',
          Array.from({ length: 101 }, () => fhirObservation.heartRate({ patient, at })),
        ),
        { token: t, headers: FHIR },
      ),
      post(svc.url, '/fhir/R4', null, {
        token: t,
        headers: FHIR,
        raw: JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: [{ pad: 'x'.repeat(1_100_000) }] }),
      }),
      post(svc.url, '/fhir/R4/Patient', { resourceType: 'Patient' }, { token: t, headers: FHIR }),
      post(svc.url, '/fhir/R4', { resourceType: 'Bundle', type: 'collection', entry: [] }, { token: t, headers: FHIR }),
    ]);
    expect(results.map((r) => r.status)).toEqual([401, 415, 400, 400, 413, 404, 400]);
    for (const r of results) {
      expect(r.headers.get('content-type')).toContain('application/fhir+json');
      expect(r.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [expect.objectContaining({ severity: 'error' })] });
    }
  });

  it('GET /fhir/R4/metadata: a CapabilityStatement naming the profiles and interactions', async () => {
    const res = await fetch(`${svc.url}/fhir/R4/metadata`, { headers: { authorization: `Bearer ${await token('p-meta')}` } });
    const cs = (await res.json()) as {
      resourceType: string;
      fhirVersion: string;
      rest: { resource: { type: string; supportedProfile?: string[] }[]; interaction: { code: string }[] }[];
    };
    expect(res.status).toBe(200);
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    expect(cs.rest[0].resource.map((r) => r.type)).toEqual(['Observation', 'QuestionnaireResponse']);
    expect(cs.rest[0].resource[0].supportedProfile).toContain('http://hl7.org/fhir/StructureDefinition/bp');
    expect(cs.rest[0].interaction.map((i) => i.code)).toEqual(['batch', 'transaction']);
  });
});
