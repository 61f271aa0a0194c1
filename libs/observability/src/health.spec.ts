import { Controller, Get, Module } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AuthModule, PUBLIC_METADATA } from '@vigil/auth';
import { HealthRegistry, ObservabilityModule, PUBLIC_ROUTE_METADATA, type ReadinessCheck } from './health';
import { createLogger } from './logger';
import { createMetrics } from './metrics';

const quietLogger = () => createLogger({ service: 'health-spec', level: 'silent' });

async function boot(readiness: ReadinessCheck[], extraImports: unknown[] = [], controllers: unknown[] = []) {
  const metrics = createMetrics({ defaultMetrics: false });
  const moduleRef = await Test.createTestingModule({
    imports: [
      ObservabilityModule.forRoot({ serviceName: 'health-spec', readiness, metrics, logger: quietLogger(), checkTimeoutMs: 100 }),
      ...(extraImports as []),
    ],
    controllers: controllers as [],
  }).compile();
  moduleRef.useLogger(false);
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, metrics };
}

describe('ObservabilityModule', () => {
  let app: NestFastifyApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('answers live, and ready when every check passes', async () => {
    ({ app } = await boot([
      { name: 'kafka', check: async () => true },
      { name: 'cassandra', check: () => undefined },
    ]));
    const live = await app.inject({ method: 'GET', url: '/health/live' });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toMatchObject({ status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ok', info: { kafka: { status: 'up' }, cassandra: { status: 'up' } } });
  });

  it('answers 503 naming the checks that failed, false, throwing or too slow, without their error text', async () => {
    ({ app } = await boot([
      { name: 'kafka', check: async () => true },
      { name: 'cassandra', check: async () => false },
      { name: 'redis', check: async () => Promise.reject(new Error('ECONNREFUSED 10.0.0.7:6379 secret-host')) },
      { name: 'consumer-group', check: () => new Promise<boolean>(() => undefined), timeoutMs: 30 },
    ]));
    const started = Date.now();
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(ready.statusCode).toBe(503);
    const body = ready.json();
    expect(body.status).toBe('error');
    expect(body.info).toEqual({ kafka: { status: 'up' } });
    expect(body.error).toEqual({
      cassandra: { status: 'down', reason: 'returned-false' },
      redis: { status: 'down', reason: 'error' },
      'consumer-group': { status: 'down', reason: 'timeout' },
    });
    expect(ready.body).not.toContain('secret-host');
    // liveness does not depend on them
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });

  it('takes checks registered at runtime through HealthRegistry', async () => {
    ({ app } = await boot([]));
    expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    let joined = false;
    const unregister = app.get(HealthRegistry).register({ name: 'consumer-group', check: () => joined });
    expect(() => app!.get(HealthRegistry).register({ name: 'consumer-group', check: () => true })).toThrow(/already registered/);
    expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(503);
    joined = true;
    expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    unregister();
    expect(app.get(HealthRegistry).list()).toHaveLength(0);
  });

  it('serves /metrics in Prometheus text', async () => {
    let metrics;
    ({ app, metrics } = await boot([]));
    metrics.alertsRaised.inc({ rule: 'news2.total', severity: 'high' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain; version=0.0.4');
    expect(res.body).toContain('vigil_alerts_raised_total{rule="news2.total",severity="high"} 1');
  });

  it('stays open behind the global AuthGuard while other routes need a token', async () => {
    expect(PUBLIC_ROUTE_METADATA).toBe(PUBLIC_METADATA);
    @Controller('v1')
    class PrivateController {
      @Get('secret')
      secret() {
        return { ok: true };
      }
    }
    @Module({ controllers: [PrivateController] })
    class PrivateModule {}
    ({ app } = await boot(
      [{ name: 'kafka', check: () => true }],
      [
        AuthModule.forRoot({ verifier: { issuer: 'vigil-dev', audience: 'vigil', hs256Secret: 'x'.repeat(40), nodeEnv: 'test', devMode: true } }),
        PrivateModule,
      ],
    ));
    expect((await app.inject({ method: 'GET', url: '/v1/secret' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
  });
});
