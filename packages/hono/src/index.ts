export type { BatonInput } from './baton-input.js';
export { batonPerIsolate } from './baton-input.js';
export { DEFAULT_PROOF, UNAUTHORIZED_BODY, UNAVAILABLE_BODY } from './constants.js';
export type { RegistryFromBindingsOptions } from './registry-from-bindings.js';
export { registryFromBindings } from './registry-from-bindings.js';
export type { SecretsVariables } from './secrets/index.js';
export { secrets } from './secrets/index.js';
export type { VerifiedRef, VerifyRefOptions, VerifyRefVariables } from './verify-ref/index.js';
export { verifyRef } from './verify-ref/index.js';
