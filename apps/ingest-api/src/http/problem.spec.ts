import { ForbiddenException, HttpException, UnauthorizedException } from '@nestjs/common';
import { mapError } from './problem-details.filter';
import { ProblemException } from './problem';

describe('mapError: every error becomes a problem', () => {
  it.each([
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400],
    ['VIGIL_INVALID_JSON', 400],
  ])('Fastify %s -> %d', (code, status) => {
    const m = mapError(Object.assign(new Error('x'), { code, statusCode: status }));
    expect(m.problem.status).toBe(status);
    expect(m.problem.type).toMatch(/^https:\/\/vigil\.example\/problems\//);
    expect(m.unexpected).toBeFalsy();
  });

  it('keeps our problems and their headers', () => {
    const m = mapError(ProblemException.of('rateLimited', 'slow down', { retryAfterSeconds: 7.2 }));
    expect(m.problem).toMatchObject({ status: 429, detail: 'slow down' });
    expect(m.headers).toEqual({ 'retry-after': '8' });
  });

  it('maps guard exceptions with their message', () => {
    expect(mapError(new UnauthorizedException({ message: 'the token has expired', code: 'token_expired' })).problem).toMatchObject({ status: 401, detail: 'the token has expired', title: 'Unauthorized' });
    expect(mapError(new ForbiddenException('nope')).problem).toMatchObject({ status: 403, detail: 'nope' });
    expect(mapError(new HttpException('teapot', 418)).problem).toMatchObject({ status: 418, type: 'about:blank' });
  });

  it('answers anything unexpected with a generic 500 that reveals nothing', () => {
    const m = mapError(new TypeError("Cannot read properties of undefined (reading 'secret')"));
    expect(m.unexpected).toBe(true);
    expect(m.problem.status).toBe(500);
    expect(JSON.stringify(m.problem)).not.toMatch(/secret|TypeError|undefined/);
    expect(mapError('a string').problem.status).toBe(500);
  });

  it('uses a domain mapper before the generic fallback', () => {
    class KafkaDown extends Error {}
    const m = mapError(new KafkaDown(), (e) => (e instanceof KafkaDown ? ProblemException.of('kafkaUnavailable', 'later', { retryAfterSeconds: 5 }) : undefined));
    expect(m.problem.status).toBe(503);
    expect(m.headers['retry-after']).toBe('5');
  });
});
