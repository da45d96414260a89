import { ConfigError } from './errors.js';
import { envKey, parseRef } from './secret-ref.js';
import type { SecretSource } from './source.js';

/**
 * Last-resort values for non-sensitive settings, keyed by ref (`LOG_LEVEL`, `API_URL:v2`) or
 * by environment key (`API_URL_V2`). Never put a secret here: defaults live in code.
 *
 * @example
 * defaultsSource({ LOG_LEVEL: 'info', 'API_URL:v2': 'https://api.example.com/v2' });
 */
export function defaultsSource(record: Readonly<Record<string, string>>): SecretSource {
  const values = new Map<string, string>();
  for (const [key, value] of Object.entries(record)) {
    if (typeof value !== 'string') {
      throw new ConfigError(`defaultsSource: the default for ${key} must be a string`);
    }
    values.set(envKey(parseRef(key)), value);
  }
  return {
    name: 'defaults',
    async get(ref) {
      return values.get(envKey(ref));
    },
  };
}
