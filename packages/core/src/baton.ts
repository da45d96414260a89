import {
  type AcceptAudit,
  type AuditInput,
  AuditLog,
  type AuditOption,
  type AuditSink,
  jsonLinesSink,
} from './audit.js';
import { coarseDateNow } from './coarse-clock.js';
import { conceal } from './conceal.js';
import {
  DEFAULT_AUDIT_BUFFER,
  DEFAULT_GRACE_ANCHOR,
  DEFAULT_GRACE_MS,
  DEFAULT_MAX_ENTRIES,
  DEFAULT_MAX_STALE_MS,
  DEFAULT_MISS_TTL_MS,
  DEFAULT_REPLAY_ENTRIES,
  DEFAULT_TTL_MS,
  HEADER_ID,
  HEADER_REF,
  HEADER_SIGNATURE,
  HEADER_TIMESTAMP,
  HEADER_WEBHOOK_ID,
  HEADER_WEBHOOK_SIGNATURE,
  HEADER_WEBHOOK_TIMESTAMP,
  MAX_DURATION_MS,
} from './constants.js';
import { envSource } from './env-source.js';
import {
  BatonError,
  ClosedError,
  ConfigError,
  describe,
  NoEntryError,
  SecretBatchError,
} from './errors.js';
import { GRACE_ANCHORS, type GraceAnchor, type GracePolicy } from './grace.js';
import { defaultHmacEngine, type HmacEngine } from './hmac-engine.js';
import { memoryStore } from './memory-store.js';
import { Notices } from './notices.js';
import {
  type CheckResult,
  type PromoteOptions,
  type PromoteResult,
  type RegisterOptions,
  Registry,
  type RegistryStatus,
  type RotationPolicyOptions,
} from './registry.js';
import type { RegistryEntry, RegistryHistoryRecord, RegistryStore } from './registry-store.js';
import { ReplayCache } from './replay-cache.js';
import type { RotationPolicy } from './rotation-policy.js';
import type { ParsedRef } from './secret-ref.js';
import { assertLogicalName, parseRef } from './secret-ref.js';
import {
  type AuthErrorClassifier,
  type ResolvedCacheOptions,
  SecretResolver,
} from './secret-resolver.js';
import {
  type GetSecretOptions,
  type ReadOptions,
  type ResolvedRead,
  resolveRead,
  type SchemaOutput,
  SecretTransformer,
  type StandardSchema,
} from './secret-transform.js';
import { isMessageId, type SignedBody, signatureHeader } from './signature.js';
import type { SecretSource } from './source.js';
import {
  computeWebhookSignature,
  isWebhookId,
  newWebhookId,
  type StandardWebhookHeaders,
} from './standard-webhooks.js';
import { Telemetry, type TelemetryOptions } from './telemetry.js';
import {
  type ReplayGuard,
  RequestVerifier,
  type VerifyRequestInput,
  type VerifyRequestResult,
} from './verify-request.js';

export interface CacheOptions {
  /** How long a value is served without asking the sources. Default 300 000 (5 min). */
  ttlMs?: number;
  /** Most refs held; the least recently used goes first. Default 1000. */
  maxEntries?: number;
  /** How long past its TTL a value is served while every refresh fails. Default 3 600 000 (1 h). */
  maxStaleMs?: number;
  /** How long "no source has this ref" is remembered. Default 5000 (5 s). */
  missTtlMs?: number;
}

export interface RegistryOptions {
  /** Where entries live. Default `memoryStore()` (one process). */
  store?: RegistryStore;
  /** How long the previous ref stays accepted. Default 86 400 000 (24 h). */
  graceMs?: number;
  /** What the grace window counts from. Default `'activation'`. */
  graceAnchor?: GraceAnchor;
  /** Grace settings for particular logical names, e.g. `{ WEBHOOK_SECRET: { graceMs: 3_600_000 } }`. */
  overrides?: Readonly<Record<string, { graceMs?: number; graceAnchor?: GraceAnchor }>>;
}

export interface ReplayOptions {
  /**
   * Where verified message ids are remembered: `'process'` (default, this Baton only) or
   * `'store'` (the registry store's `claimDelivery`, shared by every Baton on the store; the
   * memory store has it).
   */
  scope?: 'process' | 'store';
  /** With `'process'`: ids remembered at most; past it the oldest loses protection. Default 100 000. */
  maxEntries?: number;
}

