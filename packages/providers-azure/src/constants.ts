/** Defaults of `azureKeyVault`, named once. */

/** The source's name in errors, audit events and metrics. */
export const DEFAULT_SOURCE_NAME = 'azure-key-vault';
/** The tag that names a version's ref version in `tags` mode (`baton-version: v2`). */
export const DEFAULT_VERSION_TAG = 'baton-version';
/** Longest secret name Key Vault accepts. */
export const MAX_SECRET_NAME_LENGTH = 127;
