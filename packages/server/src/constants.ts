/** Defaults, named once and merged in one place (see `createSecretsService`). */

/** The logical name of the encryption key in the service's Baton. */
export const DEFAULT_KEY_LOGICAL = 'SECRETS_API_KEY';
/** The schema of the service's tables. */
export const DEFAULT_SCHEMA = 'baton_secrets';
/** Most bytes of a PATCH body: 64 KiB. */
export const DEFAULT_BODY_LIMIT = 65_536;
/** Most bytes of request headers the HTTP server reads before answering 431: 16 KiB. */
export const DEFAULT_MAX_HEADER_SIZE = 16_384;
/** Allowed clock difference for `exp` and `nbf`: 30 seconds. */
export const DEFAULT_CLOCK_TOLERANCE_SEC = 30;
/** Least time between two fetches of the JWKS (an unknown `kid` refetches at most this often). */
export const DEFAULT_JWKS_COOLDOWN_MS = 30_000;
/** How long a fetched JWKS is used before it is fetched again: 10 minutes. */
export const DEFAULT_JWKS_CACHE_MAX_AGE_MS = 600_000;
/** How long a verified token is remembered (never past its `exp`): 1 minute. */
export const DEFAULT_VERIFIED_TOKEN_TTL_MS = 60_000;
/** Most verified tokens remembered; the oldest is forgotten first. */
export const MAX_VERIFIED_TOKENS = 10_000;
/** How long a JWKS fetch may take. */
export const DEFAULT_JWKS_TIMEOUT_MS = 5_000;
/**
 * Signature algorithms accepted by default: asymmetric only. `none` and the HS* family are
 * never accepted (an HS* token "signed" with a public key is the classic confusion attack).
 */
export const DEFAULT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
/** How long a missing event id is waited for (a write still committing) before it is skipped. */
export const DEFAULT_EVENT_GAP_WAIT_MS = 2_000;
/** How often the event position is reread from the table, a backstop to notifications. */
export const DEFAULT_EVENT_POLL_INTERVAL_MS = 5_000;
/** Most events replayed to a resuming SSE client; past that it is told to reset. */
export const MAX_REPLAY_EVENTS = 10_000;
/** A comment line on idle SSE connections, so proxies keep them open: 15 seconds. */
export const SSE_HEARTBEAT_MS = 15_000;
/** Webhook deliveries: attempts, the first pause (doubling), and the per-attempt timeout. */
export const DEFAULT_WEBHOOK_ATTEMPTS = 6;
export const DEFAULT_WEBHOOK_RETRY_DELAY_MS = 500;
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;
/** How many times a write without `version` retries after losing a race. */
export const MAX_UNCONDITIONAL_ATTEMPTS = 20;
/** Bytes of an AES-256 key. */
export const KEY_BYTES = 32;
/** Bytes of a GCM nonce: 96 bits, as NIST SP 800-38D recommends. */
export const IV_BYTES = 12;
/** The channel replicas LISTEN on (suffixed with the schema). */
export const CHANNEL_PREFIX = 'baton_secrets_';
/** Shown in `pg_stat_activity`. */
export const APPLICATION_NAME = 'baton-secrets-api';
