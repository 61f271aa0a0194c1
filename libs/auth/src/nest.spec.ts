import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuthModule, Claims, mintToken, Public, Roles } from './index';
import { VigilClaims } from '@vigil/contracts';

const SECRET = 'guard-test-secret-long-enough-for-hs256-0123';
const config = { issuer: 'iss', audience: 'aud', hs256Secret: SECRET, allowedOrgs: ['org-1'], devMode: true };

@Controller()
class TestController {
  @Get('open') @Public() open() {
    return { ok: true };
  }
  @Get('any') any(@Claims() c: VigilClaims) {
    return c;
  }
  @Get('patients-only') @Roles('patient') patient(@Claims() c: VigilClaims) {
    return { sub: c.sub };
  }
}

@Roles('care-manager', 'care-admin')
@Controller('care')
class CareController {
  @Get() list(@Claims() c: VigilClaims) {
    return { org: c.org, teams: c.teams };
  }
  @Get('admin') @Roles('care-admin') admin() {
    return { ok: true };
  }
}

@Module({ imports: [AuthModule.forRoot({ verifier: () => config })], controllers: [TestController, CareController] })
class TestModule {}

// RSA key generation and app start-up can be slow on a busy machine.
jest.setTimeout(30_000);

describe('AuthGuard, @Roles, @Public, @Claims', () => {
  let app: NestFastifyApplication;
  const token = (role: VigilClaims['role'], org = 'org-1', expiresIn: number | string = '5m') =>
    mintToken({ sub: `${role}-1`, role, org, teams: ['t1'] }, { secret: SECRET, issuer: 'iss', audience: 'aud', expiresIn });
  const get = async (url: string, tok?: string) => {
    const r = await app.inject({ method: 'GET', url, headers: tok ? { authorization: `Bearer ${tok}` } : {} });
    return { status: r.statusCode, body: r.json(), headers: r.headers };
  };

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(TestModule, new FastifyAdapter(), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());

  it('lets public routes through without a token', async () => {
    expect((await get('/open')).status).toBe(200);
  });

  it('answers 401 with WWW-Authenticate for missing, invalid and expired tokens', async () => {
    const missing = await get('/any');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    const invalid = await get('/any', 'x.y.z');
    expect(invalid.status).toBe(401);
    expect(invalid.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect((await get('/any', await token('patient', 'org-1', -10))).status).toBe(401);
  });

  it('hands the claims to the handler', async () => {
    expect((await get('/any', await token('care-admin'))).body).toEqual({ sub: 'care-admin-1', role: 'care-admin', org: 'org-1', teams: ['t1'] });
  });

  it('answers 403 for a role the route does not allow, method roles override class roles', async () => {
    expect((await get('/patients-only', await token('care-manager'))).status).toBe(403);
    expect((await get('/patients-only', await token('patient'))).body).toEqual({ sub: 'patient-1' });
    expect((await get('/care', await token('patient'))).status).toBe(403);
    expect((await get('/care', await token('care-manager'))).body).toEqual({ org: 'org-1', teams: ['t1'] });
    expect((await get('/care/admin', await token('care-manager'))).status).toBe(403);
    expect((await get('/care/admin', await token('care-admin'))).status).toBe(200);
  });

  it('answers 403 for an organisation this deployment does not serve', async () => {
    expect((await get('/any', await token('patient', 'org-2'))).status).toBe(403);
  });
});
