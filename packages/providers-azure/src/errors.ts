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
  /**
   * The SDK's own message, for a failure raised before the vault answered (a credential that
   * gave no token, an unresolvable host): no value can be in it.
   */
  readonly clientMessage?: string;
}

/**
 * An Azure Key Vault call failed. The message names Key Vault's error code, the HTTP status
 * and the request id, never the vault's message, which can echo input; a failure raised before
 * the vault answered keeps the SDK's message, which says what to fix. As for every
 * `SourceError`, `cause` is a `WithheldError` (the SDK error's name and code) and the SDK
 * error itself is on `underlying`.
 */
export class AzureKeyVaultError extends SourceError implements AzureFailure {
  readonly errorCode: string;
  readonly operation: string;
  readonly status?: number;
  readonly requestId?: string;
  readonly clientMessage?: string;

  constructor(
    source: string,
    ref: string,
    failure: AzureFailure,
    detail: string,
    access: 'read' | 'write' = 'read',
    underlying?: unknown,
  ) {
    super(source, ref, underlying, access);
    this.errorCode = failure.errorCode;
    this.operation = failure.operation;
    this.status = failure.status;
    this.requestId = failure.requestId;
    if (failure.clientMessage !== undefined) this.clientMessage = failure.clientMessage;
    const facts = [
      `${failure.operation}${detail}`,
      failure.status === undefined ? undefined : `HTTP ${failure.status}`,
      failure.requestId === undefined ? undefined : `request id ${failure.requestId}`,
    ].filter((fact) => fact !== undefined);
    const said = failure.clientMessage === undefined ? '' : `: ${failure.clientMessage}`;
    this.message = `Source "${source}" failed to ${access} ${ref}: ${failure.errorCode} (${facts.join(', ')})${said}`;
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
