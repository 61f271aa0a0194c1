/**
 * Vigil's FHIR R4 API checked by an implementation nobody here wrote: the HAPI FHIR
 * harness (e2e/fhir-harness) posts Observations, a PHQ-9 and a transaction Bundle to ingest-api with
 * HAPI's generic client, reads the Observation and RiskAssessment searches back from care-api, and
 * validates every answer with HAPI's validator (base R4 and the vital-signs profile): zero errors.
 * The whole pipeline runs as processes (ingest-api, timeseries-writer, risk-scorer, care-api).
 */
import { mintToken } from '@vigil/auth';
import { buildFhirHarness, runFhirHarness } from './support/fhir-harness';
import { startVigilStack, type VigilStack } from './support/vigil-stack';

jest.setTimeout(600_000);

describe('FHIR R4 checked by HAPI FHIR', () => {
  let stack: VigilStack;
  let classpath: string;
  const patient = 'fhir-p-1';
  const team = 'team-fhir';

  beforeAll(async () => {
    // Maven (and, the first time, the HAPI download) while the services start.
    [classpath, stack] = await Promise.all([buildFhirHarness(), startVigilStack('fhir')]);
    await stack.enrol(patient, { careTeamId: team, conditions: ['heart-failure'], dryWeightKg: 78 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('the HAPI client round trip validates with zero errors', async () => {
    const r = await runFhirHarness(classpath, {
      INGEST_URL: stack.ingest.url,
      CARE_URL: stack.care.url,
      PATIENT_ID: patient,
      PATIENT_TOKEN: await stack.token('patient', patient),
      CARE_TOKEN: await stack.token('care-manager', 'nurse-fhir', [team]),
      WAIT_SECONDS: '90',
    });
    if (r.code !== 0) console.log(r.output.slice(-6000));
    expect(r.output).toMatch(/harness: \d+ resources validated, \d+ warnings, 0 failures/);
    expect(r.code).toBe(0);
    // The reads were audited as the JSON endpoints' are.
    const audit = await stack.keyspace.client.execute('SELECT action, patient_id, resource FROM audit_log WHERE tenant_id = ? ALLOW FILTERING', [stack.org]);
    const actions = audit.rows.filter((row) => row['patient_id'] === patient).map((row) => `${row['action']} ${row['resource']}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^patient\.observations\.read GET \/fhir\/R4\/Observation/),
        'patient.risk.read GET /fhir/R4/RiskAssessment',
      ]),
    );
  });

  it("another organisation's patient is a 404 OperationOutcome; a bad search a 400 one", async () => {
    const outsider = mintToken(
      { sub: 'nurse-x', role: 'care-manager', org: 'org-other', teams: [team] },
      { secret: stack.care.env['AUTH_HS256_SECRET'], expiresIn: '10m' },
    );
    const get = async (p: string, token: string) => {
      const res = await fetch(`${stack.care.url}${p}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as { resourceType: string; issue: { code: string }[] } };
    };
    const nurse = await stack.token('care-manager', 'nurse-fhir', [team]);
    const results = await Promise.all([
      get(`/fhir/R4/Observation?patient=${patient}`, await outsider),
      get(`/fhir/R4/RiskAssessment?subject=Patient/${patient}`, await outsider),
      get(`/fhir/R4/Observation?patient=${patient}&code=http://loinc.org|8302-2`, nurse),
      get(`/fhir/R4/Observation?patient=${patient}&date=yesterday`, nurse),
      get(`/fhir/R4/Observation?patient=${patient}&sort=date`, nurse),
    ]);
    expect(results.map((r) => [r.status, r.body.resourceType, r.body.issue[0].code])).toEqual([
      [404, 'OperationOutcome', 'not-found'],
      [404, 'OperationOutcome', 'not-found'],
      [400, 'OperationOutcome', 'invalid'],
      [400, 'OperationOutcome', 'invalid'],
      [400, 'OperationOutcome', 'invalid'],
    ]);
    for (const r of results) expect(r.type).toContain('application/fhir+json');
  });
});
