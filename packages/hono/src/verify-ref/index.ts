import { type Baton, ConfigError, type Proof, parseRef } from '@baton/core';
import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { HTTPException } from 'hono/http-exception';
import { type BatonInput, batonFor } from '../baton-input.js';
import { DEFAULT_PROOF, UNAUTHORIZED_BODY, UNAVAILABLE_BODY } from '../constants.js';

export interface VerifyRefOptions {
  /** The logical secret whose refs are accepted, e.g. `'WEBHOOK_SECRET'`. Required. */
  logical: string;
  /**
   * How the caller proves it holds the secret of the ref it presents:
   * `'signature'` (HMAC of the raw body, `x-baton-signature`), `'value'` (the secret in
   * `x-baton-key`) or `'none'` (the ref alone; choose it only on purpose).
   * @default 'signature'
   */
  proof?: Proof;
  /**
   * Accepted distance in seconds between `x-baton-timestamp` and the Baton's clock.
   * @default 300
   */
  toleranceSec?: number;
}

/** What an accepted request presented: `c.var.verifiedRef`. */
export interface VerifiedRef {
  readonly logical: string;
  /** The canonical ref the caller presented and proved. */
  readonly ref: string;
  /** `'previous'` while callers still use the ref a rotation replaced. */
  readonly match: 'current' | 'previous';
}

/** Variables set by {@link verifyRef}. */
export interface VerifyRefVariables {
  baton: Baton;
  verifiedRef: VerifiedRef;
}

const PROOFS: readonly Proof[] = ['signature', 'value', 'none'];
let utf8: TextDecoder | undefined;

/**
 * Verifies the ref a caller presents (`x-baton-ref`) against the rotation registry, with
 * proof that the caller holds its secret. A rejected request gets 401 `{"error":"unauthorized"}`
 * (the reason goes to the audit event); when the secret of an accepted ref cannot be read,
 * or the registry cannot be loaded, 503 `{"error":"unavailable"}`. Both are thrown as
 * `HTTPException`, so `app.onError` sees them and their `cause`. The raw body is read with
 * `c.req.arrayBuffer()`, which Hono caches: the handler can still read the body. Put Hono's
 * `bodyLimit` before it to bound what is read.
 *
 * @example
 * app.post(
 *   '/hooks/billing',
 *   verifyRef(baton, { logical: 'WEBHOOK_SECRET' }),
 *   async (c) => c.json({ received: await c.req.json(), ref: c.var.verifiedRef.ref }),
 * );
 */
export function verifyRef<B extends object = object>(
  baton: BatonInput<B>,
  options: VerifyRefOptions,
): MiddlewareHandler<{ Bindings: B; Variables: VerifyRefVariables }> {
  const { logical, proof = DEFAULT_PROOF, toleranceSec } = checkOptions(baton, options);
  return createMiddleware<{ Bindings: B; Variables: VerifyRefVariables }>(async (c, next) => {
    let instance: Baton;
    try {
      instance = await batonFor(baton, c);
    } catch (cause) {
      throw new HTTPException(503, { res: c.json(UNAVAILABLE_BODY, 503), cause });
    }
    let body: Uint8Array | undefined;
    if (proof === 'signature') {
      try {
        body = new Uint8Array(await c.req.arrayBuffer());
      } catch (cause) {
        // A body that cannot be read (the client went away) cannot be verified.
        throw new HTTPException(401, { res: c.json(UNAUTHORIZED_BODY, 401), cause });
      }
      // Hono would turn the cached bytes into text for c.req.text()/json() through a new
      // Response per request; decoding once here (the same UTF-8 decoding) is far cheaper.
      // Hono keeps promises in bodyCache, whatever its type says.
      const cache = c.req.bodyCache as { text?: Promise<string> };
      utf8 ??= new TextDecoder();
      cache.text ??= Promise.resolve(utf8.decode(body));
    }
    const result = await instance.verifyRequest({
      logical,
      proof,
      headers: c.req.raw.headers,
      ...(body === undefined ? {} : { body }),
      ...(toleranceSec === undefined ? {} : { toleranceSec }),
    });
    if (!result.ok) {
      const answer = result.status === 503 ? UNAVAILABLE_BODY : UNAUTHORIZED_BODY;
      throw new HTTPException(result.status, { res: c.json(answer, result.status) });
    }
    c.set('baton', instance);
    c.set('verifiedRef', { logical, ref: result.ref, match: result.match });
    await next();
  });
}

function checkOptions(baton: unknown, options: VerifyRefOptions): VerifyRefOptions {
  const issues: string[] = [];
  if (
    typeof baton !== 'function' &&
    typeof (baton as Baton | undefined)?.verifyRequest !== 'function'
  ) {
    issues.push('verifyRef(baton, options): baton must be a Baton or a function (c) => Baton');
  }
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError([...issues, 'verifyRef(baton, options): options must be an object']);
  }
  const { logical, proof, toleranceSec } = options;
  try {
    if (parseRef(logical).version !== undefined) {
      issues.push(
        `verifyRef: logical must be a name without a version, e.g. ${parseRef(logical).name}`,
      );
    }
  } catch {
    issues.push('verifyRef: logical must be a secret name such as WEBHOOK_SECRET');
  }
  if (proof !== undefined && !PROOFS.includes(proof)) {
    issues.push(`verifyRef: proof must be 'signature', 'value' or 'none'`);
  }
  if (
    toleranceSec !== undefined &&
    (typeof toleranceSec !== 'number' || !Number.isFinite(toleranceSec) || toleranceSec < 0)
  ) {
    issues.push('verifyRef: toleranceSec must be a non-negative number of seconds');
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return options;
}
