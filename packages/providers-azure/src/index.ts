export type {
  AzureKeyVaultOptions,
  AzureKeyVaultSource,
  AzurePutOptions,
  AzurePutResult,
} from './azure-key-vault.js';
export { azureKeyVault } from './azure-key-vault.js';
export { DEFAULT_SOURCE_NAME, DEFAULT_VERSION_TAG } from './constants.js';
export type { AzureFailure } from './errors.js';
export { AzureKeyVaultError, KeyVaultNameError } from './errors.js';
export type { VersionMode } from './secret-name.js';
