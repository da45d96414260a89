export type { Faults } from '@baton-tools/emulator-kit';
export type { RpcStatus } from './api-error.js';
export type {
  EmulatorClientOptions,
  GcpSecretManagerEmulator,
  GcpSecretManagerEmulatorOptions,
  RequestRecord,
  VersionSummary,
} from './emulator.js';
export { startGcpSecretManagerEmulator } from './emulator.js';
export type { IamBinding, IamPolicies } from './iam.js';
export { ROLE_PERMISSIONS } from './iam.js';
export type { VersionState } from './secret-store.js';
