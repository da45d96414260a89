import { utf8 } from './utf8.js';

/**
 * The one primitive verification needs: HMAC-SHA256 with a constant-time check. Two
 * implementations exist because their costs differ a lot: Web Crypto runs everywhere
 * (workerd, Bun, Deno, Node) but on Node each call is an asynchronous job (~15–35 µs measured
 * here); `node:crypto` computes the same MAC synchronously in ~2 µs. The default picks
 * `node:crypto` where the runtime offers it through `process.getBuiltinModule` (Node ≥ 20.16,
 * and workerd with `nodejs_compat`) and Web Crypto everywhere else, so core never imports a
 * `node:` module and the edge build stays the same.
 */
export interface HmacEngine {
  readonly name: 'web-crypto' | 'node-crypto' | (string & {});
  /** Prepares a key from raw bytes. */
  importKey(raw: Uint8Array): unknown;
  /** The HMAC-SHA256 of the concatenated parts (text parts as UTF-8). */
  sign(key: unknown, parts: readonly HmacInput[]): Promise<Uint8Array> | Uint8Array;
  /** Whether `mac` is the HMAC-SHA256 of the concatenated parts, compared in constant time. */
  verify(key: unknown, mac: Uint8Array, parts: readonly HmacInput[]): Promise<boolean> | boolean;
}

/** A piece of the MACed message: text (UTF-8) or bytes. */
export type HmacInput = string | Uint8Array;

const HMAC = { name: 'HMAC', hash: 'SHA-256' } as const;

/** HMAC on Web Crypto (`crypto.subtle`): every runtime. */
export function webCryptoHmac(): HmacEngine {
  return {
    name: 'web-crypto',
    importKey: (raw) =>
      crypto.subtle.importKey('raw', raw as Uint8Array<ArrayBuffer>, HMAC, false, [
        'sign',
        'verify',
      ]),
    async sign(key, parts) {
      const mac = await crypto.subtle.sign('HMAC', (await key) as CryptoKey, concat(parts));
      return new Uint8Array(mac);
    },
    async verify(key, mac, parts) {
      const cryptoKey = (await key) as CryptoKey;
      return crypto.subtle.verify('HMAC', cryptoKey, mac as Uint8Array<ArrayBuffer>, concat(parts));
    },
  };
}

/** The parts of `node:crypto` the Node engine uses, typed here so core needs no Node types. */
interface NodeCrypto {
  createSecretKey(key: Uint8Array): unknown;
  createHmac(algorithm: 'sha256', key: unknown): NodeHmac;
}

interface NodeHmac {
  update(data: HmacInput): NodeHmac;
  digest(): Uint8Array;
  digest(encoding: 'latin1'): string;
}

/**
 * HMAC on `node:crypto`, reached through `process.getBuiltinModule` (no import, so bundles for
 * the edge are unaffected). Answers `undefined` where the runtime does not offer it.
 */
export function nodeCryptoHmac(): HmacEngine | undefined {
  const runtime = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
  const node = runtime.process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
  if (typeof node?.createHmac !== 'function' || typeof node.createSecretKey !== 'function') {
    return undefined;
  }
  // Text parts go to update() as strings: Node encodes them natively, faster than TextEncoder.
  const hmacOf = (key: unknown, parts: readonly HmacInput[]) => {
    const hmac = node.createHmac('sha256', key);
    for (const part of parts) hmac.update(part);
    return hmac;
  };
  return {
    name: 'node-crypto',
    importKey: (raw) => node.createSecretKey(raw),
    sign: (key, parts) => hmacOf(key, parts).digest(),
    verify: (key, expected, parts) => {
      // The MAC as a latin1 string (one character per byte) spares allocating a Buffer, which
      // costs more than the HMAC itself; compared without an early exit, in constant time.
      const actual = hmacOf(key, parts).digest('latin1');
      if (actual.length !== expected.length) return false;
      let difference = 0;
      for (let index = 0; index < actual.length; index++) {
        difference |= actual.charCodeAt(index) ^ (expected[index] as number);
      }
      return difference === 0;
    },
  };
}

let chosen: HmacEngine | undefined;

/** The fastest engine this runtime offers, chosen on first use. */
export function defaultHmacEngine(): HmacEngine {
  chosen ??= nodeCryptoHmac() ?? webCryptoHmac();
  return chosen;
}

/** One buffer of all parts, for Web Crypto, which takes a single buffer. */
function concat(parts: readonly HmacInput[]): Uint8Array<ArrayBuffer> {
  const bytes = parts.map((part) => (typeof part === 'string' ? utf8(part) : part));
  if (bytes.length === 1) return bytes[0] as Uint8Array<ArrayBuffer>;
  const total = bytes.reduce((sum, part) => sum + part.length, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const part of bytes) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
