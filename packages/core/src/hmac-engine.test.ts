import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defaultHmacEngine, nodeCryptoHmac, webCryptoHmac } from './hmac-engine.js';

describe('HMAC engines', () => {
  it('compute the same HMAC-SHA256 as node:crypto, and verify only the right MAC', async () => {
    const engines = [webCryptoHmac(), nodeCryptoHmac()];
    for (let n = 0; n < 50; n++) {
      const key = crypto.getRandomValues(new Uint8Array(1 + n));
      const data = crypto.getRandomValues(new Uint8Array(n * 7));
      const expected = new Uint8Array(createHmac('sha256', key).update(data).digest());
      for (const engine of engines) {
        if (engine === undefined) throw new Error('node:crypto engine missing on Node');
        const imported = await engine.importKey(key);
        expect(new Uint8Array(await engine.sign(imported, [data]))).toEqual(expected);
        const split = Math.floor(n / 2);
        expect(
          await engine.verify(imported, expected, [data.slice(0, split), data.slice(split)]),
        ).toBe(true);
        expect(await engine.verify(imported, expected, [data])).toBe(true);
        const wrong = expected.slice();
        wrong[n % 32] = (wrong[n % 32] as number) ^ 1;
        expect(await engine.verify(imported, wrong, [data])).toBe(false);
        expect(await engine.verify(imported, expected.slice(1), [data])).toBe(false);
        expect(await engine.verify(imported, expected, ['ü', data])).toBe(false);
      }
    }
  });

  it('default to node:crypto on Node, and to Web Crypto where process.getBuiltinModule is missing', () => {
    expect(defaultHmacEngine().name).toBe('node-crypto');
    const original = process.getBuiltinModule;
    try {
      Object.defineProperty(process, 'getBuiltinModule', {
        value: undefined,
        configurable: true,
        writable: true,
      });
      expect(nodeCryptoHmac()).toBeUndefined();
    } finally {
      Object.defineProperty(process, 'getBuiltinModule', {
        value: original,
        configurable: true,
        writable: true,
      });
    }
  });
});
