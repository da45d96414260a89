export type { VerifiedCaller } from './express-request.js';
export type { InjectSecretsOptions } from './inject-secrets.js';
export { injectSecrets } from './inject-secrets.js';
export type { VerifyRefOptions, VerifyRejection } from './verify-ref.js';
export { verifyRef } from './verify-ref.js';
