import { conceal } from './conceal.js';
import {
  DEFAULT_TOLERANCE_SEC,
  HEADER_KEY,
  HEADER_REF,
  HEADER_SIGNATURE,
  HEADER_TIMESTAMP,
  MAX_PRESENTED_KEY_LENGTH,
} from './constants.js';
import { BatonError, ConfigError, describe } from './errors.js';
import type { HmacEngine } from './hmac-engine.js';
import type { Notices } from './notices.js';
import type { CheckRejectReason, Registry } from './registry.js';
import type { SecretResolver } from './secret-resolver.js';
import {
  comparisonKey,
  parseSignature,
  type SignedBody,
  signedPayload,
  utf8,
} from './signature.js';

/** How a caller proves it holds the secret of the ref it presents. */
export type Proof = 'signature' | 'value' | 'none';

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
  | 'secret_unavailable';

export type VerifyRequestResult =
  | {
      readonly ok: true;
      readonly logical: string;
      readonly ref: string;
      readonly match: 'current' | 'previous';
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
  ) {
    conceal(this, () => `RequestVerifier { ${this.materials.size} keys }`);
  }

  async verify(input: VerifyRequestInput): Promise<VerifyRequestResult> {
    const { logical } = input;
    const proof = input.proof ?? 'signature';
    if (proof !== 'signature' && proof !== 'value' && proof !== 'none') {
      throw new ConfigError(`proof must be 'signature', 'value' or 'none'`);
    }
    const tolerance = input.toleranceSec ?? DEFAULT_TOLERANCE_SEC;
    if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0) {
      // NaN would make every timestamp look fresh.
      throw new ConfigError('toleranceSec must be a non-negative number of seconds');
    }
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
    if (proof === 'signature') {
      failure = await this.checkSignature(input, tolerance, read, decision.ref, now);
    } else if (proof === 'value') failure = await this.checkValue(logical, read, decision.ref);
    if (failure !== undefined) return this.reject(logical, failure, presented, now);

    this.registry.recordAccept(logical, decision.ref, decision.match, now);
    return { ok: true, logical, ref: decision.ref, match: decision.match };
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

  private async checkSignature(
    input: VerifyRequestInput,
    tolerance: number,
    read: (name: string) => string | undefined,
    ref: string,
    now: number,
  ): Promise<VerifyRejectReason | undefined> {
    const timestamp = read(HEADER_TIMESTAMP);
    if (timestamp === undefined) return 'missing_timestamp';
    if (!TIMESTAMP_PATTERN.test(timestamp)) return 'malformed_timestamp';
    if (Math.abs(now / 1000 - Number(timestamp)) > tolerance) return 'stale_timestamp';
    const header = read(HEADER_SIGNATURE);
    if (header === undefined) return 'missing_signature';
    const signature = parseSignature(header);
    if (signature === undefined) return 'malformed_signature';
    const body = await this.body(input);
    if (typeof body !== 'string' && !(body instanceof Uint8Array)) return body.reason;
    const material = await this.material(input.logical, ref);
    if (material === undefined) return 'secret_unavailable';
    const valid = await this.engine.verify(
      await material.hmacKey,
      signature,
      signedPayload(timestamp, body),
    );
    return valid ? undefined : 'bad_signature';
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
    const material = await this.material(logical, ref);
    if (material === undefined) return 'secret_unavailable';
    const comparison = await comparisonKey(this.engine);
    material.valueMac ??= this.engine.sign(comparison, [material.value]);
    const valid = await this.engine.verify(comparison, await material.valueMac, [key]);
    return valid ? undefined : 'bad_key';
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
    // An empty value is never a key: resolvers answer it as absent, and this holds for any.
    if (value === '') return undefined;
    let material = this.materials.get(ref);
    if (material === undefined || material.value !== value) {
      if (this.materials.size >= MATERIAL_LIMIT) this.materials.clear();
      material = { value, hmacKey: this.engine.importKey(utf8(value)), valueMac: undefined };
      this.materials.set(ref, material);
    }
    return material;
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
