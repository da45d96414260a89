/**
 * An error answered the way Vault answers: an HTTP status and `{"errors":[…]}`, or (for a
 * deleted or destroyed version) a 404 that carries the full response with its metadata.
 */
export class VaultError extends Error {
  constructor(
    readonly status: number,
    readonly errors: readonly string[],
    readonly body?: unknown,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(errors.join('; ') || `HTTP ${status}`);
  }
}

/** What a policy denial says (Vault wraps it in a multierror). */
export const POLICY_DENIED = '1 error occurred:\n\t* permission denied\n\n';

export function permissionDenied(): VaultError {
  return new VaultError(403, [POLICY_DENIED]);
}

export function badRequest(message: string): VaultError {
  return new VaultError(400, [message]);
}
