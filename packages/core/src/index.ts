export type {
  AuditEvent,
  AuditEventType,
  AuditInput,
  AuditOption,
  AuditSink,
  JsonLinesSinkOptions,
} from './audit.js';
export { jsonLinesSink } from './audit.js';
export type {
  Baton,
  BatonOptions,
  CacheOptions,
  RegistryOptions,
  ReplayOptions,
  SecretsForRequest,
  SignedHeaders,
  SignOptions,
  WebhookSignOptions,
  WithSecretOptions,
} from './baton.js';
export { createBaton } from './baton.js';
export { clientFailureMessage } from './client-failure.js';
export {
  DEFAULT_BODY_LIMIT,
  DEFAULT_GRACE_MS,
  DEFAULT_MAX_ENTRIES,
  DEFAULT_MAX_STALE_MS,
  DEFAULT_MISS_TTL_MS,
  DEFAULT_REPLAY_ENTRIES,
  DEFAULT_TOLERANCE_SEC,
  DEFAULT_TTL_MS,
  HEADER_ID,
  HEADER_KEY,
  HEADER_REF,
  HEADER_SIGNATURE,
  HEADER_TIMESTAMP,
  HEADER_WEBHOOK_ID,
  HEADER_WEBHOOK_SIGNATURE,
  HEADER_WEBHOOK_TIMESTAMP,
  REJECTION_BODIES,
  WEBHOOK_SECRET_PREFIX,
} from './constants.js';
export {
  configure,
  defaultBaton,
  getSecret,
  promote,
  register,
  rotateSecret,
  validateGrace,
  verifyRef,
} from './default-baton.js';
export { defaultsSource } from './defaults-source.js';
export { displayRef } from './display-ref.js';
export type { EnvSourceOptions } from './env-source.js';
export { envSource } from './env-source.js';
export type { BatonErrorCode } from './errors.js';
export {
  BatonError,
  ClosedError,
  ConfigError,
  describe as describeError,
  NoEntryError,
  RegistryConflictError,
  SecretBatchError,
  SecretNotFoundError,
  SecretRefError,
  SecretTransformError,
  SourceConflictError,
  SourceError,
  StoreError,
  WithheldError,
} from './errors.js';
export type { GraceAnchor, GracePolicy } from './grace.js';
export { previousExpiresAt } from './grace.js';
export type { HmacEngine } from './hmac-engine.js';
export { defaultHmacEngine, nodeCryptoHmac, webCryptoHmac } from './hmac-engine.js';
export type { MemoryStoreOptions } from './memory-store.js';
export { memoryStore } from './memory-store.js';
export type { StreamRequest } from './read-stream-body.js';
export { readStreamBody } from './read-stream-body.js';
export { readWebBody } from './read-web-body.js';
export type {
  AcceptedRef,
  CheckRejectReason,
  CheckResult,
  PromoteOptions,
  PromoteResult,
  RegisterOptions,
  RegistryStatus,
  RotationPolicyOptions,
} from './registry.js';
export type {
  ChangeResult,
  RegistryChange,
  RegistryEntry,
  RegistryHistoryRecord,
  RegistryStore,
  StoreUpdate,
} from './registry-store.js';
export { applyChange, entryProblem } from './registry-store.js';
export type { DeliveryClaim } from './replay-cache.js';
export type { RetryOptions, RetryPolicy } from './retry.js';
export { DEFAULT_RETRY, retryDelay, retryPolicy } from './retry.js';
export type { RotationPolicy, SecretType } from './rotation-policy.js';
export {
  ROTATION_PERIOD_DAYS,
  rotationDueAt,
  rotationPeriodDays,
  rotationPolicyProblem,
  SECRET_TYPES,
} from './rotation-policy.js';
export type { ParsedRef } from './secret-ref.js';
export { envKey, parseRef, refsEqual, tryParseRef } from './secret-ref.js';
export type { AuthErrorClassifier } from './secret-resolver.js';
export type {
  GetSecretOptions,
  ReadOptions,
  SchemaOutput,
  SecretTransform,
  StandardSchema,
} from './secret-transform.js';
export type { SignedBody } from './signature.js';
export { computeSignature, timingSafeEqual, verifySignature } from './signature.js';
export type {
  EnvRecord,
  SecretSource,
  SecretWriteResult,
  WritableSecretSource,
} from './source.js';
export type { StandardWebhookHeaders } from './standard-webhooks.js';
export {
  computeWebhookSignature,
  verifyWebhookSignature,
  webhookKey,
} from './standard-webhooks.js';
export type { TelemetryOptions } from './telemetry.js';
export type {
  BodyReadResult,
  HeaderInput,
  Proof,
  SignatureProtocol,
  VerifyRejectReason,
  VerifyRequestInput,
  VerifyRequestResult,
} from './verify-request.js';
export { verifyOptionIssues } from './verify-request.js';
