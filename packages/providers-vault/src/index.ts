export type { VaultAuth, VaultAuthContext, VaultLogin } from './auth.js';
export { vaultAppRole, vaultKubernetes, vaultToken } from './auth.js';
export { DEFAULT_FIELD, DEFAULT_MOUNT, DEFAULT_SOURCE_NAME } from './constants.js';
export type { VaultFailure } from './errors.js';
export { VaultConflictError, VaultError, VaultFieldError } from './errors.js';
export type { VaultKvOptions, VaultKvSource, VaultSecretLocation } from './vault-kv.js';
export { vaultKv } from './vault-kv.js';
