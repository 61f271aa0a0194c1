import { EventEmitter } from 'events';
import type { ServerResponse } from 'http';
import { ProblemException } from '@vigil/http';
import { LimitsConfig } from './limits.config';
import { StreamSlots } from './stream-slots';

const limits = new LimitsConfig({
  RATE_LIMIT_REQUESTS: 600,
  RATE_LIMIT_WINDOW_SECONDS: 60,
  SSE_MAX_CONNECTIONS: 4,
  SSE_MAX_STREAMS_PER_TENANT: 3,
  SSE_MAX_STREAMS_PER_USER: 2,
  RETRY_AFTER_SECONDS: 9,
  REDIS_KEY_PREFIX: 'test:',
});

function refusal(fn: () => unknown): { status: number; retryAfter: string | undefined } {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProblemException) return { status: e.problem.status, retryAfter: e.headers['retry-after'] };
    throw e;
  }
  throw new Error('not refused');
}

describe('StreamSlots', () => {
  it('caps per user, per tenant (429) and per instance (503), each with Retry-After', () => {
    const slots = new StreamSlots(limits);
    slots.take('org-1', 'u1');
    slots.take('org-1', 'u1');
    expect(refusal(() => slots.take('org-1', 'u1'))).toEqual({ status: 429, retryAfter: '9' });
    slots.take('org-1', 'u2');
    expect(refusal(() => slots.take('org-1', 'u3'))).toEqual({ status: 429, retryAfter: '9' });
    slots.take('org-2', 'u1'); // the same sub in another organisation is another user
    expect(refusal(() => slots.take('org-3', 'u9'))).toEqual({ status: 503, retryAfter: '9' });
    expect(slots.size).toBe(4);
  });

  it('does not confuse users whose ids join to the same string', () => {
    const slots = new StreamSlots(limits);
    slots.take('a:b', 'c');
    slots.take('a:b', 'c');
    expect(() => slots.take('a', 'b:c')).not.toThrow();
  });

  it('releases once, however often the release runs, and when a held response closes', () => {
    const slots = new StreamSlots(limits);
    const release = slots.take('org-1', 'u1');
    release();
    release();
    expect(slots.size).toBe(0);
    const response = new EventEmitter() as unknown as ServerResponse;
    slots.hold(response, { tenantId: 'org-1', sub: 'u1' });
    slots.hold(response, { tenantId: 'org-1', sub: 'u1' });
    expect(slots.size).toBe(2);
    response.emit('close');
    expect(slots.size).toBe(0);
    expect(() => slots.take('org-1', 'u1')).not.toThrow();
  });
});
