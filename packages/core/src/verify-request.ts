import { conceal } from './conceal.js';
import {
  DEFAULT_TOLERANCE_SEC,
  HEADER_ID,
  HEADER_KEY,
  HEADER_REF,
  HEADER_SIGNATURE,
  HEADER_TIMESTAMP,
  HEADER_WEBHOOK_ID,
  HEADER_WEBHOOK_SIGNATURE,
  HEADER_WEBHOOK_TIMESTAMP,
  MAX_PRESENTED_KEY_LENGTH,
  WEBHOOK_SECRET_PREFIX,
} from './constants.js';
import { BatonError, ConfigError, describe } from './errors.js';
import type { HmacEngine } from './hmac-engine.js';
import type { Notices } from './notices.js';
import type { AcceptedRef, CheckRejectReason, Registry } from './registry.js';
import type { DeliveryClaim } from './replay-cache.js';
import type { SecretResolver } from './secret-resolver.js';
import {
  comparisonKey,
  isMessageId,
  parseSignature,
  type SignedBody,
  signedPayload,
} from './signature.js';
import {
  isWebhookId,
  matchesAny,
  parseWebhookSignatures,
  webhookKey,
  webhookPayload,
} from './standard-webhooks.js';
import { utf8 } from './utf8.js';

/** How a caller proves it holds the secret of the ref it presents. */
export type Proof = 'signature' | 'value' | 'none';

/**
 * The wire format of a signed request: `'baton'` (`x-baton-*` headers, a presented ref) or
 * `'standard-webhooks'` (`webhook-*` headers; the route fixes the logical name, and any of the
 * signatures may verify with the current secret, or the previous one inside grace).
 */
export type SignatureProtocol = 'baton' | 'standard-webhooks';

const PROOFS: readonly unknown[] = ['signature', 'value', 'none'];
const PROTOCOLS: readonly unknown[] = ['baton', 'standard-webhooks'];

/**
 * What is wrong with the verification options every adapter shares (`proof`, `protocol`,
 * `toleranceSec`), one message per problem, so an adapter reports them all in one
 * `ConfigError` when its middleware is made (prefixed as it likes).
 *
 * @example
 * verifyOptionIssues({ proof: 'value', protocol: 'standard-webhooks' });
 * // ["protocol 'standard-webhooks' takes proof 'signature' only"]
 */
export function verifyOptionIssues(options: {
  proof?: unknown;
  protocol?: unknown;
  toleranceSec?: unknown;
}): string[] {
  const issues: string[] = [];
  const proof = options.proof ?? 'signature';
  if (!PROOFS.includes(proof)) issues.push(`proof must be 'signature', 'value' or 'none'`);
  const protocol = options.protocol ?? 'baton';
  if (!PROTOCOLS.includes(protocol)) {
    issues.push(`protocol must be 'baton' or 'standard-webhooks'`);
  } else if (protocol === 'standard-webhooks' && proof !== 'signature') {
    issues.push(`protocol 'standard-webhooks' takes proof 'signature' only`);
  }
  const tolerance = options.toleranceSec;
  if (
    tolerance !== undefined &&
    !(typeof tolerance === 'number' && Number.isFinite(tolerance) && tolerance >= 0)
  ) {
    issues.push('toleranceSec must be a non-negative number of seconds');
  }
  return issues;
}

/**
 * Records one delivery of a verified message; `false` when it is a replay. Per process by
 * default, or a registry store's `claimDelivery`.
 */
export type ReplayGuard = (claim: DeliveryClaim) => boolean | Promise<boolean>;

/**
 * Request headers as any framework has them: a Fetch `Headers`, a Node header record
 * (lowercase names), or a lookup function.
 */
export type HeaderInput =
  | { get(name: string): string | null | undefined }
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | ((name: string) => string | null | undefined);

/**
 * What reading a request body gave an adapter: the bytes, a body over its limit, a caller
 * that went away mid-body, or a body an earlier middleware already consumed (`fix` tells the
 * developer how to mount things, never what the body held).
 */
export type BodyReadResult =
  | { readonly kind: 'read'; readonly body: SignedBody }
  | { readonly kind: 'too_large' }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'consumed'; readonly fix: string };

