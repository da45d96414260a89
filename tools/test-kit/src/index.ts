export { auditCollector } from './audit-collector.js';
export type { ProviderCanary } from './canary-check.js';
export { expectNothingLeaked, providerCanary } from './canary-check.js';
export type { CapturedOutput } from './capture-output.js';
export { captureOutput } from './capture-output.js';
export type { ChildWorker } from './child-worker.js';
export { startWorker } from './child-worker.js';
export { deferred } from './deferred.js';
export { expectNoSecrets } from './expect-no-secrets.js';
export { git } from './git.js';
export type {
  HostileRequest,
  HostileRequestOptions,
  HostileWebhookOptions,
} from './hostile-requests.js';
export { hostileRequests, hostileWebhookRequests } from './hostile-requests.js';
export type { RecordedPoint } from './recording-telemetry.js';
export { recordingTelemetry } from './recording-telemetry.js';
export type { ProviderUnderTest, SourceContractCase } from './source-contract.js';
export { sourceContract } from './source-contract.js';
export { packageSignedHeaders } from './standard-webhooks.js';
export type { StoreContractCase } from './store-contract.js';
export { storeContract } from './store-contract.js';
export type { TestSource } from './test-source.js';
export { testSource } from './test-source.js';
export { lineOf, typeErrors } from './type-errors.js';
