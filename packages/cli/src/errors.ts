import { BatonError, ConfigError } from '@baton/core';

/** Exit codes (§15): each means one thing. */
export const EXIT = {
  /** Done, and the answer is yes. */
  ok: 0,
  /** A check that failed: rejected, findings, missing secrets, a refused change. */
  failed: 1,
  /** Usage or configuration error: the command could not run as asked. */
  usage: 2,
} as const;

/** A command line that cannot run: a missing argument, a flag out of range, no store. */
export class UsageError extends ConfigError {}

/**
 * A command ran and the answer is no (a refused retire, a missing secret): exit 1 with this
 * message, which names what to do next and never a value.
 */
export class CheckFailedError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BATON_REFUSED', message, options);
  }
}

/** The exit code for an error a command threw. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CheckFailedError) return EXIT.failed;
  if (error instanceof BatonError) {
    return error.code === 'BATON_CONFIG' ||
      error.code === 'BATON_INVALID_REF' ||
      error.code === 'BATON_IO'
      ? EXIT.usage
      : EXIT.failed;
  }
  return EXIT.usage;
}