export interface VerifyRequestInput {
  /** The logical secret the caller must hold a ref of. */
  logical: string;
  /** Default `'signature'`. `'none'` checks the ref only: choose it explicitly. */
  proof?: Proof;
  /** Default `'baton'`. `'standard-webhooks'` takes signature proof only. */
  protocol?: SignatureProtocol;
  headers: HeaderInput;
  /**
   * The raw body, exactly as received (needed for `'signature'`; absent means empty), or a
   * function that reads it. The function is called only after the headers have passed every
   * check, so a request that presents nothing verifiable is refused before its body is read.
   */
  body?: SignedBody | (() => BodyReadResult | Promise<BodyReadResult>);
  /** Accepted distance between the signed timestamp and the clock. Default 300 s. */
  toleranceSec?: number;
}

/**
 * Why a request was not accepted. The server's own faults are `registry_unavailable` (the
 * store cannot be read), `secret_unavailable` (the ref's secret cannot be read) and
 * `body_consumed` (a body parser ran before verification); `body_too_large` is a body over
 * the adapter's limit, `body_aborted` a caller that went away mid-body.
 */
export type VerifyRejectReason =
  | CheckRejectReason
  | 'registry_unavailable'
  | 'body_too_large'
  | 'body_aborted'
  | 'body_consumed'
  | 'missing_ref'
  | 'missing_timestamp'
  | 'malformed_timestamp'
  | 'stale_timestamp'
  | 'missing_signature'
  | 'malformed_signature'
  | 'bad_signature'
  | 'missing_key'
  | 'malformed_key'
  | 'bad_key'
  | 'missing_id'
  | 'malformed_id'
  | 'replayed'
  | 'secret_unavailable';

export type VerifyRequestResult =
  | {
      readonly ok: true;
      readonly logical: string;
      readonly ref: string;
      readonly match: 'current' | 'previous';
      /** The message id (`webhook-id`, or `x-baton-id` when sent): a key for idempotency. */
      readonly id?: string;
    }
  | {
      readonly ok: false;
      readonly reason: VerifyRejectReason;
      /**
       * The HTTP status to answer: 401; 413 for a body over the limit; 503 when the server
       * cannot decide (registry or secret unreadable, body consumed before verification: the
       * caller did nothing wrong and should retry).
       */
      readonly status: 401 | 413 | 503;
    };

const STATUS: Readonly<Partial<Record<VerifyRejectReason, 413 | 503>>> = {
  registry_unavailable: 503,
  secret_unavailable: 503,
  body_consumed: 503,
  body_too_large: 413,
};

/** Derived key material of one secret value, made once per value. */
interface Material {
  readonly value: string;
  readonly hmacKey: unknown;
  valueMac: Promise<Uint8Array> | Uint8Array | undefined;
  /** The Standard Webhooks key (`whsec_` decoded), made on first use; `null` when unusable. */
  webhookKey: unknown;
}

const MATERIAL_LIMIT = 1000;
const TIMESTAMP_PATTERN = /^[0-9]{1,15}$/;

/**
 * Verifies a request against the registry and the presented proof, and records one audit
 * event and one `baton.verify` count for the decision. Every adapter calls this.
 */
export class RequestVerifier {
  private readonly materials = new Map<string, Material>();

  constructor(
    private readonly registry: Registry,
    private readonly resolver: SecretResolver,
    private readonly clock: () => number,
    private readonly engine: HmacEngine,
    private readonly notices: Notices,
    private readonly replay: ReplayGuard | undefined,
  ) {
    conceal(this, () => `RequestVerifier { ${this.materials.size} keys }`);
  }

