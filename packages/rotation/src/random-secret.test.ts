import { createBaton } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { randomSecret } from './random-secret.js';
import type { PendingContext, RotationContext } from './rotator.js';

const baton = createBaton({ sources: [], audit: false });
const context: RotationContext = { baton, logical: 'K', currentRef: 'K:v1', pendingRef: 'K:v2' };
const pending = (pendingValue: string): PendingContext => ({ ...context, pendingValue });

describe('randomSecret', () => {
  it('makes 32 random bytes as base64url by default, different every time', async () => {
    const rotator = randomSecret();
    const values = await Promise.all(Array.from({ length: 20 }, () => rotator.create(context)));
    for (const value of values) expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(values).size).toBe(20);
  });

  it('writes the bytes in the encoding asked for, after the prefix', async () => {
    expect(await randomSecret({ bytes: 16, encoding: 'hex' }).create(context)).toMatch(
      /^[0-9a-f]{32}$/,
    );
    const key = await randomSecret({ encoding: 'base64' }).create(context);
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(await randomSecret({ prefix: 'whsec_', encoding: 'base64' }).create(context)).toMatch(
      /^whsec_[A-Za-z0-9+/]{43}=$/,
    );
  });

  it('tests that the value the source answers is the whole secret, undamaged', async () => {
    const rotator = randomSecret({ bytes: 32, encoding: 'hex', prefix: 'k_' });
    const value = await rotator.create(context);
    expect(() => rotator.test(pending(value))).not.toThrow();
    for (const damaged of [value.slice(0, -2), value.slice(2), `${value} `, value.toUpperCase()]) {
      expect(() => rotator.test(pending(damaged))).toThrow(
        'K:v2 as the source answers it is not 32 random bytes in hex after "k_"',
      );
    }
  });

  it('refuses options it cannot honour, listing each', () => {
    expect(() => randomSecret({ bytes: 8, encoding: 'base32' as never, prefix: 'a b' })).toThrow(
      expect.objectContaining({
        code: 'BATON_CONFIG',
        issues: [
          'randomSecret: bytes must be a whole number from 16 to 1024',
          'randomSecret: encoding must be one of base64url, base64, hex',
          'randomSecret: prefix must be a string without spaces',
        ],
      }),
    );
  });
});
