import {
  type Baton,
  ConfigError,
  DEFAULT_TOLERANCE_SEC,
  type Proof,
  tryParseRef,
  type VerifyRequestResult,
} from '@baton/core';
import { readBody } from '@baton/core/node';
import type { Request, RequestHandler, Response } from 'express';
import { answer } from './answer.js';
import {
  DEFAULT_BODY_LIMIT,
  TOO_LARGE_BODY,
  UNAUTHORIZED_BODY,
  UNAVAILABLE_BODY,
} from './constants.js';
import { BodyConsumedError } from './errors.js';

/**
 * Why `verifyRef` refused a request: core's verdict (`status` 401, or 503 for
 * `secret_unavailable`), or one of the adapter's own refusals: a body over `limit` (413), or a
 * registry that could not be loaded from its store (503).
 */
export type VerifyRejection =
  | Extract<VerifyRequestResult, { ok: false }>
  | { readonly ok: false; readonly reason: 'body_too_large'; readonly status: 413 }
  | { readonly ok: false; readonly reason: 'registry_unavailable'; readonly status: 503 };

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
  /** Accepted distance between `x-baton-timestamp` and the Baton's clock. Default 300 s. */
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

const PROOFS: readonly Proof[] = ['signature', 'value', 'none'];

const BODY_TOO_LARGE: VerifyRejection = { ok: false, reason: 'body_too_large', status: 413 };
const REGISTRY_UNAVAILABLE: VerifyRejection = {
  ok: false,
  reason: 'registry_unavailable',
  status: 503,
};

/**
 * Express middleware that accepts a request only when it presents a ref of `logical` that
 * the registry accepts (current, or previous within grace) with proof that the caller holds
 * that ref's secret. Every decision is made by `baton.verifyRequest`, so it leaves one audit
 * event and one `baton.verify` metric. On success `req.baton` is `{ logical, ref, match }`;
 * with signature proof `req.body` holds the raw bytes (a `Buffer`).
 *
 * @example
 * app.post('/webhooks/payments', verifyRef(baton, { logical: 'WEBHOOK_SECRET' }), (req, res) => {
 *   const event = JSON.parse(req.body.toString('utf8'));
 *   res.json({ received: event.id, ref: req.baton?.ref });
 * });
 * app.get('/reports', verifyRef(baton, { logical: 'API_KEY', proof: 'value' }), listReports);
 */
export function verifyRef(baton: Baton, options: VerifyRefOptions): RequestHandler {
  const { logical, proof, toleranceSec, limit, onReject } = resolveOptions(baton, options);
  const reject = async (req: Request, res: Response, rejection: VerifyRejection) => {
    if (onReject !== undefined) return onReject(req, res, rejection);
    const body =
      rejection.status === 401
        ? UNAUTHORIZED_BODY
        : rejection.status === 413
          ? TOO_LARGE_BODY
          : UNAVAILABLE_BODY;
    answer(res, rejection.status, body);
  };
  let loaded = false;

  return async function batonVerifyRef(req, res, next) {
    if (!loaded) {
      try {
        await baton.ready();
        loaded = true;
      } catch {
        // Without a snapshot every ref would look unknown: a 401 would blame the caller.
        return reject(req, res, REGISTRY_UNAVAILABLE);
      }
    }

    let body: Uint8Array | undefined;
    if (proof === 'signature') {
      const given: unknown = req.body;
      if (given instanceof Uint8Array) {
        body = given;
      } else if (req.readableEnded) {
        return next(new BodyConsumedError(logical, describeBody(given)));
      } else if (!req.readable) {
        // The caller went away before its body was read: there is nobody to answer.
        return;
      } else {
        const read = await readBody(req, limit);
        // The caller went away: there is nobody to answer.
        if (read.kind === 'aborted') return;
        if (read.kind === 'too_large') return reject(req, res, BODY_TOO_LARGE);
        body = read.body;
        req.body = read.body;
      }
    }

    const result = await baton.verifyRequest({
      logical,
      proof,
      headers: req.headers,
      body,
      toleranceSec,
    });
    if (!result.ok) return reject(req, res, result);
    req.baton = { logical: result.logical, ref: result.ref, match: result.match };
    next();
  };
}

interface ResolvedOptions {
  logical: string;
  proof: Proof;
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
  if (!PROOFS.includes(proof)) issues.push(`proof must be 'signature', 'value' or 'none'`);
  const toleranceSec = given.toleranceSec ?? DEFAULT_TOLERANCE_SEC;
  if (typeof toleranceSec !== 'number' || !Number.isFinite(toleranceSec) || toleranceSec < 0) {
    issues.push('toleranceSec must be a non-negative number of seconds');
  }
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
