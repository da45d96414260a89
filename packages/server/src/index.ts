export {
  DEFAULT_ALGORITHMS,
  DEFAULT_BODY_LIMIT,
  DEFAULT_KEY_LOGICAL,
  DEFAULT_SCHEMA,
} from './constants.js';
export {
  DecryptionError,
  EncryptionKeyError,
  SecretStoreError,
  SecretsApiError,
  VersionConflictError,
} from './errors.js';
export type { AuthFailureReason, AuthResult, Caller, JwtAuth, JwtAuthOptions } from './jwt-auth.js';
export { jwtAuth } from './jwt-auth.js';
export type { LogRecord, LogSink } from './request-log.js';
export { jsonLinesLog } from './request-log.js';
export { Grants, scopesOf } from './scopes.js';
export { isSecretPath } from './secret-path.js';
export type { ReencryptResult } from './secret-store.js';
export type { SecretChange, SecretsService, SecretsServiceOptions } from './secrets-service.js';
export { createSecretsService } from './secrets-service.js';
export type { KeyFormat, RuleViolation, ValidationRule } from './validation.js';
export type { DeliveryOutcome, WebhookTarget } from './webhooks.js';
