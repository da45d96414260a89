import { SourceConflictError, SourceError } from '@baton/core';

/** What the provider keeps of a failed Vault request: its kind and status, never Vault's text. */
export interface VaultFailure {
  /** What went wrong (`permission denied`, `rate limited`, a network error's code, …). */
  readonly kind: string;
  /** The request (`GET secret/data/app/OPENAI_KEY`, `POST auth/approle/login`). */
  readonly operation: string;
  readonly status?: number;
  /** Attempts made, retries included. */
  readonly attempts?: number;
}

/**
 * A Vault request failed. The message names the kind of failure, the request and the HTTP
 * status; never Vault's own error texts (they can echo input) and never a token.
 */
export class VaultError extends SourceError implements VaultFailure {
  readonly kind: string;
  readonly operation: string;
  readonly status?: number;
  readonly attempts?: number;

  constructor(
    source: string,
    refs: string,
    failure: VaultFailure,
    access: 'read' | 'write' = 'read',
  ) {
    super(source, refs, { ...failure }, access);
    this.kind = failure.kind;
    this.operation = failure.operation;
    this.status = failure.status;
    this.attempts = failure.attempts;
    const facts = [
      failure.operation,
      failure.status === undefined ? undefined : `HTTP ${failure.status}`,
      failure.attempts === undefined
        ? undefined
        : `${failure.attempts} attempt${failure.attempts === 1 ? '' : 's'}`,
    ].filter((fact) => fact !== undefined);
    this.message = `Source "${source}" failed to ${access} ${refs}: ${failure.kind} (${facts.join(', ')})`;
  }
}

/** The field a ref reads holds something other than a string. */
export class VaultFieldError extends SourceError {
  constructor(source: string, ref: string, problem: string) {
    super(source, ref, undefined);
    this.message = `Source "${source}" failed to read ${ref}: ${problem}`;
  }
}

/** A check-and-set write lost (`BATON_CONFLICT`): another writer stored that version first. */
export class VaultConflictError extends SourceConflictError {}