export interface BatonOptions {
  /** Tried in order; the first value wins. Default `[envSource()]`. */
  sources?: readonly SecretSource[];
  /** Default: on, with the defaults of {@link CacheOptions}. `false` asks the sources every time. */
  cache?: CacheOptions | false;
  registry?: RegistryOptions;
  /**
   * Where audit events go: a function, a sink, several, or `false`. Default: JSON lines on
   * stdout (`jsonLinesSink()`).
   */
  audit?: AuditOption;
  /**
   * Events buffered per sink while it is busy with an earlier write; past this, new ones are
   * dropped and counted (`baton.audit.dropped`). A sink that keeps up loses nothing.
   * Default 10 000.
   */
  auditBufferSize?: number;
  /**
   * How accepted verifications are audited: `'each'` (default) writes one `verify_accept` per
   * accept; `{ everyMs }` writes, per ref and match, one `verify_accept` with a `count` per
   * window (on the first accept after the window, and on `flush()`/`close()`), so a busy
   * service keeps every rejection and a summary of the accepts.
   */
  auditAccepts?: AcceptAudit;
  /** Epoch milliseconds. Default `Date.now`. */
  clock?: () => number;
  /** Meter and tracer providers. Default: the global ones of `@opentelemetry/api`. */
  telemetry?: TelemetryOptions;
  /**
   * The HMAC implementation for signing and verifying. Default: `node:crypto` where the
   * runtime offers it, Web Crypto everywhere else (see `HmacEngine`).
   */
  hmac?: HmacEngine;
  /**
   * Replay protection of signed requests that carry a message id (`webhook-id`, or
   * `x-baton-id`): a second delivery of a verified message inside the tolerance is refused
   * (`replayed`). Default: on, per process. `false` turns it off.
   */
  replay?: ReplayOptions | false;
}

/** What `secretsForRequest` answers: the values keyed as given, or why the request is refused. */
export type SecretsForRequest<R extends string> =
  | { readonly ok: true; readonly values: Record<R, string> }
  | {
      readonly ok: false;
      readonly status: 503;
      readonly reason: 'secret_unavailable';
      /** Names refs and sources, never values: safe to log. */
      readonly error: BatonError;
    };

/** Headers that carry a signed request (the fixed protocol of `x-baton-*`). */
export type SignedHeaders = {
  'x-baton-ref': string;
  'x-baton-timestamp': string;
  'x-baton-signature': string;
  /** Present when signed with an `id`. */
  'x-baton-id'?: string;
};

export interface SignOptions {
  /** Default `'baton'`; `'standard-webhooks'` answers `webhook-*` headers. */
  protocol?: 'baton';
  /** Sign with this ref instead of the current one. */
  ref?: string;
  /** Unix seconds. Default: now, from the Baton's clock. */
  timestamp?: number;
  /**
   * A message id, sent in `x-baton-id` and signed (`${id}.${timestamp}.${body}`), so the
   * receiver refuses a replay. 1 to 128 letters, digits, `_` or `-`, not all digits. Default:
   * none (receivers older than message ids verify only requests without one).
   */
  id?: string;
}

export interface WebhookSignOptions {
  protocol: 'standard-webhooks';
  /** Sign with this ref alone. Default: the current ref, and the previous one inside grace. */
  ref?: string;
  /** Unix seconds. Default: now, from the Baton's clock. */
  timestamp?: number;
  /** The `webhook-id`. Default: a new random `msg_…`. Keep it across retries of one message. */
  id?: string;
}

export interface WithSecretOptions {
  /**
   * Whether an error means the secret was rejected, so it is refetched and the function
   * retried once. Default: an HTTP status of 401 or 403 on the error (`status`,
   * `statusCode` or `response.status`).
   */
  isAuthError?: AuthErrorClassifier;
}

