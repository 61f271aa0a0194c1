/**
 * The whole alert path as processes: a check-in posted to ingest-api is scored by risk-scorer, whose
 * alert care-api stores and streams: it appears on the SSE client of the patient's team, and not on
 * a client of another team or another organisation.
 */
import { randomUUID } from 'node:crypto';
import { openSse, SseClientConnection, SseEvent } from '@vigil/http';
import { alertingCheckIn, CareStack, startCareStack } from './care-stack';

jest.setTimeout(240_000);

const alerts = (es: SseEvent[]) =>
  es
    .filter((e) => e.event === 'alert')
    .map(
      (e) =>
        JSON.parse(e.data) as {
          type: string;
          patientId: string;
          careTeamId: string;
          alert?: { checkInId?: string; ruleCode: string; reasons: { code: string }[] };
        },
    );

describe('check-in -> alert on the right SSE client (ingest-api, risk-scorer, care-api as processes)', () => {
  let stack: CareStack;
  const clients: SseClientConnection[] = [];

  beforeAll(async () => {
    stack = await startCareStack({ label: 'e2e-care' });
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await stack?.stop();
  });

  it('streams the alert to its team only', async () => {
    const care = stack.cares[0];
    expect(
      await Promise.all([stack.enrol('org-1', 'pat-a', 'team-a'), stack.enrol('org-1', 'pat-b', 'team-b'), stack.enrol('org-2', 'pat-a', 'team-a')]),
    ).toEqual([201, 201, 201]);
    const open = async (org: string, teams: string[]) => {
      const t = await stack.token(`nurse-${org}-${teams[0]}`, 'care-manager', org, teams);
      const c = await openSse(`${care.url}/v1/alerts/stream`, { headers: { authorization: `Bearer ${t}` } });
      clients.push(c);
      expect(c.status).toBe(200);
      await c.waitFor((es) => es.some((e) => e.event === 'ready'), 20_000, 'ready');
      return c;
    };
    const [teamA, teamB, otherOrg] = await Promise.all([open('org-1', ['team-a']), open('org-1', ['team-b']), open('org-2', ['team-a'])]);

    const post = async (patient: string) => {
      const checkInId = randomUUID();
      const t = await stack.token(patient, 'patient', 'org-1');
      const r = await fetch(`${stack.ingest.url}/v1/check-ins`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
        body: JSON.stringify(alertingCheckIn(checkInId, new Date(Date.now() - 60_000))),
      });
      expect(r.status).toBe(202);
      return checkInId;
    };
    const forA = await post('pat-a');
    await teamA.waitFor((es) => alerts(es).some((a) => a.alert?.checkInId === forA), 60_000, "pat-a's alert on team-a");
    const got = alerts(teamA.events).find((a) => a.alert?.checkInId === forA)!;
    expect(got).toMatchObject({ type: 'alert.raised', patientId: 'pat-a', careTeamId: 'team-a' });
    expect(got.alert!.reasons.map((r) => r.code)).toContain('symptom.chestPain');

    // team-b's patient: reaches team-b; by then anything for the wrong clients would have arrived too.
    const forB = await post('pat-b');
    await teamB.waitFor((es) => alerts(es).some((a) => a.alert?.checkInId === forB), 60_000, "pat-b's alert on team-b");
    await new Promise((r) => setTimeout(r, 500));
    expect(alerts(teamA.events).every((a) => a.patientId === 'pat-a')).toBe(true);
    expect(alerts(teamB.events).every((a) => a.patientId === 'pat-b')).toBe(true);
    expect(alerts(otherOrg.events)).toEqual([]);
  });
});