  async verify(input: VerifyRequestInput): Promise<VerifyRequestResult> {
    const { logical } = input;
    const proof = input.proof ?? 'signature';
    const tolerance = input.toleranceSec ?? DEFAULT_TOLERANCE_SEC;
    const protocol = input.protocol ?? 'baton';
    if (
      (proof !== 'signature' && proof !== 'value' && proof !== 'none') ||
      // NaN would make every timestamp look fresh.
      !(typeof tolerance === 'number' && Number.isFinite(tolerance) && tolerance >= 0) ||
      (protocol !== 'baton' && (protocol !== 'standard-webhooks' || proof !== 'signature'))
    ) {
      throw new ConfigError(verifyOptionIssues(input));
    }
    if (protocol === 'standard-webhooks') return this.verifyWebhook(input, tolerance);
    const read = headerReader(input.headers);
    const presented = read(HEADER_REF);
    if (!this.registry.isReady) {
      const failure = await this.load(logical);
      if (failure !== undefined) return this.reject(logical, failure, presented, this.clock());
    }
    const now = this.clock();
    if (presented === undefined) return this.reject(logical, 'missing_ref', presented, now);
    const decision = this.registry.decide(logical, presented, now);
    if (!decision.accepted) return this.reject(logical, decision.reason, presented, now);

    let failure: VerifyRejectReason | undefined;
    let id: string | undefined;
    if (proof === 'signature') {
      id = read(HEADER_ID);
      failure =
        id !== undefined && !isMessageId(id)
          ? 'malformed_id'
          : await this.checkSignature(input, tolerance, read, decision.ref, now, id);
      if (failure === undefined && id !== undefined) {
        failure = await this.claim(logical, id, read(HEADER_TIMESTAMP) as string, tolerance);
      }
    } else if (proof === 'value') failure = await this.checkValue(logical, read, decision.ref);
    if (failure !== undefined) return this.reject(logical, failure, presented, now);
    return this.accept(logical, decision, now, id);
  }