/** A Baton: resolves secrets, keeps the rotation registry, verifies callers. */
export interface Baton {
  /** The clock every decision uses (epoch milliseconds). */
  readonly clock: () => number;
  /**
   * The meter and tracer providers this Baton reports to; packages built on Baton (a rotation
   * run's metrics) report there too.
   */
  readonly telemetry: TelemetryOptions;
  /**
   * Resolves one ref through the cache and the source chain. Options bound the age of a
   * cached value (`maxAgeMs`, `forceFetch`) and turn the value into JSON (`transform: 'json'`,
   * validated by `schema`) or bytes (`transform: 'binary'`, from base64).
   */
  getSecret(
    ref: string | ParsedRef,
    options?: ReadOptions & { transform?: undefined; schema?: undefined },
  ): Promise<string>;
  getSecret(
    ref: string | ParsedRef,
    options: ReadOptions & { transform: 'binary'; schema?: undefined },
  ): Promise<Uint8Array>;
  getSecret<S extends StandardSchema>(
    ref: string | ParsedRef,
    options: ReadOptions & { transform?: 'json'; schema: S },
  ): Promise<SchemaOutput<S>>;
  getSecret(
    ref: string | ParsedRef,
    options: ReadOptions & { transform: 'json'; schema?: undefined },
  ): Promise<unknown>;
  /**
   * Resolves many refs, keyed as given, with batch reads where sources have them; the options
   * of `getSecret` apply to every ref (but `schema`).
   */
  getSecrets<const R extends string>(
    refs: readonly R[],
    options?: ReadOptions & { transform?: undefined },
  ): Promise<Record<R, string>>;
  getSecrets<const R extends string>(
    refs: readonly R[],
    options: ReadOptions & { transform: 'binary' },
  ): Promise<Record<R, Uint8Array>>;
  getSecrets<const R extends string>(
    refs: readonly R[],
    options: ReadOptions & { transform: 'json' },
  ): Promise<Record<R, unknown>>;
  /** Drops the cached value of a ref and resolves it again. */
  rotateSecret(ref: string | ParsedRef): Promise<string>;
  /** Drops one cached value, or every one. */
  invalidate(ref?: string | ParsedRef): void;
  /** Runs `fn(value)`; on an auth failure refetches the secret once and retries once. */
  withSecret<T>(
    ref: string | ParsedRef,
    fn: (value: string) => T | Promise<T>,
    options?: WithSecretOptions,
  ): Promise<T>;
  register(logical: string, currentRef: string, options?: RegisterOptions): Promise<RegistryEntry>;
  promote(logical: string, newRef: string, options?: PromoteOptions): Promise<PromoteResult>;
  retirePrevious(logical: string, options?: { force?: boolean; actor?: string }): Promise<boolean>;
  validateGrace(logical: string, now?: number | Date): Promise<boolean>;
  /**
   * Sets how a registered secret is rotated (`{ type, periodDays? }`), kept in its registry
   * entry so every replica and the `baton` command see it; `undefined` clears it. `status`
   * then shows when the current ref is due.
   */
  setRotationPolicy(
    logical: string,
    policy: RotationPolicy | undefined,
    options?: RotationPolicyOptions,
  ): Promise<RegistryEntry>;
  /** Synchronous: whether the presented ref is current, or previous within grace. Never throws. */
  verifyRef(logical: string, presentedRef: unknown): boolean;
  /** Like `verifyRef`, with the match or the reason. Never throws. */
  checkRef(logical: string, presentedRef: unknown): CheckResult;
  /** Every entry with its grace window. */
  status(): RegistryStatus[];
  /** One entry with its grace window, if registered. */
  status(logical: string): RegistryStatus | undefined;
  /** The store's change history, newest first (empty for stores that keep none). */
  history(options?: {
    logical?: string;
    limit?: number;
  }): Promise<readonly RegistryHistoryRecord[]>;
  /**
   * Signs a body for `logical`: the headers to send. With the Baton protocol, signed with the
   * current ref; with `protocol: 'standard-webhooks'`, with the current secret and, inside
   * grace, the previous one too, so receivers not yet rotated still verify.
   */
  sign(logical: string, body: SignedBody, options?: SignOptions): Promise<SignedHeaders>;
  sign(
    logical: string,
    body: SignedBody,
    options: WebhookSignOptions,
  ): Promise<StandardWebhookHeaders>;
  /** Verifies a request (ref, proof, timestamp), audited; adapters call this. */
  verifyRequest(input: VerifyRequestInput): Promise<VerifyRequestResult>;
  /**
   * Resolves the secrets a request handler needs; adapters call this. When one cannot be
   * resolved the answer is a 503 refusal, audited (`inject_reject`, reason
   * `secret_unavailable`, per ref) and logged at most once a minute with the error's message,
   * which names refs and sources and says what to create.
   */
  secretsForRequest<const R extends string>(refs: readonly R[]): Promise<SecretsForRequest<R>>;
  /**
   * Records an event through this Baton's audit sinks, as its own events are: buffered,
   * never blocking, never throwing. For packages built on Baton (a rotation run's `rotate`
   * and `rotate_failed`). Events name refs, never values.
   */
  audit(event: AuditInput): void;
  /** Loads the registry snapshot from its store. */
  ready(): Promise<void>;
  /** Delivers every buffered audit event. */
  flush(): Promise<void>;
  /** Flushes and releases the registry store. */
  close(): Promise<void>;
}

