export type {
  AppRoleSpec,
  Faults,
  KubernetesRoleSpec,
  Placement,
  RequestRecord,
  VaultEmulator,
  VaultEmulatorOptions,
} from './emulator.js';
export { startVaultEmulator } from './emulator.js';
export type { Capability, Policies, PolicyRule } from './policy.js';
export { serviceAccountJwt } from './service-account-jwt.js';
export type { TokenSpec } from './tokens.js';
export { POLICY_DENIED } from './vault-error.js';
