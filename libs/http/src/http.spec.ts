import { ForbiddenException, HttpException, UnauthorizedException } from '@nestjs/common';
import { formatSseComment, formatSseMessage, SseEvent, SseParser } from './sse';
import { fastifyOptions } from './http-setup';
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

  it('keeps our problems, their headers and an overridden title', () => {
    const m = mapError(ProblemException.of('unavailable', 'later', { retryAfterSeconds: 7.2, title: 'Redis unavailable' }));
    expect(m.problem).toMatchObject({ status: 503, detail: 'later', title: 'Redis unavailable' });
    expect(m.headers).toEqual({ 'retry-after': '8' });
  });

  it('maps guard exceptions with their message', () => {
    expect(mapError(new UnauthorizedException({ message: 'the token has expired', code: 'token_expired' })).problem).toMatchObject({
      status: 401,
      detail: 'the token has expired',
    });
    expect(mapError(new ForbiddenException('nope')).problem).toMatchObject({ status: 403, detail: 'nope' });
    expect(mapError(new HttpException('teapot', 418)).problem).toMatchObject({ status: 418, type: 'about:blank' });
  });

  it('answers anything unexpected with a generic 500 that reveals nothing', () => {
    const m = mapError(new TypeError("Cannot read properties of undefined (reading 'secret')"));
    expect(m.unexpected).toBe(true);
    expect(m.problem.status).toBe(500);
    expect(JSON.stringify(m.problem)).not.toMatch(/secret|TypeError|undefined/);
  });

  it('uses a domain mapper before the generic fallback', () => {
    class Down extends Error {}
    const m = mapError(new Down(), (e) => (e instanceof Down ? ProblemException.of('unavailable', 'later', { retryAfterSeconds: 5 }) : undefined));
    expect(m.problem.status).toBe(503);
    expect(m.headers['retry-after']).toBe('5');
  });

  it('keeps a sane caller request id and replaces anything else', () => {
    const req = (v?: string) => ({ headers: v === undefined ? {} : { 'x-request-id': v } }) as never;
    const genRequestId = fastifyOptions({ bodyLimit: 1 }).genReqId!;
    expect(genRequestId(req('abc-123.x:y'))).toBe('abc-123.x:y');
    for (const bad of [undefined, '', 'a b', 'x'.repeat(200), 'id\nInjected: 1']) expect(genRequestId(req(bad))).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('Server-Sent Events', () => {
  const parse = (text: string, chunk = 7) => {
    const events: SseEvent[] = [];
    const comments: string[] = [];
    const p = new SseParser(
      (e) => events.push(e),
      (c) => comments.push(c),
    );
    for (let i = 0; i < text.length; i += chunk) p.push(text.slice(i, i + chunk));
    return { events, comments, last: p.lastEventId };
  };

  it('formats messages that eventsource-parser (the WHATWG algorithm) reads back, whatever the chunking', () => {
    const text =
      formatSseMessage({ retry: 2000 }) +
      formatSseComment('connected') +
      formatSseMessage({ id: '1-0', event: 'alert', data: { a: 'x\ny', n: 1 } }) +
      formatSseMessage({ id: '2-5', event: 'ready', data: 'line1\nline2' }) +
      formatSseMessage({ event: 'alert', data: 'no id' });
    for (const chunk of [1, 3, 7, 1000]) {
      const { events, comments, last } = parse(text, chunk);
      expect(events.map((e) => [e.event, e.lastEventId, e.data])).toEqual([
        ['alert', '1-0', JSON.stringify({ a: 'x\ny', n: 1 })],
        ['ready', '2-5', 'line1\nline2'],
        ['alert', '2-5', 'no id'], // an event without an id keeps the last event id
      ]);
      expect(comments).toEqual(['connected']);
      expect(last).toBe('2-5');
    }
  });

  it('handles CRLF and CR line ends and unnamed events', () => {
    const { events } = parse('data: a\r\ndata: b\r\n\r\nid: 9\rdata: c\r\r: end\n', 2);
    expect(events.map((e) => [e.event, e.data, e.lastEventId])).toEqual([
      ['message', 'a\nb', ''],
      ['message', 'c', '9'],
    ]);
  });

  it('refuses ids and names that would break the framing', () => {
    expect(() => formatSseMessage({ id: 'a\nb', data: 'x' })).toThrow();
    expect(() => formatSseMessage({ event: 'a\rb', data: 'x' })).toThrow();
    expect(formatSseComment('a\nb')).toBe(': a b\n\n');
  });
});
