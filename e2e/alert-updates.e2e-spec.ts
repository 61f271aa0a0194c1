/**
 * Model v2's consolidation end to end (issue 17): the live scorer running MODEL_VERSION=v2 turns a
 * second check-in with evidence for the same problem into an `alert.updated` of the open alert, and
 * care-api's SSE client gets it as an update of that alert, not a second alert. The same check-in
 * posted again changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { openSse, SseClientConnection, SseEvent } from '@vigil/http';
import { CareStack, startCareStack } from './care-stack';

jest.setTimeout(240_000);

interface Streamed {
  eventId: string;
  type: string;
  alertId: string;
  patientId: string;
  status: string;
  alert?: { checkInId?: string; severity: string };
  update?: { checkInId: string; severity: string; previousSeverity: string; interrupts: boolean; allReasonCodes: string[] };
}
const alerts = (es: SseEvent[]) => es.filter((e) => e.event === 'alert').map((e) => JSON.parse(e.data) as Streamed);

describe('v2: a consolidated alert reaches the SSE client as an update (ingest-api, risk-scorer MODEL_VERSION=v2, care-api)', () => {
  let stack: CareStack;
  let client: SseClientConnection | undefined;

  beforeAll(async () => {
    stack = await startCareStack({ label: 'e2e-alertupd', env: { 'risk-scorer': { MODEL_VERSION: 'v2' } } });
  });

  afterAll(async () => {
    client?.close();
    await stack?.stop();
  });

  it('raises once, then updates the same alert; a check-in posted again changes nothing', async () => {
    const care = stack.cares[0];
    expect(await stack.enrol('org-1', 'pat-v2', 'team-a')).toBe(201);
    const nurse = await stack.token('nurse-v2', 'care-manager', 'org-1', ['team-a']);
    client = await openSse(`${care.url}/v1/alerts/stream`, { headers: { authorization: `Bearer ${nurse}` } });
    expect(client.status).toBe(200);
    await client.waitFor((es) => es.some((e) => e.event === 'ready'), 20_000, 'ready');
    const sse = client;

    // Device times just before now (a live, not a late, check-in), minutes apart, in order.
    const start = Date.now() - 10 * 60_000;
    const post = async (checkInId: string, minute: number, vitals: Record<string, number>) => {
      const t = await stack.token('pat-v2', 'patient', 'org-1');
      const r = await fetch(`${stack.ingest.url}/v1/check-ins`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
        body: JSON.stringify({ checkInId, recordedAt: new Date(start + minute * 60_000).toISOString(), vitals }),
      });
      expect(r.status).toBe(202);
    };
    const first = randomUUID();
    await post(first, 0, { heartRate: 115, respiratoryRate: 22, temperatureC: 38.5 });
    await sse.waitFor((es) => alerts(es).some((a) => a.type === 'alert.raised' && a.alert?.checkInId === first), 60_000, 'the raise');
    const raise = alerts(sse.events).find((a) => a.type === 'alert.raised')!;
    expect(raise).toMatchObject({ patientId: 'pat-v2', status: 'open', alert: { severity: 'high' } });

    // Worse evidence for the same problem: an interrupting update of that alert.
    const second = randomUUID();
    const worse = { heartRate: 135, respiratoryRate: 26, temperatureC: 39.5, systolicBp: 95 };
    await post(second, 2, worse);
    await sse.waitFor((es) => alerts(es).some((a) => a.type === 'alert.updated' && a.update?.checkInId === second), 60_000, 'the update');
    const update = alerts(sse.events).find((a) => a.update?.checkInId === second)!;
    expect(update).toMatchObject({ alertId: raise.alertId, status: 'open', update: { severity: 'critical', previousSeverity: 'high', interrupts: true } });

    // The second check-in posted again, then a third with a new sign: the third's update, behind the
    // repeat on the patient's partition, shows the repeat was handled, and that it gave nothing.
    await post(second, 2, worse);
    const third = randomUUID();
    await post(third, 4, { ...worse, heartRate: 130, spo2: 88 });
    await sse.waitFor((es) => alerts(es).some((a) => a.update?.checkInId === third), 60_000, 'the third check-in’s update');
    const mine = alerts(sse.events).filter((a) => a.patientId === 'pat-v2');
    expect(mine.map((a) => [a.type, a.alertId, a.alert?.checkInId ?? a.update?.checkInId])).toEqual([
      ['alert.raised', raise.alertId, first],
      ['alert.updated', raise.alertId, second],
      ['alert.updated', raise.alertId, third],
    ]);
    expect(mine.at(-1)?.update).toMatchObject({ interrupts: false, severity: 'critical' });
    expect(mine.at(-1)?.update?.allReasonCodes).toContain('news2.spo2');

    // The REST view is the one alert, updated in place.
    const r = await fetch(`${care.url}/v1/alerts?status=open`, { headers: { authorization: `Bearer ${nurse}` } });
    expect(r.status).toBe(200);
    const page = (await r.json()) as { items: { alertId: string; patientId: string; severity: string; reasons: { code: string }[] }[] };
    const listed = page.items.filter((a) => a.patientId === 'pat-v2');
    expect(listed.map((a) => [a.alertId, a.severity])).toEqual([[raise.alertId, 'critical']]);
    expect(listed[0].reasons.map((x) => x.code)).toContain('news2.spo2');
  });
});
