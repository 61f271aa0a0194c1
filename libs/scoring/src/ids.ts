import { createHash } from 'node:crypto';

/** Namespace of every name-based id the scorer makes (a fixed random UUID; never change it). */
export const SCORER_ID_NAMESPACE = '5b0f3a8e-8c1e-4a63-9d2f-3f6e1c7a2b90';

/**
 * RFC 9562 version-5 (SHA-1, name-based) UUID: the same name always gives the same id, on any
 * host, so a re-published event after a crash carries the id downstream already has.
 */
export function uuidV5(name: string, namespace = SCORER_ID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error('namespace must be a UUID');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const b = Buffer.from(hash.subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** CloudEvents id of the `risk.scored` event of one check-in under one model version. */
export function riskScoredEventId(modelVersion: string, checkInId: string): string {
  return uuidV5(`risk.scored\u0000${modelVersion}\u0000${checkInId}`);
}
