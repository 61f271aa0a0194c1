import { RpcException } from '@nestjs/microservices';

/**
 * The broker did not acknowledge a produce in time, or is unreachable. Expected, not a bug:
 * HTTP maps it to `503` with `Retry-After: retryAfterSeconds`.
 */
export class KafkaUnavailableError extends Error {
  override readonly name = 'KafkaUnavailableError';
  constructor(
    message: string,
    /** A hint for `Retry-After`. */
    readonly retryAfterSeconds = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Thrown by a handler for a message that can never succeed (invalid for good, not "the database
 * is down"). The transport writes the message to `<topic>.dlq` with `reason` and moves on.
 *
 * It extends Nest's `RpcException` (itself an `Error`) only so that Nest's exception layer passes
 * the very instance through to the transport instead of replacing it with "Internal server error".
 * Keep PHI out of `message`: it becomes a dead-letter header and a log line.
 */
export class PoisonMessageError extends RpcException {
  override readonly name = 'PoisonMessageError';
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
    this.message = message;
  }

  /** Nest's BaseRpcExceptionFilter re-throws `getError()`: hand it this error itself. */
  override getError(): object {
    return this;
  }
}

export function isPoisonMessageError(e: unknown): e is PoisonMessageError {
  return (
    e instanceof PoisonMessageError ||
    (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'PoisonMessageError' && typeof (e as { reason?: unknown }).reason === 'string')
  );
}

/** A short, single-line description of an error for logs and dead-letter headers (never a payload). */
export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`.slice(0, 500);
  if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') {
    return String((e as { message: string }).message).slice(0, 500);
  }
  return String(e).slice(0, 500);
}
