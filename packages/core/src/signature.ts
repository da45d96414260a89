import { SIGNATURE_SCHEME } from './constants.js';

/** A request body as signed: text (UTF-8) or the raw bytes. */
export type SignedBody = string | Uint8Array;

const SIGNATURE_PATTERN = /^v1=([0-9a-fA-F]{64})$/;
const HMAC = { name: 'HMAC', hash: 'SHA-256' } as const;

let encoder: TextEncoder | undefined;

function encode(text: string): Uint8Array<ArrayBuffer> {
  encoder ??= new TextEncoder();
  return encoder.encode(text);
}

/** Imports a secret value as an HMAC-SHA256 key (Web Crypto: Node, workerd, Bun, Deno). */
export function importHmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', encode(secret), HMAC, false, ['sign', 'verify']);
}

/** The bytes a signature covers: `${timestamp}.${body}`. */
export function signedPayload(
  timestamp: number | string,
  body: SignedBody,
): Uint8Array<ArrayBuffer> {
  if (typeof body === 'string') return encode(`${timestamp}.${body}`);
  const prefix = encode(`${timestamp}.`);
  const payload = new Uint8Array(prefix.length + body.length);
  payload.set(prefix, 0);
  payload.set(body, prefix.length);
  return payload;
}

/**
 * The signature header value for a body: `v1=` + lowercase hex HMAC-SHA256 of
 * `${timestamp}.${body}` keyed with the secret value.
 *
 * @example
 * await computeSignature(secret, 1700000000, '{"id":1}'); // 'v1=5f0c…'
 */
export async function computeSignature(
  secret: string | CryptoKey,
  timestamp: number | string,
  body: SignedBody,
): Promise<string> {
  const key = typeof secret === 'string' ? await importHmacKey(secret) : secret;
  const mac = await crypto.subtle.sign('HMAC', key, signedPayload(timestamp, body));
  return `${SIGNATURE_SCHEME}=${toHex(new Uint8Array(mac))}`;
}

/**
 * Checks a signature header against a body in constant time (the comparison happens inside
 * Web Crypto's HMAC verify). Answers `false` for a header that is not `v1=<64 hex digits>`.
 *
 * @example
 * await verifySignature(secret, headers['x-baton-timestamp'], rawBody, headers['x-baton-signature']);
 */
export async function verifySignature(
  secret: string | CryptoKey,
  timestamp: number | string,
  body: SignedBody,
  signature: string,
): Promise<boolean> {
  const expected = parseSignature(signature);
  if (expected === undefined) return false;
  const key = typeof secret === 'string' ? await importHmacKey(secret) : secret;
  return crypto.subtle.verify('HMAC', key, expected, signedPayload(timestamp, body));
}

/** The MAC bytes of a `v1=<hex>` header, or `undefined` when it is not one. */
export function parseSignature(signature: unknown): Uint8Array<ArrayBuffer> | undefined {
  if (typeof signature !== 'string') return undefined;
  const match = SIGNATURE_PATTERN.exec(signature);
  return match === null ? undefined : fromHex(match[1] as string);
}

/**
 * Compares two strings in constant time, independent of where they differ and of their
 * lengths: both are MACed under a random key and the MACs compared by Web Crypto.
 *
 * @example
 * if (await timingSafeEqual(presentedKey, expectedKey)) { ... }
 */
export async function timingSafeEqual(a: string, b: string): Promise<boolean> {
  const key = await comparisonKey();
  const mac = await crypto.subtle.sign('HMAC', key, encode(b));
  return crypto.subtle.verify('HMAC', key, mac, encode(a));
}

let randomKey: Promise<CryptoKey> | undefined;

/** A random HMAC key made on first use (never at import time) for constant-time comparison. */
export function comparisonKey(): Promise<CryptoKey> {
  randomKey ??= crypto.subtle.generateKey(HMAC, false, ['sign', 'verify']) as Promise<CryptoKey>;
  return randomKey;
}

/** Encodes text for Web Crypto calls. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encode(text);
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2);
  for (let index = 0; index < bytes.length; index++) {
    bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  }
  return bytes;
}
