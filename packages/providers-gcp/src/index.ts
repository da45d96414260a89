export { DEFAULT_SOURCE_NAME, LATEST } from './constants.js';
export { crc32c } from './crc32c.js';
export type { GcpFailure } from './errors.js';
export { GcpConflictError, GcpPayloadError, GcpSecretManagerError } from './errors.js';
export type {
  GcpClientOptions,
  GcpMoveAliasResult,
  GcpPutResult,
  GcpSecretManagerOptions,
  GcpSecretManagerSource,
} from './gcp-secret-manager.js';
export { gcpSecretManager } from './gcp-secret-manager.js';
export type { GcpSecretLocation, VersionMode } from './secret-path.js';
