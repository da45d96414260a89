export type {
  AwsMoveLabelResult,
  AwsPutOptions,
  AwsPutResult,
  AwsSecretsManagerOptions,
  AwsSecretsManagerSource,
} from './aws-secrets-manager.js';
export { awsSecretsManager } from './aws-secrets-manager.js';
export {
  AWSCURRENT,
  DEFAULT_SOURCE_NAME,
  MAX_BATCH_IDS,
} from './constants.js';
export type { AwsFailure } from './errors.js';
export { AwsSecretsManagerError, BundleFormatError } from './errors.js';
export type { AwsSecretLocation, VersionMode } from './secret-location.js';
