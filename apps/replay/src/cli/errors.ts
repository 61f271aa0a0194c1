/**
 * Exit codes of the replay CLI (README "Exit codes"):
 *   0 ok, 1 runtime failure, 2 usage error, 3 refused (a safety check said no), 130 interrupted (Ctrl-C).
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, refused: 3, interrupted: 130 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Bad command line or settings: exit 2, with the command's usage line. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = EXIT.usage;
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

/** A safety check refused the operation (production topic, active group, not confirmed): exit 3. Nothing was changed. */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
  readonly exitCode = EXIT.refused;
}

/** Ctrl-C: exit 130 after saying how far the command got. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  readonly exitCode = EXIT.interrupted;
}

export function exitCodeOf(e: unknown): ExitCode {
  if (e instanceof UsageError || e instanceof RefusedError || e instanceof InterruptedError) return e.exitCode;
  return EXIT.failure;
}
