/** Defaults of `gcpSecretManager`, named once. */

/** The source's name in errors, audit events and metrics. */
export const DEFAULT_SOURCE_NAME = 'gcp-secret-manager';
/** The version an unversioned ref reads (falling back to the newest enabled one). */
export const LATEST = 'latest';
/** Secret Manager calls in flight at once per source (cold starts read many refs at once). */
export const DEFAULT_CONCURRENCY = 20;
/** Characters Secret Manager allows in secret ids. */
export const SECRET_ID_PATTERN = /^[A-Za-z0-9_-]*$/;
/** Longest prefix accepted: any ref (128 characters at most) then fits a 255-character id. */
export const MAX_PREFIX_LENGTH = 127;
/** Compare-and-set rounds of an alias update before giving up to a busier writer. */
export const MAX_ALIAS_ROUNDS = 3;
