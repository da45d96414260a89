import { BatonError } from '@baton/core';

/**
 * Errors of the secrets API and its client. Messages name paths, versions and key refs,
 * never a secret value or a token. Imported by the fetch-only client too: nothing from `node:`.
 */

/**
 * A check-and-set write lost: the path is at `currentVersion`, not at the version the writer
 * expected. Reload and retry.
 */
export class VersionConflictError extends BatonError {
  readonly path: string;
  readonly expectedVersion: number;
  readonly currentVersion: number;

  constructor(path: string, expectedVersion: number, currentVersion: number) {
    super(
      'BATON_CONFLICT',
      `Secret ${path} is at version ${currentVersion}, not ${expectedVersion}: another writer changed it; reload and retry`,
    );
    this.path = path;
    this.expectedVersion = expectedVersion;
    this.currentVersion = currentVersion;
  }
}

/** The encryption key could not be resolved, or is not 32 bytes of base64. */
export class EncryptionKeyError extends BatonError {
  readonly ref: string;

  constructor(ref: string, problem: string, options?: { cause?: unknown }) {
    super('BATON_CONFIG', `Encryption key ${ref}: ${problem}`, options);
    this.ref = ref;
  }
}

/**
 * A stored version could not be decrypted: its key ref no longer resolves, or the row was
 * altered (GCM's tag binds the ciphertext to its path and version).
 */
export class DecryptionError extends BatonError {
  readonly path: string;
  readonly version: number;

  constructor(path: string, version: number, problem: string, options?: { cause?: unknown }) {
    super('BATON_STORE_FAILED', `Secret ${path} version ${version}: ${problem}`, options);
    this.path = path;
    this.version = version;
  }
}

/** PostgreSQL could not be read or written. */
export class SecretStoreError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BATON_STORE_FAILED', `Secrets store: ${message}`, options);
  }
}

/**
 * The secrets API answered a client with an unexpected status (401, 403, 5xx, …). The
 * message names the path and the status and what to check; never the token.
 */
export class SecretsApiError extends BatonError {
  readonly status: number;
  readonly path: string;

  constructor(path: string, status: number, problem: string) {
    super('BATON_SOURCE_FAILED', `Secrets API, ${path}: ${problem} (HTTP ${status})`);
    this.status = status;
    this.path = path;
  }
}
