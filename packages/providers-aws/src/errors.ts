import { SourceError } from '@baton/core';

/** What the provider keeps of a failed AWS call: its kind and metadata, never its message. */
export interface AwsFailure {
  /** The AWS error type (`AccessDeniedException`), or a network error's code. */
  readonly errorType: string;
  /** The API operation (`GetSecretValue`, …). */
  readonly operation: string;
  readonly status?: number;
  readonly requestId?: string;
  /** Attempts the SDK made, retries included. */
  readonly attempts?: number;
  /**
   * The SDK's own message, for a failure raised before any request reached the service
   * ("Region is missing", missing credentials, an unresolvable host): no value can be in it.
   */
  readonly clientMessage?: string;
}

/**
 * An AWS Secrets Manager call failed. The message names the AWS error type, the operation,
 * the HTTP status and the request id (for AWS support), never the service's message, which
 * can echo input; a failure raised by the client before any request was sent keeps the SDK's
 * message, which says what to fix. As for every `SourceError`, `cause` is a `WithheldError`
 * (the SDK error's name and code) and the SDK error itself is on `underlying`.
 */
export class AwsSecretsManagerError extends SourceError implements AwsFailure {
  readonly errorType: string;
  readonly operation: string;
  readonly status?: number;
  readonly requestId?: string;
  readonly attempts?: number;
  readonly clientMessage?: string;

  constructor(
    source: string,
    refs: string,
    failure: AwsFailure,
    detail: string,
    access: 'read' | 'write' = 'read',
    underlying?: unknown,
  ) {
    super(source, refs, underlying, access);
    this.errorType = failure.errorType;
    this.operation = failure.operation;
    this.status = failure.status;
    this.requestId = failure.requestId;
    this.attempts = failure.attempts;
    if (failure.clientMessage !== undefined) this.clientMessage = failure.clientMessage;
    const facts = [
      `${failure.operation}${detail}`,
      failure.status === undefined ? undefined : `HTTP ${failure.status}`,
      failure.requestId === undefined ? undefined : `request id ${failure.requestId}`,
      failure.attempts === undefined
        ? undefined
        : `${failure.attempts} attempt${failure.attempts === 1 ? '' : 's'}`,
    ].filter((fact) => fact !== undefined);
    const said = failure.clientMessage === undefined ? '' : `: ${failure.clientMessage}`;
    this.message = `Source "${source}" failed to ${access} ${refs}: ${failure.errorType} (${facts.join(', ')})${said}`;
  }
}

/**
 * A bundle secret does not hold a JSON object of strings. The message names the secret and
 * the key, never the content.
 */
export class BundleFormatError extends SourceError {
  constructor(source: string, ref: string, problem: string) {
    super(source, ref, undefined);
    this.message = `Source "${source}" failed to read ${ref}: ${problem}`;
  }
}
