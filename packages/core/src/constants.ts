/** Defaults, named once and merged in one place (see `createBaton`). */

/** How long a resolved value is served from the cache: 5 minutes. */
export const DEFAULT_TTL_MS = 300_000;
/** How many refs the cache holds before evicting the least recently used: 1000. */
export const DEFAULT_MAX_ENTRIES = 1000;
/** How long past its TTL a value is served when every refresh fails: 1 hour. */
export const DEFAULT_MAX_STALE_MS = 3_600_000;
/** How long "no source has this ref" is remembered, so a missing secret cannot stampede a provider: 5 seconds. */
export const DEFAULT_MISS_TTL_MS = 5_000;

/** The longest duration any option accepts: 100 years. Longer is a mistake, not a policy. */
export const MAX_DURATION_MS = 100 * 365.25 * 86_400_000;

/** How long the previous ref stays accepted: 24 hours. */
export const DEFAULT_GRACE_MS = 86_400_000;
/** Which activation time the grace window counts from. */
export const DEFAULT_GRACE_ANCHOR = 'activation';

/** Accepted distance between a signed request's timestamp and the verifier's clock: 5 minutes. */
export const DEFAULT_TOLERANCE_SEC = 300;
/** A presented ref longer than this is rejected as malformed without parsing. */
export const MAX_PRESENTED_REF_LENGTH = 256;
/** A presented key (proof: 'value') longer than this is rejected as malformed. */
export const MAX_PRESENTED_KEY_LENGTH = 4096;

/** Most bytes of a signed request body an adapter reads: 1 MiB; a larger one is answered 413. */
export const DEFAULT_BODY_LIMIT = 1_048_576;

/** Audit events buffered per sink before new ones are dropped (and counted). */
export const DEFAULT_AUDIT_BUFFER = 10_000;
/**
 * Audit events handed to a sink in one write: as JSON lines about 30 KB, under a pipe's
 * 64 KB buffer, so a write to a reader that keeps up does not wait.
 */
export const AUDIT_BATCH_SIZE = 256;

/**
 * How long audit events wait to be written together when fewer than a batch are queued: a
 * busy server then makes one write a millisecond, not one per turn of its event loop.
 */
export const AUDIT_GATHER_MS = 1;

/** Instrumentation scope of every meter and tracer. */
export const INSTRUMENTATION_NAME = '@baton/core';

/** Header names of the signing protocol (fixed: senders in any language implement them). */
export const HEADER_REF = 'x-baton-ref';
export const HEADER_TIMESTAMP = 'x-baton-timestamp';
export const HEADER_SIGNATURE = 'x-baton-signature';
export const HEADER_KEY = 'x-baton-key';
/** Optional message id of a signed request: signed with the body, and refused when replayed. */
export const HEADER_ID = 'x-baton-id';

/** Header names of the Standard Webhooks protocol (https://www.standardwebhooks.com). */
export const HEADER_WEBHOOK_ID = 'webhook-id';
export const HEADER_WEBHOOK_TIMESTAMP = 'webhook-timestamp';
export const HEADER_WEBHOOK_SIGNATURE = 'webhook-signature';
/** Prefix of a Standard Webhooks secret: the rest is the key, in base64. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/**
 * Message ids remembered per process to refuse replays: 100 000 (about 200 bytes each with ids
 * of a few dozen characters, so some 20 MB when full). Ids are recorded only for requests whose
 * signature verified, and forgotten once their timestamp is outside the tolerance.
 */
export const DEFAULT_REPLAY_ENTRIES = 100_000;
/**
 * The JSON bodies of every adapter's answer to a refused request, by status. They say
 * nothing about why (the reason goes to the audit event): 401 for any refusal, 503 when the
 * secret or the registry cannot be read (the caller should retry), 413 for a signed body
 * over the adapter's limit.
 */
export const REJECTION_BODIES = Object.freeze({
  401: Object.freeze({ error: 'unauthorized' }),
  413: Object.freeze({ error: 'payload_too_large' }),
  503: Object.freeze({ error: 'unavailable' }),
} as const);
/** Prefix of the signature header value: the scheme version. */
export const SIGNATURE_SCHEME = 'v1';
