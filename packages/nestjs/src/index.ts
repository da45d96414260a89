export {
  BatonBodyTooLargeException,
  BatonUnauthorizedException,
  BatonUnavailableException,
} from './baton.exceptions.js';
export { BatonModule } from './baton.module.js';
export { BATON_MODULE_OPTIONS } from './baton.module-definition.js';
export type { BatonModuleExtras, BatonModuleOptions } from './baton-module-options.interface.js';
export { BatonRef } from './baton-ref.decorator.js';
export {
  BATON,
  BATON_SECRETS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_PROOF,
  secretToken,
  TOO_LARGE_BODY,
  UNAUTHORIZED_BODY,
  UNAVAILABLE_BODY,
} from './constants.js';
export { BatonStartupError } from './errors.js';
export { InjectSecret } from './inject-secret.decorator.js';
export { SecretsService } from './secrets.service.js';
export type { VerifyRefOptions } from './verify-ref.decorator.js';
export { VerifyRef } from './verify-ref.decorator.js';
export type { VerifiedRef, VerifyRefMetadata } from './verify-ref.guard.js';
export { VerifyRefGuard } from './verify-ref.guard.js';
