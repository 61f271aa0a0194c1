import { DEV_CURSOR_SIGNING_KEY } from '@vigil/auth';
import { CursorSigner } from '@vigil/http';
import type { CareConfig } from '../config';

/** The signer of every page cursor care-api hands out (alerts, observations, risk, worklist, contacts). */
export function cursorSignerFromConfig(config: Pick<CareConfig, 'CURSOR_SIGNING_KEYS' | 'AUTH_DEV_MODE'>): CursorSigner {
  if (config.CURSOR_SIGNING_KEYS?.length) return new CursorSigner(config.CURSOR_SIGNING_KEYS);
  if (config.AUTH_DEV_MODE) return new CursorSigner([DEV_CURSOR_SIGNING_KEY]);
  throw new Error('care-api: set CURSOR_SIGNING_KEYS (page cursors are signed; the dev key needs AUTH_DEV_MODE=true)');
}
