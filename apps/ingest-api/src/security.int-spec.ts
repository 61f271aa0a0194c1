/**
 * ingest-api's share of the security classes on the real Kafka and Redis: framework
 * refusals as problem+json with a request id (raw sockets), an over-limit body is a 413, a
 * 128-character patient id (token sub) is accepted, and the dev-mode switch both ways.
 */
import { spawnSync } from 'child_process';
import path from 'path';
import { DEV_HS256_SECRET, mintToken } from '@vigil/auth';
import { frameworkRefusalCases, rawHttp } from '@vigil/testing';
import { checkIn, post, startTestIngest, TestIngest, token } from './testing';

jest.setTimeout(60_000);

const root = path.resolve(__dirname, '../../..');

describe('ingest-api security (real servers)', () => {
  let svc: TestIngest;

  beforeAll(async () => {
    svc = await startTestIngest('ingest-sec');
  });
  afterAll(async () => {
    await svc?.close();
  });

  it.each(frameworkRefusalCases('/v1/check-ins'))('answers a framework refusal as problem+json with a request id: $name', async (c) => {
    const r = await rawHttp(svc.url, c.request);
    expect([c.name, r.status]).toEqual([c.name, c.status]);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = JSON.parse(r.body) as { status: number; detail: string; requestId: string };
    expect(body).toMatchObject({ status: c.status, detail: expect.stringMatching(c.detail), requestId: expect.any(String) });
    expect(r.headers['x-request-id']).toBe(body.requestId);
  });

  it('answers an over-limit body 413 problem+json, and accepts a patient id of 128 characters', async () => {
    const big = await post(svc.url, '/v1/check-ins', { ...checkIn(), notes: 'x'.repeat(70_000) }, { token: await token('p-big') });
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(big.body).toMatchObject({ status: 413, requestId: expect.any(String) });
    const longest = `p${'x'.repeat(127)}`;
    expect((await post(svc.url, '/v1/check-ins', checkIn(), { token: await token(longest) })).status).toBe(202);
  });

  it('accepts dev-secret tokens only with AUTH_DEV_MODE=true; without keys and without it, it refuses to start and says why', async () => {
    // The switch on, no key configured: the committed dev secret is accepted (what npm start does).
    const dev = await startTestIngest('ingest-dev', { AUTH_HS256_SECRET: undefined, AUTH_ISSUER: 'vigil-dev', AUTH_AUDIENCE: 'vigil', AUTH_DEV_MODE: 'true' });
    try {
      const devToken = await mintToken({ sub: 'p-dev', role: 'patient', org: 'org-1' }, { secret: DEV_HS256_SECRET, expiresIn: '5m' });
      expect((await post(dev.url, '/v1/check-ins', checkIn(), { token: devToken })).status).toBe(202);
    } finally {
      await dev.close();
    }
    // The switch off (unset, or any NODE_ENV but production alike): the process exits at once and names what to set.
    for (const env of [{}, { NODE_ENV: 'staging' }, { AUTH_HS256_SECRET: DEV_HS256_SECRET }, { AUTH_DEV_MODE: 'true', NODE_ENV: 'production' }]) {
      const r = spawnSync(process.execPath, ['-r', './tools/register.js', 'apps/ingest-api/src/main.ts'], {
        cwd: root,
        encoding: 'utf8',
        timeout: 30_000,
        env: {
          PATH: process.env['PATH'] ?? '',
          OTEL_SDK_DISABLED: 'true',
          PORT: '0',
          HOST: '127.0.0.1',
          KAFKA_BROKERS: '127.0.0.1:1',
          REDIS_URL: 'redis://127.0.0.1:1',
          ...env,
        },
      });
      expect([env, r.status]).toEqual([env, 1]);
      expect(`${r.stdout}${r.stderr}`).toMatch(/AUTH_JWKS_URL or AUTH_PUBLIC_KEY/);
      expect(`${r.stdout}${r.stderr}`).toMatch(/AUTH_DEV_MODE/);
    }
  });
});