/**
 * Creates a Baton. Every option has a default; see the README for the list.
 *
 * @example
 * const baton = createBaton({
 *   sources: [envSource(), defaultsSource({ LOG_LEVEL: 'info' })],
 *   registry: { graceMs: 3_600_000, graceAnchor: 'promotion' },
 * });
 * await baton.register('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v1');
 * baton.verifyRef('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v1'); // true
 */
export function createBaton(options: BatonOptions = {}): Baton {
  const settings = resolveOptions(options);
  return new BatonInstance(settings);
}

interface ResolvedOptions {
  sources: readonly SecretSource[];
  cache: ResolvedCacheOptions | false;
  store: RegistryStore;
  policy: GracePolicy;
  overrides: ReadonlyMap<string, GracePolicy>;
  audit: AuditOption;
  auditBufferSize: number;
  auditAccepts: AcceptAudit;
  clock: () => number;
  telemetry: TelemetryOptions;
  hmac: HmacEngine;
  replay: ReplayOptions | false;
}

class BatonInstance implements Baton {
  readonly clock: () => number;
  readonly telemetry: TelemetryOptions;
  private readonly auditLog: AuditLog;
  private readonly resolver: SecretResolver;
  private readonly registry: Registry;
  private readonly verifier: RequestVerifier;
  private readonly hmac: HmacEngine;
  private readonly notices: Notices;
  private readonly transformer: SecretTransformer;
  private closed = false;

  constructor(options: ResolvedOptions) {
    this.clock = options.clock;
    this.telemetry = options.telemetry;
    const telemetry = new Telemetry(options.telemetry);
    this.auditLog = new AuditLog(options.audit, telemetry, options.auditBufferSize);
    this.resolver = new SecretResolver(
      options.sources,
      options.cache,
      this.clock,
      this.auditLog,
      telemetry,
    );
    const notices = new Notices(this.clock);
    this.notices = notices;
    // Decisions on the real clock may share one reading per millisecond (see coarseDateNow);
    // an injected clock is read every time.
    const decisionClock = this.clock === Date.now ? coarseDateNow() : this.clock;
    this.registry = new Registry(
      options.store,
      (logical) => options.overrides.get(logical) ?? options.policy,
      decisionClock,
      this.auditLog,
      telemetry,
      notices,
      options.auditAccepts,
    );
    this.hmac = options.hmac;
    this.transformer = new SecretTransformer(
      options.cache === false ? DEFAULT_MAX_ENTRIES : options.cache.maxEntries,
    );
    this.verifier = new RequestVerifier(
      this.registry,
      this.resolver,
      decisionClock,
      options.hmac,
      notices,
      replayGuard(options.replay, options.store, decisionClock, notices),
    );
    conceal(
      this,
      () =>
        `Baton { sources: [${options.sources.map((source) => source.name).join(', ')}], ` +
        `registry: ${options.store.name}, ${this.closed ? 'closed' : 'open'} }`,
    );
  }

  getSecret(
    ref: string | ParsedRef,
    options?: ReadOptions & { transform?: undefined; schema?: undefined },
  ): Promise<string>;
  getSecret(
    ref: string | ParsedRef,
    options: ReadOptions & { transform: 'binary'; schema?: undefined },
  ): Promise<Uint8Array>;
  getSecret<S extends StandardSchema>(
    ref: string | ParsedRef,
    options: ReadOptions & { transform?: 'json'; schema: S },
  ): Promise<SchemaOutput<S>>;
  getSecret(
    ref: string | ParsedRef,
    options: ReadOptions & { transform: 'json'; schema?: undefined },
  ): Promise<unknown>;
  getSecret(ref: string | ParsedRef, options?: GetSecretOptions): Promise<unknown> {
    // The plain read stays one call: options are dispatched before the cache.
    if (options === undefined) return this.resolver.get(ref);
    return this.read(ref, options);
  }