  /**
   * A Standard Webhooks request: the route names the logical secret, the headers name no
   * ref, and any signature may verify with the current secret or the previous one in grace.
   * Every header is checked before the body is read.
   */
  private async verifyWebhook(
    input: VerifyRequestInput,
    tolerance: number,
  ): Promise<VerifyRequestResult> {
    const { logical } = input;
    if (!this.registry.isReady) {
      const failure = await this.load(logical);
      if (failure !== undefined) return this.reject(logical, failure, undefined, this.clock());
    }
    const read = headerReader(input.headers);
    const now = this.clock();
    const id = read(HEADER_WEBHOOK_ID);
    const timestamp = read(HEADER_WEBHOOK_TIMESTAMP);
    const header = read(HEADER_WEBHOOK_SIGNATURE);
    const signatures = parseWebhookSignatures(header);
    const failure =
      id === undefined
        ? 'missing_id'
        : !isWebhookId(id)
          ? 'malformed_id'
          : (timestampProblem(timestamp, now, tolerance) ??
            (header === undefined
              ? 'missing_signature'
              : signatures === undefined
                ? 'malformed_signature'
                : undefined));
    if (failure !== undefined) return this.reject(logical, failure, undefined, now);
    const candidates = this.registry.acceptedRefs(logical, now);
    if (typeof candidates === 'string') return this.reject(logical, candidates, undefined, now);
    const body = await this.body(input);
    if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
      return this.reject(logical, body.reason, undefined, now);
    }
    const payload = webhookPayload(id as string, timestamp as string, body);
    let unavailable = false;
    for (const candidate of candidates) {
      const key = await this.webhookKey(logical, candidate.ref);
      if (key === undefined) {
        unavailable = true;
        continue;
      }
      const mac = await this.engine.sign(key, payload);
      if (!matchesAny(signatures as Uint8Array[], mac)) continue;
      const replayed = await this.claim(logical, id as string, timestamp as string, tolerance);
      if (replayed !== undefined) return this.reject(logical, replayed, undefined, now);
      return this.accept(logical, candidate, now, id);
    }
    return this.reject(
      logical,
      unavailable ? 'secret_unavailable' : 'bad_signature',
      undefined,
      now,
    );
  }

  private accept(
    logical: string,
    accepted: AcceptedRef,
    now: number,
    id: string | undefined,
  ): VerifyRequestResult {
    this.registry.recordAccept(logical, accepted.ref, accepted.match, now);
    return id === undefined
      ? { ok: true, logical, ref: accepted.ref, match: accepted.match }
      : { ok: true, logical, ref: accepted.ref, match: accepted.match, id };
  }

  /**
   * Records a verified message id; the reason to refuse it, if any. A record lasts until the
   * signed timestamp leaves the tolerance: after that the timestamp check refuses every copy.
   */
  private async claim(
    logical: string,
    id: string,
    timestamp: string,
    tolerance: number,
  ): Promise<VerifyRejectReason | undefined> {
    if (this.replay === undefined) return undefined;
    const seconds = Number(timestamp);
    try {
      const fresh = await this.replay({
        key: `${logical}:${id}`,
        timestamp: seconds,
        expiresAt: (seconds + tolerance) * 1000,
      });
      return fresh ? undefined : 'replayed';
    } catch (error) {
      this.notices.limited(
        `replay_unavailable:${logical}`,
        `refused a request for ${logical} with 503: its message id could not be recorded for replay protection: ${explain(error)}`,
      );
      return 'registry_unavailable';
    }
  }

  /** Loads the registry for a request that came before `ready()`; the failure, if any. */
  private async load(logical: string): Promise<VerifyRejectReason | undefined> {
    try {
      await this.registry.ready();
      return undefined;
    } catch (error) {
      this.notices.limited(
        `registry_unavailable:${logical}`,
        `refused a request for ${logical} with 503: the registry could not be loaded: ${explain(error)}`,
      );
      return 'registry_unavailable';
    }
  }

  /**
   * Awaits only what may be pending (the body, and a secret or key not yet at hand): every
   * await of a settled value costs a turn of the microtask queue on each request.
   */
  private async checkSignature(
    input: VerifyRequestInput,
    tolerance: number,
    read: (name: string) => string | undefined,
    ref: string,
    now: number,
    id: string | undefined,
  ): Promise<VerifyRejectReason | undefined> {
    const timestamp = read(HEADER_TIMESTAMP);
    const stale = timestampProblem(timestamp, now, tolerance);
    if (stale !== undefined) return stale;
    const header = read(HEADER_SIGNATURE);
    if (header === undefined) return 'missing_signature';
    const signature = parseSignature(header);
    if (signature === undefined) return 'malformed_signature';
    const body = await this.body(input);
    if (typeof body !== 'string' && !(body instanceof Uint8Array)) return body.reason;
    const material = this.cachedMaterial(ref) ?? (await this.material(input.logical, ref));
    if (material === undefined) return 'secret_unavailable';
    const key = material.hmacKey;
    const verdict = this.engine.verify(
      key instanceof Promise ? await key : key,
      signature,
      signedPayload(timestamp as string, body, id),
    );
    return (typeof verdict === 'boolean' ? verdict : await verdict) ? undefined : 'bad_signature';
  }

  /** The signed body, read only now that the headers have passed. */
  private async body(
    input: VerifyRequestInput,
  ): Promise<SignedBody | { reason: VerifyRejectReason }> {
    const given = input.body;
    if (typeof given !== 'function') return given ?? '';
    const read = await given();
    switch (read.kind) {
      case 'read':
        return read.body;
      case 'too_large':
        return { reason: 'body_too_large' };
      case 'aborted':
        return { reason: 'body_aborted' };
      case 'consumed':
        this.notices.once(
          `body_consumed:${input.logical}`,
          `cannot verify signed requests for ${input.logical}: a body parser consumed the raw ` +
            `body before verification, and a signature covers the exact bytes. ${read.fix} ` +
            'Until then such requests are answered 503.',
        );
        return { reason: 'body_consumed' };
    }
  }

  private async checkValue(
    logical: string,
    read: (name: string) => string | undefined,
    ref: string,
  ): Promise<VerifyRejectReason | undefined> {
    const key = read(HEADER_KEY);
    if (key === undefined || key === '') return 'missing_key';
    if (key.length > MAX_PRESENTED_KEY_LENGTH) return 'malformed_key';
    const material = this.cachedMaterial(ref) ?? (await this.material(logical, ref));
    if (material === undefined) return 'secret_unavailable';
    const comparison = await comparisonKey(this.engine);
    material.valueMac ??= this.engine.sign(comparison, [material.value]);
    if (material.valueMac instanceof Promise) material.valueMac = await material.valueMac;
    const verdict = this.engine.verify(comparison, material.valueMac, [key]);
    return (typeof verdict === 'boolean' ? verdict : await verdict) ? undefined : 'bad_key';
  }

  /** The value of an accepted ref with its derived keys, or `undefined` when it cannot be read. */
  private async material(logical: string, ref: string): Promise<Material | undefined> {
    let value: string;
    try {
      value = await this.resolver.get(ref);
    } catch (error) {
      // The resolver has recorded a source failure (audit `source_error`, metrics); the
      // refusal is the server's fault, so it is also logged.
      this.notices.limited(
        `secret_unavailable:${ref}`,
        `refused a request for ${logical} with 503: the secret of ${ref} could not be read: ${explain(error)}`,
      );
      return undefined;
    }
    return this.materialOf(ref, value);
  }

  /** The material of a ref whose value is fresh in the cache, without waiting; else `undefined`. */
  private cachedMaterial(ref: string): Material | undefined {
    const value = this.resolver.cachedValue(ref);
    return value === undefined ? undefined : this.materialOf(ref, value);
  }

  private materialOf(ref: string, value: string): Material | undefined {
    // An empty value is never a key: resolvers answer it as absent, and this holds for any.
    if (value === '') return undefined;
    let material = this.materials.get(ref);
    if (material === undefined || material.value !== value) {
      if (this.materials.size >= MATERIAL_LIMIT) this.materials.clear();
      material = {
        value,
        hmacKey: this.engine.importKey(utf8(value)),
        valueMac: undefined,
        webhookKey: undefined,
      };
      this.materials.set(ref, material);
    }
    return material;
  }

  /**
   * The Standard Webhooks key of an accepted ref (`whsec_` decoded), or `undefined` when its
   * secret cannot be read or is not a usable key (said in the log, at most once a minute).
   */
  private async webhookKey(logical: string, ref: string): Promise<unknown> {
    const material = await this.material(logical, ref);
    if (material === undefined) return undefined;
    if (material.webhookKey === undefined) {
      if (!material.value.startsWith(WEBHOOK_SECRET_PREFIX)) material.webhookKey = material.hmacKey;
      else {
        const bytes = webhookKey(material.value);
        material.webhookKey = bytes === undefined ? null : this.engine.importKey(bytes);
      }
    }
    if (material.webhookKey === null) {
      this.notices.limited(
        `webhook_key:${ref}`,
        `refused a request for ${logical} with 503: the secret of ${ref} starts with ${WEBHOOK_SECRET_PREFIX} but the rest is not base64, so it is no Standard Webhooks key`,
      );
      return undefined;
    }
    return await material.webhookKey;
  }

  private reject(
    logical: string,
    reason: VerifyRejectReason,
    presented: unknown,
    now: number,
  ): VerifyRequestResult {
    this.registry.recordReject(logical, reason, presented, now);
    return { ok: false, reason, status: STATUS[reason] ?? 401 };
  }
}

/** What is wrong with a signed timestamp (Unix seconds), if anything. */
function timestampProblem(
  timestamp: string | undefined,
  now: number,
  tolerance: number,
): VerifyRejectReason | undefined {
  if (timestamp === undefined) return 'missing_timestamp';
  if (!TIMESTAMP_PATTERN.test(timestamp)) return 'malformed_timestamp';
  if (Math.abs(now / 1000 - Number(timestamp)) > tolerance) return 'stale_timestamp';
  return undefined;
}

/** A Baton error's message (written to name refs and sources, never values), or a kind. */
function explain(error: unknown): string {
  return error instanceof BatonError ? error.message : describe(error);
}
/** Reads one header as a single string; a repeated or non-text header counts as absent. */
function headerReader(headers: HeaderInput): (name: string) => string | undefined {
  if (typeof headers === 'function') return (name) => headers(name) ?? undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const fetchHeaders = headers as { get(name: string): string | null | undefined };
    return (name) => fetchHeaders.get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  return (name) => {
    const value = record[name];
    return typeof value === 'string' ? value : undefined;
  };
}
