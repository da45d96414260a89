import {
  type Baton,
  type BodyReadResult,
  ConfigError,
  DEFAULT_BODY_LIMIT,
  DEFAULT_TOLERANCE_SEC,
  type Proof,
  type SignatureProtocol,
  tryParseRef,
  type VerifyRequestResult,
  verifyOptionIssues,
} from '@baton/core';
import { readBody } from '@baton/core/node';
import type { Request, RequestHandler, Response } from 'express';
import { answer } from './answer.js';
import { REJECTION_TEXT } from './constants.js';

/**
 * Why `verifyRef` refused a request, as core decided it: 401 for the caller's mistakes, 413
 * for a body over `limit`, 503 when the server cannot decide (the registry or the secret
 * cannot be read, or a body parser consumed the body first).
 */
export type VerifyRejection = Extract<VerifyRequestResult, { ok: false }>;

export interface VerifyRefOptions {
  /** The logical secret callers must hold a ref of, e.g. `'WEBHOOK_SECRET'`. Required. */
  logical: string;
  /**
   * How the caller proves it holds the secret. Default `'signature'`: an HMAC of the raw body
   * (`x-baton-signature`, `x-baton-timestamp`). `'value'`: the secret itself in `x-baton-key`
   * (API-key style). `'none'`: the ref alone, only when chosen explicitly. The body is read
   * only for `'signature'`.
   */
  proof?: Proof;
  /**
   * The wire format. Default `'baton'` (`x-baton-*` headers). `'standard-webhooks'`: the
   * Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`) with
   * a signature made with the secret of `logical` (current, or previous inside grace);
   * signature proof only.
   */
  protocol?: SignatureProtocol;
  /** Accepted distance between the signed timestamp and the Baton's clock. Default 300 s. */
  toleranceSec?: number;
  /**
   * Most bytes of body read for signature proof when no `express.raw()` ran before; a larger
   * body is answered 413. Default 1 048 576 (1 MiB).
   */
  limit?: number;
  /**
   * Answers a refused request instead of the default (401 `{"error":"unauthorized"}`, 503
   * `{"error":"unavailable"}`, 413 `{"error":"payload_too_large"}`). It must send a
   * response; a thrown error goes to Express's error handling.
   */
  onReject?: (req: Request, res: Response, rejection: VerifyRejection) => void | Promise<void>;
}

/**
 * Express middleware that accepts a request only when it presents a ref of `logical` that
 * the registry accepts (current, or previous within grace) with proof that the caller holds
 * that ref's secret. Every decision is made by `baton.verifyRequest`, so it leaves one audit
 * event and one `baton.verify` metric. On success `req.baton` is `{ logical, ref, match, id? }`;
 * with signature proof `req.body` holds the raw bytes (a `Buffer`). With
 * `protocol: 'standard-webhooks'` the route's `logical` fixes the secret and no ref is sent.
 *
 * @example
 * app.post('/webhooks/payments', verifyRef(baton, { logical: 'WEBHOOK_SECRET' }), (req, res) => {
 *   const event = JSON.parse(req.body.toString('utf8'));
 *   res.json({ received: event.id, ref: req.baton?.ref });
 * });
 * app.get('/reports', verifyRef(baton, { logical: 'API_KEY', proof: 'value' }), listReports);
 * app.post('/hooks', verifyRef(baton, { logical: 'HOOK_SECRET', protocol: 'standard-webhooks' }), receive);
 */
export function verifyRef(baton: Baton, options: VerifyRefOptions): RequestHandler {
  const { logical, proof, protocol, toleranceSec, limit, onReject } = resolveOptions(
    baton,
    options,
  );
  const reject = async (req: Request, res: Response, rejection: VerifyRejection) => {
    if (onReject !== undefined) return onReject(req, res, rejection);
    answer(res, rejection.status, REJECTION_TEXT[rejection.status]);
  };

  return async function batonVerifyRef(req, res, next) {
    const result = await baton.verifyRequest({
      logical,
      proof,
      protocol,
      headers: req.headers,
      body: () => rawBody(req, limit),
      toleranceSec,
    });
    if (result.ok) {
      const { logical: verified, ref, match, id } = result;
      req.baton =
        id === undefined
          ? { logical: verified, ref, match }
          : { logical: verified, ref, match, id };
      return next();
    }
    // The caller went away mid-body: there is nobody to answer.
    if (result.reason === 'body_aborted') return;
    return reject(req, res, result);
  };
}

/**
 * The raw bytes of a request: the buffer `express.raw()` left, or read here (bounded) and left
 * in `req.body` for the handler. A body a parser already turned into something else is
 * reported as consumed, with how to mount things instead.
 */
async function rawBody(req: Request, limit: number): Promise<BodyReadResult> {
  const given: unknown = req.body;
  if (given instanceof Uint8Array) return { kind: 'read', body: given };
  if (req.readableEnded) {
    return {
      kind: 'consumed',
      fix:
        `req.body is ${describeBody(given)}. Mount express.raw({ type: '*/*' }) on this route ` +
        'instead of a JSON, text or urlencoded parser, or mount verifyRef before them; ' +
        'verifyRef leaves the raw bytes in req.body.',
    };
  }
  // The caller went away before its body was read.
  if (!req.readable) return ABORTED;
  const read = await readBody(req, limit);
  if (read.kind === 'read') req.body = read.body;
  return read;
}

const ABORTED: BodyReadResult = { kind: 'aborted' };

interface ResolvedOptions {
  logical: string;
  proof: Proof;
  protocol: SignatureProtocol;
  toleranceSec: number;
  limit: number;
  onReject: VerifyRefOptions['onReject'];
}

/** Merges defaults and checks every option, reporting all problems in one `ConfigError`. */
function resolveOptions(baton: Baton, options: VerifyRefOptions): ResolvedOptions {
  const issues: string[] = [];
  if (typeof baton?.verifyRequest !== 'function' || typeof baton?.ready !== 'function') {
    issues.push('verifyRef(baton, options): baton must be a Baton (createBaton())');
  }
  const given = (options ?? {}) as Partial<VerifyRefOptions>;
  const logical = given.logical;
  const parsed = tryParseRef(logical);
  if (parsed === undefined || parsed.version !== undefined) {
    issues.push(
      'logical must be the logical name of a secret, such as WEBHOOK_SECRET (a name without a version)',
    );
  }
  const proof = given.proof ?? 'signature';
  const protocol = given.protocol ?? 'baton';
  const toleranceSec = given.toleranceSec ?? DEFAULT_TOLERANCE_SEC;
  issues.push(...verifyOptionIssues(given));
  const limit = given.limit ?? DEFAULT_BODY_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    issues.push('limit must be a non-negative whole number of bytes');
  }
  if (given.onReject !== undefined && typeof given.onReject !== 'function') {
    issues.push('onReject must be a function (req, res, rejection)');
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    logical: logical as string,
    proof,
    protocol,
    toleranceSec,
    limit,
    onReject: given.onReject,
  };
}

/** What an earlier middleware left in `req.body`, for the error message (never the content). */
function describeBody(body: unknown): string {
  if (body === undefined) return 'undefined';
  if (body === null) return 'null';
  if (typeof body === 'string') return 'a string, as express.text() leaves it';
  if (typeof body === 'object')
    return 'an object, as express.json() or express.urlencoded() leave it';
  return `a ${typeof body}`;
}