  getSecrets<const R extends string>(
    refs: readonly R[],
    options?: ReadOptions & { transform?: undefined },
  ): Promise<Record<R, string>>;
  getSecrets<const R extends string>(
    refs: readonly R[],
    options: ReadOptions & { transform: 'binary' },
  ): Promise<Record<R, Uint8Array>>;
  getSecrets<const R extends string>(
    refs: readonly R[],
    options: ReadOptions & { transform: 'json' },
  ): Promise<Record<R, unknown>>;
  getSecrets<const R extends string>(
    refs: readonly R[],
    options?: GetSecretOptions,
  ): Promise<Record<R, unknown>> {
    if (options === undefined) return this.resolver.getMany(refs) as Promise<Record<R, string>>;
    return this.readMany(refs, options);
  }

  rotateSecret(ref: string | ParsedRef): Promise<string> {
    this.transformer.forget(this.resolver.parse(ref).ref);
    return this.resolver.rotate(ref);
  }

  invalidate(ref?: string | ParsedRef): void {
    this.transformer.forget(ref === undefined ? undefined : this.resolver.parse(ref).ref);
    this.resolver.invalidate(ref);
  }

  /** `getSecret` with options: the freshness bound, then the transform. */
  private async read(ref: string | ParsedRef, options: GetSecretOptions): Promise<unknown> {
    const read = resolveRead(options, 'getSecret');
    const raw =
      read.maxAgeMs === undefined
        ? await this.resolver.get(ref)
        : await this.resolver.getFresh(ref, read.maxAgeMs);
    return transforms(read) ? this.transformer.apply(this.resolver.parse(ref).ref, raw, read) : raw;
  }

  private async readMany<R extends string>(
    refs: readonly R[],
    options: GetSecretOptions,
  ): Promise<Record<R, unknown>> {
    const read = resolveRead(options, 'getSecrets');
    if (read.schema !== undefined) {
      throw new ConfigError('getSecrets: schema is an option of getSecret, one ref at a time');
    }
    const values = (await this.resolver.getMany(refs, read.maxAgeMs)) as Record<R, unknown>;
    if (!transforms(read)) return values;
    for (const ref of Object.keys(values) as R[]) {
      values[ref] = this.transformer.apply(
        this.resolver.parse(ref).ref,
        values[ref] as string,
        read,
      );
    }
    return values;
  }

  async withSecret<T>(
    ref: string | ParsedRef,
    fn: (value: string) => T | Promise<T>,
    options: WithSecretOptions = {},
  ): Promise<T> {
    const isAuthError = options.isAuthError ?? isHttpAuthError;
    const value = await this.resolver.get(ref);
    try {
      return await fn(value);
    } catch (error) {
      if (!isAuthError(error)) throw error;
    }
    return fn(await this.resolver.rotate(ref));
  }

  async register(
    logical: string,
    currentRef: string,
    options?: RegisterOptions,
  ): Promise<RegistryEntry> {
    this.assertOpen('register');
    return this.registry.register(logical, currentRef, options);
  }

  async promote(logical: string, newRef: string, options?: PromoteOptions): Promise<PromoteResult> {
    this.assertOpen('promote');
    return this.registry.promote(logical, newRef, options);
  }

  async retirePrevious(
    logical: string,
    options?: { force?: boolean; actor?: string },
  ): Promise<boolean> {
    this.assertOpen('retire');
    return this.registry.retirePrevious(logical, options);
  }

  async validateGrace(logical: string, now?: number | Date): Promise<boolean> {
    this.assertOpen('validate grace');
    return this.registry.validateGrace(logical, now);
  }

  async setRotationPolicy(
    logical: string,
    policy: RotationPolicy | undefined,
    options?: RotationPolicyOptions,
  ): Promise<RegistryEntry> {
    this.assertOpen('set a rotation policy');
    return this.registry.setRotationPolicy(logical, policy, options);
  }

  verifyRef(logical: string, presentedRef: unknown): boolean {
    return this.registry.check(logical, presentedRef).accepted;
  }

  checkRef(logical: string, presentedRef: unknown): CheckResult {
    return this.registry.check(logical, presentedRef);
  }

  status(): RegistryStatus[];
  status(logical: string): RegistryStatus | undefined;
  status(logical?: string): RegistryStatus[] | RegistryStatus | undefined {
    return logical === undefined ? this.registry.status() : this.registry.status(logical)[0];
  }

  history(options?: {
    logical?: string;
    limit?: number;
  }): Promise<readonly RegistryHistoryRecord[]> {
    return this.registry.history(options);
  }

