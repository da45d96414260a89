export type {
  AzureKeyVaultEmulator,
  AzureKeyVaultEmulatorOptions,
  RequestRecord,
} from './emulator.js';
export { KEY_VAULT_RESOURCE, startAzureKeyVaultEmulator } from './emulator.js';
export type { Faults } from './faults.js';
export type { TlsCertificate } from './self-signed-certificate.js';
export { createSelfSignedCertificate } from './self-signed-certificate.js';
