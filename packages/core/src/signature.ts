import { SIGNATURE_SCHEME } from './constants.js';
import { ConfigError } from './errors.js';
import { defaultHmacEngine, type HmacEngine, type HmacInput } from './hmac-engine.js';
import { utf8 } from './utf8.js';

/** A request body as signed: text (UTF-8) or the raw bytes. */
export type SignedBody = string | Uint8Array;

const SIGNATURE_PATTERN = /^v1=([0-9a-fA-F]{64})$/;
/**
 * An `x-baton-id`: 1 to 128 letters, digits, `_` or `-`, not all digits. Without a `.` and
 * with a character no timestamp has, a signed string with an id (`${id}.${timestamp}.${body}`)
 * can never be read as one without (`${timestamp}.${body}`), or the other way round.
 */
const MESSAGE_ID_PATTERN = /^(?=[0-9]*[A-Za-z_-])[A-Za-z0-9_-]{1,128}$/;

/**
 * What a signature covers, as parts for an HMAC engine: `${timestamp}.${body}`, or with a
 * message id `${id}.${timestamp}.${body}`.
 */
export function signedPayload(
  timestamp: number | string,
  body: SignedBody,
  id?: string,
): HmacInput[] {
  return id === undefined ? [`${timestamp}.`, body] : [`${id}.${timestamp}.`, body];
}

/** Whether a message id may be sent in `x-baton-id`. */
export function isMessageId(id: unknown): id is string {
  return typeof id === 'string' && MESSAGE_ID_PATTERN.test(id);
}

/**
 * The signature header value for a body: `v1=` + lowercase hex HMAC-SHA256 of
 * `${timestamp}.${body}` keyed with the secret value.
 *
 * @example
 * await computeSignature(secret, 1700000000, '{"id":1}'); // 'v1=5f0c…'
 */
export async function computeSignature(
  secret: string,
  timestamp: number | string,
  body: SignedBody,
  engine: HmacEngine = defaultHmacEngine(),
): Promise<string> {
  return signatureHeader(secret, timestamp, body, engine, undefined);
}

/** `computeSignature`, with a message id in the signed string when one is given. */
export async function signatureHeader(
  secret: string,
  timestamp: number | string,
  body: SignedBody,
  engine: HmacEngine,
  id: string | undefined,
): Promise<string> {
  if (typeof secret !== 'string' || secret === '') {
    throw new ConfigError('computeSignature(secret, …): the secret must be a non-empty string');
  }
  const mac = await engine.sign(
    await engine.importKey(utf8(secret)),
    signedPayload(timestamp, body, id),
  );
  return `${SIGNATURE_SCHEME}=${toHex(mac)}`;
}

/**
 * Checks a signature header against a body in constant time. Answers `false` for a header
 * that is not `v1=<64 hex digits>`.
 *
 * @example
 * await verifySignature(secret, headers['x-baton-timestamp'], rawBody, headers['x-baton-signature']);
 */
export async function verifySignature(
  secret: string,
  timestamp: number | string,
  body: SignedBody,
  signature: string,
  engine: HmacEngine = defaultHmacEngine(),
): Promise<boolean> {
  const expected = parseSignature(signature);
  // An empty secret is no key: nothing verifies against it.
  if (expected === undefined || typeof secret !== 'string' || secret === '') return false;
  return engine.verify(
    await engine.importKey(utf8(secret)),
    expected,
    signedPayload(timestamp, body),
  );
}

/** The MAC bytes of a `v1=<hex>` header, or `undefined` when it is not one. */
export function parseSignature(signature: unknown): Uint8Array | undefined {
  if (typeof signature !== 'string') return undefined;
  const match = SIGNATURE_PATTERN.exec(signature);
  return match === null ? undefined : fromHex(match[1] as string);
}

/**
 * Compares two strings in constant time, independent of where they differ and of their
 * lengths: both are MACed under a random key and the MACs compared in constant time.
 *
 * @example
 * if (await timingSafeEqual(presentedKey, expectedKey)) { ... }
 */
export async function timingSafeEqual(
  a: string,
  b: string,
  engine: HmacEngine = defaultHmacEngine(),
): Promise<boolean> {
  const key = await comparisonKey(engine);
  return engine.verify(key, await engine.sign(key, [b]), [a]);
}

/**
 * Whether two MACs are equal, in time that depends only on their length (which is public:
 * 32 bytes for HMAC-SHA256).
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) {
    difference |= (a[index] as number) ^ (b[index] as number);
  }
  return difference === 0;
}

const comparisonKeys = new WeakMap<HmacEngine, Promise<unknown>>();

/**
 * A random key per engine, made on first use (never at import time), for comparisons. The
 * key's promise is kept before it settles, so concurrent first comparisons share one key: a
 * MAC made under one key and checked under another would refuse every later comparison.
 */
export function comparisonKey(engine: HmacEngine): Promise<unknown> {
  let key = comparisonKeys.get(engine);
  if (key === undefined) {
    key = Promise.resolve(engine.importKey(crypto.getRandomValues(new Uint8Array(32))));
    comparisonKeys.set(engine, key);
  }
  return key;
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** Decodes hex already checked by the pattern, without allocating per byte. */
function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let index = 0; index < bytes.length; index++) {
    bytes[index] = (nibble(hex.charCodeAt(index * 2)) << 4) | nibble(hex.charCodeAt(index * 2 + 1));
  }
  return bytes;
}

function nibble(code: number): number {
  // '0'–'9' → 0–9; 'a'–'f' and 'A'–'F' → 10–15 (| 32 lowercases a letter).
  return code <= 57 ? code - 48 : (code | 32) - 87;
}