  sign(logical: string, body: SignedBody, options?: SignOptions): Promise<SignedHeaders>;
  sign(
    logical: string,
    body: SignedBody,
    options: WebhookSignOptions,
  ): Promise<StandardWebhookHeaders>;
  async sign(
    logical: string,
    body: SignedBody,
    options: SignOptions | WebhookSignOptions = {},
  ): Promise<SignedHeaders | StandardWebhookHeaders> {
    assertLogicalName(logical);
    const protocol = options.protocol ?? 'baton';
    if (protocol !== 'baton' && protocol !== 'standard-webhooks') {
      throw new ConfigError(`sign: protocol must be 'baton' or 'standard-webhooks'`);
    }
    const given = options.ref === undefined ? undefined : parseRef(options.ref).ref;
    const timestamp = options.timestamp ?? Math.floor(this.clock() / 1000);
    if (protocol === 'standard-webhooks') {
      return this.signWebhook(logical, body, given, timestamp, options.id);
    }
    const { id } = options;
    if (id !== undefined && !isMessageId(id)) {
      throw new ConfigError(
        'sign: id must be 1 to 128 letters, digits, "_" or "-", and not only digits',
      );
    }
    const ref = given ?? (await this.currentRefs(logical))[0]?.ref;
    const secret = await this.resolver.get(ref as string);
    const headers: SignedHeaders = {
      [HEADER_REF]: ref as string,
      [HEADER_TIMESTAMP]: String(timestamp),
      [HEADER_SIGNATURE]: await signatureHeader(secret, timestamp, body, this.hmac, id),
    };
    if (id !== undefined) headers[HEADER_ID] = id;
    return headers;
  }

  /**
   * Standard Webhooks headers: one signature per ref, current first; a previous ref whose
   * secret cannot be read is left out (said in the log), so sending goes on.
   */
  private async signWebhook(
    logical: string,
    body: SignedBody,
    ref: string | undefined,
    timestamp: number,
    id = newWebhookId(),
  ): Promise<StandardWebhookHeaders> {
    if (!isWebhookId(id)) {
      throw new ConfigError(
        'sign: a webhook-id must be 1 to 256 printable ASCII characters without spaces or "."',
      );
    }
    const refs =
      ref === undefined ? await this.currentRefs(logical) : [{ ref, match: 'current' as const }];
    const signatures: string[] = [];
    for (const signer of refs) {
      let secret: string;
      try {
        secret = await this.resolver.get(signer.ref);
      } catch (error) {
        if (signer.match === 'current') throw error;
        this.notices.limited(
          `sign_previous:${signer.ref}`,
          `signed for ${logical} without the previous ref ${signer.ref}, whose secret could not be read (${describe(error)}): receivers not rotated yet will refuse these messages`,
        );
        continue;
      }
      signatures.push(await webhookSignature(signer.ref, secret, id, timestamp, body, this.hmac));
    }
    return {
      [HEADER_WEBHOOK_ID]: id,
      [HEADER_WEBHOOK_TIMESTAMP]: String(timestamp),
      [HEADER_WEBHOOK_SIGNATURE]: signatures.join(' '),
    };
  }

  /** The refs that sign for `logical` now: current, and previous inside grace. */
  private async currentRefs(logical: string) {
    await this.ready();
    const refs = this.registry.acceptedRefs(logical, this.clock());
    if (typeof refs === 'string') throw new NoEntryError(logical);
    return refs;
  }

  verifyRequest(input: VerifyRequestInput): Promise<VerifyRequestResult> {
    return this.verifier.verify(input);
  }

  async secretsForRequest<const R extends string>(
    refs: readonly R[],
  ): Promise<SecretsForRequest<R>> {
    try {
      return { ok: true, values: await this.getSecrets(refs) };
    } catch (caught) {
      const error =
        caught instanceof BatonError
          ? caught
          : new BatonError('BATON_SOURCE_FAILED', `could not resolve ${refs.join(', ')}`);
      const failures = error instanceof SecretBatchError ? error.errors : [error];
      const atMs = this.clock();
      for (const failure of failures) {
        const ref = (failure as { ref?: unknown }).ref;
        const shown = typeof ref === 'string' ? ref : undefined;
        this.auditLog.emit({
          type: 'inject_reject',
          logical: shown?.split(':')[0] ?? 'unknown',
          atMs,
          ref: shown,
          reason: 'secret_unavailable',
          error: describe(failure),
        });
      }
      this.notices.limited(
        `inject:${refs.join(',')}`,
        `refused a request with 503: ${error.message}`,
      );
      return { ok: false, status: 503, reason: 'secret_unavailable', error };
    }
  }

