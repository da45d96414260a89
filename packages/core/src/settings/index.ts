export { ConfigError } from '../errors.js';
export { duration } from './duration.js';
export type { SecretFormat } from './formats.js';
export { SECRET_FORMATS } from './formats.js';
export type { LoadSettingsOptions, SecretOptions, Settings } from './settings.js';
export { checkRequiredSecrets, loadSettings, secret } from './settings.js';
