import { SourceError } from '@baton/core';

/** What the provider keeps of a failed Key Vault call: its kind and metadata, never its message. */
export interface AzureFailure {
  /** Key Vault's error code (`Forbidden`, `Throttled`), or a network error's code. */
  readonly errorCode: string;
  /** The SecretClient method (`getSecret`, …). */
  readonly operation: string;
  readonly status?: number;
  /** `x-ms-request-id` of the answer, for Azure support. */
  readonly requestId?: string;
}

/**
 * An Azure Key Vault call failed. The message names Key Vault's error code, the HTTP status
 * and the request id; never the service's or SDK's message, which can echo input.
 */
export class AzureKeyVaultError extends SourceError implements AzureFailure {
  readonly errorCode: string;
  readonly operation: string;
  readonly status?: number;
  readonly requestId?: string;

  constructor(
    source: string,
    ref: string,
    failure: AzureFailure,
    detail: string,
    access: 'read' | 'write' = 'read',
  ) {
    super(source, ref, { ...failure }, access);
    this.errorCode = failure.errorCode;
    this.operation = failure.operation;
    this.status = failure.status;
    this.requestId = failure.requestId;
    const facts = [
      `${failure.operation}${detail}`,
      failure.status === undefined ? undefined : `HTTP ${failure.status}`,
      failure.requestId === undefined ? undefined : `request id ${failure.requestId}`,
    ].filter((fact) => fact !== undefined);
    this.message = `Source "${source}" failed to ${access} ${ref}: ${failure.errorCode} (${facts.join(', ')})`;
  }
}

/** A ref whose name Key Vault cannot hold: the message says why and what the name became. */
export class KeyVaultNameError extends SourceError {
  readonly secretName: string;

  constructor(
    source: string,
    ref: string,
    secretName: string,
    problem: string,
    access: 'read' | 'write',
  ) {
    super(source, ref, undefined, access);
    this.secretName = secretName;
    this.message = `Source "${source}" cannot ${access} ${ref}: ${problem}`;
  }
}