  audit(event: AuditInput): void {
    if (!this.auditLog.enabled) return;
    const { at, ...fields } = event;
    const atMs = at instanceof Date && !Number.isNaN(at.getTime()) ? at.getTime() : this.clock();
    this.auditLog.emit({ ...fields, atMs });
  }

  async ready(): Promise<void> {
    this.assertOpen('load the registry');
    return this.registry.ready();
  }

  flush(): Promise<void> {
    this.registry.summarizeAccepts();
    return this.auditLog.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.resolver.close();
    this.registry.summarizeAccepts();
    await this.auditLog.close();
    await this.registry.close();
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new ClosedError(operation);
  }
}

/** Whether a read asks for more than the text. */
function transforms(read: ResolvedRead): boolean {
  return read.transform !== undefined || read.schema !== undefined;
}

/** One `v1,…` signature; a `whsec_` secret that is not base64 is named as such. */
async function webhookSignature(
  ref: string,
  secret: string,
  id: string,
  timestamp: number,
  body: SignedBody,
  hmac: HmacEngine,
): Promise<string> {
  try {
    return await computeWebhookSignature(secret, id, timestamp, body, hmac);
  } catch (error) {
    throw new ConfigError(
      `sign: the secret of ${ref} is no Standard Webhooks key: after whsec_ it must be base64`,
      { cause: error },
    );
  }
}

/**
 * Where verified message ids are recorded: this process (a bounded cache), the registry store,
 * or nowhere.
 */
function replayGuard(
  options: ReplayOptions | false,
  store: RegistryStore,
  clock: () => number,
  notices: Notices,
): ReplayGuard | undefined {
  if (options === false) return undefined;
  if (options.scope === 'store') {
    const claim = store.claimDelivery as NonNullable<RegistryStore['claimDelivery']>;
    return (delivery) => claim.call(store, delivery, new Date(clock()));
  }
  const cache = new ReplayCache(options.maxEntries ?? DEFAULT_REPLAY_ENTRIES, () =>
    notices.limited(
      'replay_full',
      'the replay cache is full, so the oldest message ids lost their replay protection: raise replay.maxEntries, or share the cache through the registry store',
    ),
  );
  return (delivery) => cache.claim(delivery, clock());
}

/** The default auth-failure test of `withSecret`: an HTTP 401 or 403 carried by the error. */
function isHttpAuthError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as {
    status?: unknown;
    statusCode?: unknown;
    response?: { status?: unknown };
  };
  const status = candidate.status ?? candidate.statusCode ?? candidate.response?.status;
  return status === 401 || status === 403;
}

