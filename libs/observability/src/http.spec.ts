import Fastify, { type FastifyInstance } from 'fastify';
import { acceptOrGenerateRequestId, registerHttpObservability } from './http';
import { createLogger } from './logger';
import { createMetrics } from './metrics';
import { currentRequestId } from './request-context';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function setup() {
  const lines: string[] = [];
  const logger = createLogger({ service: 'http-spec', level: 'debug', destination: { write: (s: string) => void lines.push(s) } });
  const metrics = createMetrics({ defaultMetrics: false });
  const app: FastifyInstance = Fastify();
  registerHttpObservability(app, { logger, metrics });
  app.get('/v1/patients/:id/observations', async () => ({ requestId: currentRequestId() }));
  app.post('/v1/check-ins', async (req) => {
    logger.info({ count: 1, body: req.body }, 'accepted');
    return { requestId: currentRequestId() };
  });
  app.get('/health/live', async () => ({ status: 'ok' }));
  const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { app, metrics, lines, records };
}

describe('registerHttpObservability', () => {
  it('accepts a sane incoming x-request-id, echoes it and makes it current for the handler', async () => {
    const { app } = setup();
    const res = await app.inject({ method: 'GET', url: '/v1/patients/p-1/observations?metric=weightKg', headers: { 'x-request-id': 'client-req-0001' } });
    expect(res.headers['x-request-id']).toBe('client-req-0001');
    expect(res.json()).toEqual({ requestId: 'client-req-0001' });
    await app.close();
  });

  it('replaces a missing or insane request id by a UUID, also across body parsing', async () => {
    const { app, records } = setup();
    for (const bad of [undefined, 'short', 'has spaces in it', 'x'.repeat(200), '<script>alert(1)</script>']) {
      const res = await app.inject({ method: 'POST', url: '/v1/check-ins', payload: { notes: 'LEAK-body' }, headers: bad ? { 'x-request-id': bad } : {} });
      const id = res.headers['x-request-id'] as string;
      expect(id).toMatch(UUID);
      expect(res.json()).toEqual({ requestId: id });
    }
    const accepted = records().filter((r) => r['msg'] === 'accepted');
    expect(accepted).toHaveLength(5);
    for (const r of accepted) expect(r['request_id']).toMatch(UUID);
    await app.close();
  });

  it('logs one line per request with the route pattern, never the URL, query or body', async () => {
    const { app, lines, records } = setup();
    await app.inject({ method: 'GET', url: '/v1/patients/p-1/observations?metric=LEAK-query', headers: { authorization: 'Bearer LEAK-token' } });
    await app.inject({ method: 'GET', url: '/nope?x=LEAK-query' });
    await app.inject({ method: 'GET', url: '/health/live' });
    const access = records().filter((r) => r['msg'] === 'http request');
    expect(access).toHaveLength(3);
    expect(access[0]).toMatchObject({ level: 'info', method: 'GET', route: '/v1/patients/:id/observations', status: 200 });
    expect(typeof access[0]!['duration_ms']).toBe('number');
    expect(access[0]!['request_id']).toMatch(UUID);
    expect(access[1]).toMatchObject({ route: 'unmatched', status: 404 });
    expect(access[2]).toMatchObject({ level: 'debug', route: '/health/live' });
    expect(lines.join('')).not.toContain('LEAK-');
    await app.close();
  });

  it('records the duration histogram by method, route pattern and status', async () => {
    const { app, metrics } = setup();
    await app.inject({ method: 'GET', url: '/v1/patients/p-1/observations' });
    await app.inject({ method: 'GET', url: '/v1/patients/p-2/observations' });
    await app.inject({ method: 'GET', url: '/v1/unknown/p-3' });
    const text = await metrics.text();
    expect(text).toContain('vigil_http_server_request_duration_seconds_count{method="GET",route="/v1/patients/:id/observations",status="200"} 2');
    expect(text).toContain('vigil_http_server_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1');
    expect(text).not.toContain('p-1');
    await app.close();
  });

  it('validates request ids', () => {
    expect(acceptOrGenerateRequestId('abcdefgh')).toBe('abcdefgh');
    expect(acceptOrGenerateRequestId(['0123456789abcdef', 'x'])).toBe('0123456789abcdef');
    expect(acceptOrGenerateRequestId('abc')).toMatch(UUID);
    expect(acceptOrGenerateRequestId('abc\ndef-ghijk')).toMatch(UUID);
  });
});
