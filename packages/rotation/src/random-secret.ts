import { ConfigError } from '@baton/core';
import {
  decodedLength,
  ENCODINGS,
  encodeBytes,
  randomBytes,
  type SecretEncoding,
} from './encoding.js';
import { RotatorError } from './errors.js';
import type { PendingContext, Rotator } from './rotator.js';

export interface RandomSecretOptions {
  /** Random bytes in the secret. Default 32 (256 bits), at least 16. */
  bytes?: number;
  /** Default `'base64url'` (safe in URLs, headers and environment files). */
  encoding?: SecretEncoding;
  /** Written before the encoded bytes, e.g. `'whsec_'` for Standard Webhooks secrets. Default none. */
  prefix?: string;
}

const MIN_BYTES = 16;
const MAX_BYTES = 1024;

/**
 * A rotator for secrets that are random bytes and checked by your own services (HMAC and
 * webhook signing keys, JWT signing secrets, encryption keys): create makes `bytes` random
 * bytes (Web Crypto, so it runs at the edge), there is nothing to set (the services read the
 * new version through Baton), and test checks that the value the source answers is the whole
 * secret, undamaged.
 *
 * @example
 * await rotate(baton, 'WEBHOOK_SECRET', { rotator: randomSecret({ bytes: 32 }), source });
 * await rotate(baton, 'SECRETS_API_KEY', { rotator: randomSecret({ encoding: 'base64' }), source });
 */
export function randomSecret(options: RandomSecretOptions = {}): Rotator {
  const bytes = options.bytes ?? 32;
  const encoding = options.encoding ?? 'base64url';
  const prefix = options.prefix ?? '';
  const issues: string[] = [];
  if (!Number.isInteger(bytes) || bytes < MIN_BYTES || bytes > MAX_BYTES) {
    issues.push(`randomSecret: bytes must be a whole number from ${MIN_BYTES} to ${MAX_BYTES}`);
  }
  if (!ENCODINGS.includes(encoding)) {
    issues.push(`randomSecret: encoding must be one of ${ENCODINGS.join(', ')}`);
  }
  if (typeof prefix !== 'string' || /\s/.test(prefix)) {
    issues.push('randomSecret: prefix must be a string without spaces');
  }
  if (issues.length > 0) throw new ConfigError(issues);

  return {
    name: 'randomSecret',
    create() {
      return prefix + encodeBytes(randomBytes(bytes), encoding);
    },
    test(ctx: PendingContext) {
      const value = ctx.pendingValue;
      const decoded = value.startsWith(prefix)
        ? decodedLength(value.slice(prefix.length), encoding)
        : undefined;
      if (decoded !== bytes) {
        throw new RotatorError(
          `${ctx.pendingRef} as the source answers it is not ${bytes} random bytes in ${encoding}${prefix === '' ? '' : ` after "${prefix}"`}: the source changed the value (trimmed, re-encoded?)`,
        );
      }
    },
  };
}