/** Merges defaults and checks every option, reporting all problems in one `ConfigError`. */
function resolveOptions(options: BatonOptions): ResolvedOptions {
  const issues: string[] = [];
  const sources = options.sources ?? [envSource()];
  if (!Array.isArray(sources)) issues.push('sources must be an array of sources');
  else {
    sources.forEach((source: SecretSource, index) => {
      if (typeof source?.name !== 'string' || typeof source?.get !== 'function') {
        issues.push(`sources[${index}] must have a string "name" and a "get(ref)" function`);
      }
    });
  }

  let cache: ResolvedCacheOptions | false = false;
  if (options.cache !== false) {
    const given = options.cache ?? {};
    cache = {
      ttlMs: duration(given.ttlMs, DEFAULT_TTL_MS, 'cache.ttlMs', issues),
      maxEntries: given.maxEntries ?? DEFAULT_MAX_ENTRIES,
      maxStaleMs: duration(given.maxStaleMs, DEFAULT_MAX_STALE_MS, 'cache.maxStaleMs', issues),
      missTtlMs: duration(given.missTtlMs, DEFAULT_MISS_TTL_MS, 'cache.missTtlMs', issues),
    };
    if (!Number.isInteger(cache.maxEntries) || cache.maxEntries < 1) {
      issues.push('cache.maxEntries must be a positive integer');
    }
  }

  const registry = options.registry ?? {};
  const policy: GracePolicy = {
    graceMs: duration(registry.graceMs, DEFAULT_GRACE_MS, 'registry.graceMs', issues),
    graceAnchor: anchor(registry.graceAnchor, DEFAULT_GRACE_ANCHOR, 'registry.graceAnchor', issues),
  };
  const overrides = new Map<string, GracePolicy>();
  for (const [logical, override] of Object.entries(registry.overrides ?? {})) {
    try {
      assertLogicalName(logical);
    } catch (error) {
      issues.push(`registry.overrides: ${(error as Error).message}`);
      continue;
    }
    overrides.set(logical, {
      graceMs: duration(
        override?.graceMs,
        policy.graceMs,
        `registry.overrides.${logical}.graceMs`,
        issues,
      ),
      graceAnchor: anchor(
        override?.graceAnchor,
        policy.graceAnchor,
        `registry.overrides.${logical}.graceAnchor`,
        issues,
      ),
    });
  }
  const store = registry.store ?? memoryStore();
  if (typeof store?.load !== 'function' || typeof store?.apply !== 'function') {
    issues.push(
      'registry.store must be a registry store (memoryStore(), fileStore(…), postgresStore(…))',
    );
  }

  const clock = options.clock ?? Date.now;
  if (typeof clock !== 'function')
    issues.push('clock must be a function returning epoch milliseconds');

  const audit = options.audit ?? jsonLinesSink();
  if (!isAuditOption(audit)) {
    issues.push('audit must be a function, a sink with write(events), an array of them, or false');
  }
  const auditBufferSize = options.auditBufferSize ?? DEFAULT_AUDIT_BUFFER;
  if (!Number.isInteger(auditBufferSize) || auditBufferSize < 1) {
    issues.push('auditBufferSize must be a positive integer');
  }

  const auditAccepts = options.auditAccepts ?? 'each';
  if (
    auditAccepts !== 'each' &&
    (typeof auditAccepts !== 'object' ||
      auditAccepts === null ||
      typeof auditAccepts.everyMs !== 'number' ||
      !(auditAccepts.everyMs > 0 && auditAccepts.everyMs <= MAX_DURATION_MS))
  ) {
    issues.push(
      "auditAccepts must be 'each' or { everyMs } with a positive number of milliseconds",
    );
  }

  const hmac = options.hmac ?? defaultHmacEngine();
  if (
    typeof hmac?.sign !== 'function' ||
    typeof hmac?.verify !== 'function' ||
    typeof hmac?.importKey !== 'function'
  ) {
    issues.push('hmac must be an HmacEngine (webCryptoHmac(), nodeCryptoHmac())');
  }

  const replay = options.replay ?? {};
  if (replay !== false) {
    if (typeof replay !== 'object' || replay === null) {
      issues.push('replay must be { scope?, maxEntries? } or false');
    } else {
      if (replay.scope !== undefined && replay.scope !== 'process' && replay.scope !== 'store') {
        issues.push("replay.scope must be 'process' or 'store'");
      }
      if (replay.scope === 'store' && typeof store?.claimDelivery !== 'function') {
        issues.push(
          `replay.scope 'store' needs a registry store that shares replay records (memoryStore() does; "${store?.name}" does not): use scope 'process'`,
        );
      }
      if (
        replay.maxEntries !== undefined &&
        (!Number.isInteger(replay.maxEntries) || replay.maxEntries < 1)
      ) {
        issues.push('replay.maxEntries must be a positive integer');
      }
    }
  }

  if (issues.length > 0) throw new ConfigError(issues);
  return {
    replay,
    hmac,
    sources,
    cache,
    store,
    policy,
    overrides,
    audit,
    auditBufferSize,
    auditAccepts,
    clock,
    telemetry: options.telemetry ?? {},
  };
}

function duration(value: unknown, fallback: number, name: string, issues: string[]): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    issues.push(`${name} must be a non-negative number of milliseconds`);
    return fallback;
  }
  if (value > MAX_DURATION_MS) {
    issues.push(`${name} must be at most ${MAX_DURATION_MS} ms (100 years)`);
    return fallback;
  }
  return value;
}

function anchor(
  value: unknown,
  fallback: GraceAnchor,
  name: string,
  issues: string[],
): GraceAnchor {
  if (value === undefined) return fallback;
  if (!GRACE_ANCHORS.includes(value as GraceAnchor)) {
    issues.push(`${name} must be 'activation' or 'promotion'`);
    return fallback;
  }
  return value as GraceAnchor;
}

function isAuditOption(value: unknown): boolean {
  const isSink = (item: unknown) =>
    typeof item === 'function' || typeof (item as AuditSink | undefined)?.write === 'function';
  if (value === false) return true;
  return Array.isArray(value) ? value.every(isSink) : isSink(value);
}
