import { decodeBase64, encodeBase64 } from './base64.js';
import { WEBHOOK_SECRET_PREFIX } from './constants.js';
import { ConfigError } from './errors.js';
import { defaultHmacEngine, type HmacEngine, type HmacInput } from './hmac-engine.js';
import { equalBytes, type SignedBody } from './signature.js';
import { utf8 } from './utf8.js';

/**
 * The Standard Webhooks protocol (https://www.standardwebhooks.com), symmetric scheme `v1`:
 * `webhook-signature` is a space-separated list of `v1,<base64 HMAC-SHA256>` over
 * `${webhook-id}.${webhook-timestamp}.${body}`. Several signatures let a sender sign with the
 * current and the previous secret during a rotation.
 */

/** The headers of a message signed with Standard Webhooks. */
export type StandardWebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/**
 * A `webhook-id`: printable ASCII without spaces or `.`, at most 256 characters. The spec asks
 * senders to keep `.` out of ids, as the signed string is joined with `.`.
 */
const WEBHOOK_ID = /^[\x21-\x2d\x2f-\x7e]{1,256}$/;
const V1 = /^v1,([A-Za-z0-9+/]{43}=?)$/;
/** Signatures looked at in one header: a rotation needs two; more is noise or an attack. */
const MAX_SIGNATURES = 8;
const MAX_SIGNATURE_HEADER = 1024;

/** Whether a message id may be used in `webhook-id`. */
export function isWebhookId(id: unknown): id is string {
  return typeof id === 'string' && WEBHOOK_ID.test(id);
}

/**
 * The HMAC key of a secret value: a value written `whsec_<base64>` is the key in base64 (as
 * Standard Webhooks serializes secrets); any other value is its own UTF-8 bytes (as the
 * `standardwebhooks` package's `{ format: 'raw' }`). `undefined` for `whsec_` followed by
 * something that is not base64.
 *
 * @example
 * webhookKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'); // the 24 bytes it encodes
 */
export function webhookKey(value: string): Uint8Array | undefined {
  if (!value.startsWith(WEBHOOK_SECRET_PREFIX)) return utf8(value);
  return decodeBase64(value.slice(WEBHOOK_SECRET_PREFIX.length));
}

/** What a Standard Webhooks signature covers, `${id}.${timestamp}.${body}`, as HMAC parts. */
export function webhookPayload(
  id: string,
  timestamp: number | string,
  body: SignedBody,
): HmacInput[] {
  return [`${id}.${timestamp}.`, body];
}

/**
 * The `v1` signatures of a `webhook-signature` header, as MAC bytes. Entries of other schemes
 * (`v1a`, asymmetric) and malformed ones are skipped; `undefined` when none is usable.
 */
export function parseWebhookSignatures(header: unknown): Uint8Array[] | undefined {
  if (typeof header !== 'string' || header.length > MAX_SIGNATURE_HEADER) return undefined;
  const macs: Uint8Array[] = [];
  for (const entry of header.split(' ').slice(0, MAX_SIGNATURES)) {
    const match = V1.exec(entry);
    const mac = match === null ? undefined : decodeBase64(match[1] as string);
    if (mac?.length === 32) macs.push(mac);
  }
  return macs.length > 0 ? macs : undefined;
}

/** A fresh message id, `msg_` and 24 random base64url characters. */
export function newWebhookId(): string {
  return `msg_${encodeBase64(crypto.getRandomValues(new Uint8Array(18)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')}`;
}

/**
 * One `v1,<base64>` signature of a message, keyed as {@link webhookKey} says.
 *
 * @example
 * await computeWebhookSignature('whsec_…', 'msg_1', 1700000000, '{"id":1}'); // 'v1,K5oZ…'
 */
export async function computeWebhookSignature(
  secret: string,
  id: string,
  timestamp: number | string,
  body: SignedBody,
  engine: HmacEngine = defaultHmacEngine(),
): Promise<string> {
  const key = typeof secret === 'string' && secret !== '' ? webhookKey(secret) : undefined;
  if (key === undefined) {
    throw new ConfigError(
      'computeWebhookSignature(secret, …): the secret must be a non-empty string, and after whsec_ it must be base64',
    );
  }
  if (!isWebhookId(id)) {
    throw new ConfigError(
      'computeWebhookSignature(…, id, …): the id must be 1 to 256 printable ASCII characters without spaces or "."',
    );
  }
  const mac = await engine.sign(await engine.importKey(key), webhookPayload(id, timestamp, body));
  return `v1,${encodeBase64(mac)}`;
}

/**
 * Whether one of the `v1` signatures of a `webhook-signature` header is the message's,
 * compared in constant time. Checks no timestamp: `verifyRequest` does that, and the registry.
 *
 * @example
 * await verifyWebhookSignature(secret, headers['webhook-id'], headers['webhook-timestamp'], rawBody, headers['webhook-signature']);
 */
export async function verifyWebhookSignature(
  secret: string,
  id: string,
  timestamp: number | string,
  body: SignedBody,
  header: string,
  engine: HmacEngine = defaultHmacEngine(),
): Promise<boolean> {
  const signatures = parseWebhookSignatures(header);
  const key = typeof secret === 'string' && secret !== '' ? webhookKey(secret) : undefined;
  if (signatures === undefined || key === undefined || !isWebhookId(id)) return false;
  const mac = await engine.sign(await engine.importKey(key), webhookPayload(id, timestamp, body));
  return matchesAny(signatures, mac);
}

/** Whether any presented MAC equals `mac`; every one is compared, in constant time. */
export function matchesAny(signatures: readonly Uint8Array[], mac: Uint8Array): boolean {
  let found = false;
  for (const signature of signatures) if (equalBytes(signature, mac)) found = true;
  return found;
}
