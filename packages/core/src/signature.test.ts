import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type HmacEngine, nodeCryptoHmac, webCryptoHmac } from './hmac-engine.js';
import { computeSignature, timingSafeEqual, verifySignature } from './signature.js';

const SECRET = 'whsec_test_0123456789';
const BODY = '{"event":"invoice.paid","id":42}';

/** The protocol written out with Node's own HMAC, as a sender in another language would. */
function reference(secret: string, timestamp: number, body: string | Buffer): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

const engines: [string, HmacEngine][] = [
  ['web-crypto', webCryptoHmac()],
  ['node-crypto', nodeCryptoHmac() as HmacEngine],
];

describe.each(engines)('with %s', (_name, hmac) => {
  describe('computeSignature', () => {
    it('is v1= and lowercase hex HMAC-SHA256 over "timestamp.body"', async () => {
      const signature = await computeSignature(SECRET, 1_900_000_000, BODY, hmac);
      expect(signature).toBe(reference(SECRET, 1_900_000_000, BODY));
      expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
    });

    it('signs raw bytes exactly, including bytes that are not UTF-8', async () => {
      const bytes = new Uint8Array([0xff, 0x00, 0xc3, 0x28, 0x7b]);
      expect(await computeSignature(SECRET, 5, bytes, hmac)).toBe(
        reference(SECRET, 5, Buffer.from(bytes)),
      );
    });
  });

  describe('verifySignature', () => {
    it('accepts the signature of the same body and refuses any change', async () => {
      const signature = reference(SECRET, 1000, BODY);
      expect(await verifySignature(SECRET, 1000, BODY, signature, hmac)).toBe(true);
      expect(
        await verifySignature(
          SECRET,
          1000,
          BODY,
          signature.toUpperCase().replace('V1=', 'v1='),
          hmac,
        ),
      ).toBe(true);
      expect(await verifySignature(SECRET, 1001, BODY, signature, hmac)).toBe(false);
      expect(await verifySignature(SECRET, 1000, `${BODY} `, signature, hmac)).toBe(false);
      expect(await verifySignature('another-secret', 1000, BODY, signature, hmac)).toBe(false);
    });

    it('refuses headers that are not v1=<64 hex digits>', async () => {
      const hex = reference(SECRET, 1000, BODY).slice(3);
      for (const header of [
        hex,
        `v2=${hex}`,
        `v1=${hex}0`,
        `v1=${hex.slice(1)}`,
        `v1=${hex.replace(/.$/, 'g')}`,
        '',
        'v1=',
      ]) {
        expect(await verifySignature(SECRET, 1000, BODY, header, hmac)).toBe(false);
      }
    });
  });

  describe('timingSafeEqual', () => {
    it('compares strings of any length', async () => {
      expect(await timingSafeEqual('abc', 'abc', hmac)).toBe(true);
      expect(await timingSafeEqual('abc', 'abd', hmac)).toBe(false);
      expect(await timingSafeEqual('abc', 'abcd', hmac)).toBe(false);
      expect(await timingSafeEqual('', '', hmac)).toBe(true);
      expect(await timingSafeEqual('ключ', 'ключ', hmac)).toBe(true);
    });
  });
});
