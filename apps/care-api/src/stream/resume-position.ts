import type { FastifyRequest } from 'fastify';
import { badRequest } from '../common/query';
import { parseCursor } from './cursor';

/** How far ahead of this instance's clock a cursor may be (clock skew between instances and Redis). */
const MAX_FUTURE_MS = 60_000;

/**
 * Where an event stream resumes: the `Last-Event-ID` header (what EventSource sends on a reconnect),
 * else the `lastEventId` query parameter, else null (live from now). Anything that is not a position
 * a stream sent, or lies in the future, is a 400 on `Last-Event-ID`. Shared by every SSE route.
 */
export function resumePositionOf(req: FastifyRequest, lastEventIdParam: string | undefined): string | null {
  const header = req.headers['last-event-id'];
  const given = (Array.isArray(header) ? header[0] : header) ?? lastEventIdParam ?? '';
  if (given === '') return null;
  const c = parseCursor(given);
  if (!c) throw badRequest([{ path: 'Last-Event-ID', message: 'not an id this stream sent' }]);
  if (Number(c.ms) > Date.now() + MAX_FUTURE_MS) throw badRequest([{ path: 'Last-Event-ID', message: 'a position in the future' }]);
  return given;
}
