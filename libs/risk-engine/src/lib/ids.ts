import * as crypto from 'node:crypto';

type OneShotHash = (algorithm: string, data: string, outputEncoding: 'buffer') => Buffer;
/** The one-shot `crypto.hash` (Node >= 20.12) is several times faster than createHash for short input. */
const oneShot: OneShotHash | undefined = (crypto as unknown as { hash?: OneShotHash }).hash;

function sha256(text: string): Buffer {
  return oneShot !== undefined ? oneShot('sha256', text, 'buffer') : crypto.createHash('sha256').update(text, 'utf8').digest();
}

/**
 * A UUID-shaped id derived from its parts: the first 16 bytes of SHA-256 over the JSON array of
 * the parts (unambiguous however the parts are spelled), with the RFC 9562 version 8 (custom)
 * and variant bits set. Same parts, same id, on any host.
 */
export function deterministicUuid(parts: readonly string[]): string {
  const digest = sha256(JSON.stringify(parts));
  digest[6] = (digest[6] & 0x0f) | 0x80;
  digest[8] = (digest[8] & 0x3f) | 0x80;
  const hex = digest.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
