export { SecretsApiError, VersionConflictError } from '../errors.js';
export type { SecretsApiSource, SecretsApiSourceOptions } from './secrets-api-source.js';
export { secretsApiSource } from './secrets-api-source.js';
