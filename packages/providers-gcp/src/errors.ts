import { SourceConflictError, SourceError } from '@baton/core';

/** What the provider keeps of a failed Secret Manager call: its kind and metadata, never its message. */
export interface GcpFailure {
  /**
   * The canonical status (`PERMISSION_DENIED`, `RESOURCE_EXHAUSTED`, …), a network error's
   * code (`ECONNREFUSED`), `HTTP 404` for an answer that is not Google's, or the error's name.
   */
  readonly status: string;
  /** The RPC (`AccessSecretVersion`, …). */
  readonly operation: string;
  /** The HTTP status, when the client speaks HTTP (its fallback transport). */
  readonly httpStatus?: number;
  /** The `google.rpc.ErrorInfo` reason (`RATE_LIMIT_EXCEEDED`, `IAM_PERMISSION_DENIED`). */
  readonly reason?: string;
  /** Attempts made, retries included. */
  readonly attempts?: number;
}

/**
 * A Secret Manager call failed. The message names the canonical status, the RPC, the resource
 * and the HTTP status; it never carries the service's or the client's message (they can echo
 * input), and `cause` keeps only the same facts.
 */
export class GcpSecretManagerError extends SourceError implements GcpFailure {
  readonly status: string;
  readonly operation: string;
  readonly httpStatus?: number;
  readonly reason?: string;
  readonly attempts?: number;

  constructor(
    source: string,
    refs: string,
    failure: GcpFailure,
    detail: string,
    access: 'read' | 'write' = 'read',
  ) {
    super(source, refs, { ...failure }, access);
    this.status = failure.status;
    this.operation = failure.operation;
    this.httpStatus = failure.httpStatus;
    this.reason = failure.reason;
    this.attempts = failure.attempts;
    const facts = [
      `${failure.operation}${detail}`,
      failure.reason,
      failure.httpStatus === undefined ? undefined : `HTTP ${failure.httpStatus}`,
      failure.attempts === undefined
        ? undefined
        : `${failure.attempts} attempt${failure.attempts === 1 ? '' : 's'}`,
    ].filter((fact) => fact !== undefined);
    this.message = `Source "${source}" failed to ${access} ${refs}: ${failure.status} (${facts.join(', ')})`;
  }
}

/** A version's payload failed its CRC32C check: the value was corrupted on the way. */
export class GcpPayloadError extends SourceError {
  constructor(source: string, ref: string, detail: string) {
    super(source, ref, undefined);
    this.message = `Source "${source}" failed to read ${ref}: the payload${detail} failed its CRC32C check (corrupted in transit); try again`;
  }
}

/**
 * A write lost a race, or names a version or alias that exists already (`BATON_CONFLICT`):
 * another writer got there first.
 */
export class GcpConflictError extends SourceConflictError {}
