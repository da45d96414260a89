export type { AccessPolicies, AllowStatement } from './access-policy.js';
export type {
  AwsSecretsManagerEmulator,
  AwsSecretsManagerEmulatorOptions,
  RequestRecord,
} from './emulator.js';
export { EMULATOR_CREDENTIALS, startAwsSecretsManagerEmulator } from './emulator.js';
export type { Faults } from './faults.js';
export { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from './secret-store.js';
