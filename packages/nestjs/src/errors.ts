import { BatonError } from '@baton/core';

/**
 * The Baton could not get ready before the application listens: its registry could not be
 * loaded, or a secret in `secrets` could not be resolved. `code` is the underlying error's
 * (`BATON_NOT_FOUND`, `BATON_SOURCE_FAILED`, `BATON_STORE_FAILED`, …) and the message is its
 * message, which names refs and sources. The underlying error is deliberately not the
 * `cause`: Nest prints a start-up error in full, causes included, and a provider's or a
 * store's own error may quote a value or a connection string. It stays reachable, not
 * printed, as `underlying`.
 */
export class BatonStartupError extends BatonError {
  declare readonly underlying: unknown;

  constructor(step: 'load the registry' | 'resolve its secrets', error: unknown) {
    super(
      error instanceof BatonError ? error.code : 'BATON_SOURCE_FAILED',
      `BatonModule could not ${step} before the application starts: ${
        error instanceof BatonError
          ? error.message
          : error instanceof Error
            ? error.name
            : typeof error
      }`,
    );
    Object.defineProperty(this, 'underlying', { value: error, enumerable: false });
  }
}
