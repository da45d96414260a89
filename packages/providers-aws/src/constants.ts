/** Defaults of `awsSecretsManager`, named once. */

/** The source's name in errors, audit events and metrics. */
export const DEFAULT_SOURCE_NAME = 'aws-secrets-manager';
/** The staging label an unversioned ref reads, and the one new secrets start with. */
export const AWSCURRENT = 'AWSCURRENT';
/** Most secret ids BatchGetSecretValue accepts in one call. */
export const MAX_BATCH_IDS = 20;
/** Longest prefix accepted: any ref then still fits Secrets Manager's 512-character names. */
export const MAX_PREFIX_LENGTH = 256;
/** Characters Secrets Manager allows in secret names. */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]*$/;
/** ClientRequestToken length bounds of the API. */
export const MIN_TOKEN_LENGTH = 32;
export const MAX_TOKEN_LENGTH = 64;
