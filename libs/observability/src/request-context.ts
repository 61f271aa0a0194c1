import { AsyncLocalStorage } from 'node:async_hooks';

/** What the logger mixin adds to every line written while handling one HTTP request. */
export interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The request id of the HTTP request being handled, if any (set by `registerHttpObservability`). */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** Runs `fn` with `requestId` visible to `currentRequestId()` and to every log line written inside it. */
export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId }, fn);
}
