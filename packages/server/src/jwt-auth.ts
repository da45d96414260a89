import { ConfigError } from '@baton/core';
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import {
  DEFAULT_ALGORITHMS,
  DEFAULT_CLOCK_TOLERANCE_SEC,
  DEFAULT_JWKS_CACHE_MAX_AGE_MS,
  DEFAULT_JWKS_COOLDOWN_MS,
  DEFAULT_JWKS_TIMEOUT_MS,
  DEFAULT_VERIFIED_TOKEN_TTL_MS,
  MAX_VERIFIED_TOKENS,
} from './constants.js';
import { Grants, scopesOf } from './scopes.js';

export interface JwtAuthOptions {
  /** Where the issuer publishes its signing keys, e.g. `https://issuer.example/.well-known/jwks.json`. */
  jwksUrl: string | URL;
  /** The `iss` every token must carry (one, or several accepted). */
  issuer: string | readonly string[];
  /** The `aud` every token must include (one, or several accepted). */
  audience: string | readonly string[];
  /**
   * Accepted signature algorithms. Default: RS*, PS*, ES* and EdDSA. `none` and HS* are
   * refused here: the JWKS holds public keys, and a token "signed" with one as an HMAC key
   * must never verify.
   */
  algorithms?: readonly string[];
  /** Seconds of clock difference allowed for `exp` and `nbf`. Default 30. */
  clockToleranceSec?: number;
  /** Least time between two JWKS fetches (an unknown `kid` refetches at most this often). Default 30 000. */
  jwksCooldownMs?: number;
  /** How long fetched keys are used before a refetch. Default 600 000 (10 min). */
  jwksCacheMaxAgeMs?: number;
  /** How long a JWKS fetch may take. Default 5000. */
  jwksTimeoutMs?: number;
  /**
   * How long a verified token is remembered, so its next requests skip the signature check
   * (never past its `exp`); 0 turns it off. Keys removed from the JWKS stop working for
   * remembered tokens after at most this long. Default 60 000 (1 min).
   */
  verifiedTokenTtlMs?: number;
  /** Epoch milliseconds, for `exp` and `nbf`. Default `Date.now`. */
  clock?: () => number;
}

/**
 * Why a request was not authenticated: no bearer token, a token that does not parse, a
 * signature that does not verify, a key id the JWKS lacks, an algorithm off the list, an
 * expired or not-yet-valid token, a wrong issuer or audience or a missing `sub`/`exp`; or
 * the JWKS could not be fetched (the only one answered 503: the token may be fine).
 */
export type AuthFailureReason =
  | 'missing_token'
  | 'malformed'
  | 'bad_signature'
  | 'unknown_key'
  | 'algorithm'
  | 'expired'
  | 'not_yet_valid'
  | 'claims'
  | 'jwks_unavailable';

/** An authenticated caller: its `sub` and what its scopes grant. */
export interface Caller {
  readonly subject: string;
  readonly grants: Grants;
  /** When the token expires (epoch ms): event streams end then. */
  readonly expiresAt: number;
}

export type AuthResult =
  | { readonly ok: true; readonly caller: Caller }
  | { readonly ok: false; readonly reason: AuthFailureReason };

const BEARER = /^Bearer +([A-Za-z0-9\-_.~+/]+=*) *$/i;

/**
 * Verifies `Authorization: Bearer <JWT>` headers with `jose` against a remote JWKS (cached,
 * refetched for an unknown `kid` once the cooldown has passed).
 *
 * @example
 * const auth = jwtAuth({ jwksUrl: 'https://id.example/jwks.json', issuer: 'https://id.example/', audience: 'secrets-api' });
 * const result = await auth.authenticate(req.headers.authorization);
 */
export function jwtAuth(options: JwtAuthOptions) {
  const problems: string[] = [];
  let jwksUrl: URL | undefined;
  try {
    jwksUrl = new URL(options.jwksUrl);
    if (jwksUrl.protocol !== 'https:' && jwksUrl.protocol !== 'http:') throw new Error('scheme');
  } catch {
    problems.push('jwksUrl must be an http(s) URL of the issuer’s JWKS');
  }
  const issuer =
    typeof options.issuer === 'string' ? [options.issuer] : [...(options.issuer ?? [])];
  const audience =
    typeof options.audience === 'string' ? [options.audience] : [...(options.audience ?? [])];
  if (issuer.length === 0 || issuer.some((value) => typeof value !== 'string' || value === '')) {
    problems.push('issuer must be the issuer’s identifier (the tokens’ iss)');
  }
  if (
    audience.length === 0 ||
    audience.some((value) => typeof value !== 'string' || value === '')
  ) {
    problems.push('audience must name this service as the tokens’ aud says it');
  }
  const algorithms = [...(options.algorithms ?? DEFAULT_ALGORITHMS)];
  const unsafe = algorithms.filter((alg) => alg === 'none' || /^HS/i.test(alg));
  if (unsafe.length > 0 || algorithms.length === 0) {
    problems.push(
      `algorithms must list asymmetric algorithms only (refused: ${unsafe.join(', ') || 'an empty list'})`,
    );
  }
  const tolerance = options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
  if (!Number.isFinite(tolerance) || tolerance < 0) {
    problems.push('clockToleranceSec must be a non-negative number');
  }
  if (problems.length > 0 || jwksUrl === undefined) throw new ConfigError(problems);

  const keys = createRemoteJWKSet(jwksUrl, {
    cooldownDuration: options.jwksCooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS,
    cacheMaxAge: options.jwksCacheMaxAgeMs ?? DEFAULT_JWKS_CACHE_MAX_AGE_MS,
    timeoutDuration: options.jwksTimeoutMs ?? DEFAULT_JWKS_TIMEOUT_MS,
  });
  const clock = options.clock ?? Date.now;
  const rememberMs = options.verifiedTokenTtlMs ?? DEFAULT_VERIFIED_TOKEN_TTL_MS;
  // Token text → the caller it verified as, until when. Insertion-ordered: the oldest goes first.
  const verified = new Map<string, { caller: Caller; until: number }>();

  return {
    /** Verifies an `Authorization` header value. Never throws. */
    async authenticate(header: string | undefined): Promise<AuthResult> {
      if (header === undefined || header === '') return { ok: false, reason: 'missing_token' };
      const token = BEARER.exec(header)?.[1];
      if (token === undefined) return { ok: false, reason: 'malformed' };
      const now = clock();
      const known = verified.get(token);
      if (known !== undefined) {
        if (now < known.until) return { ok: true, caller: known.caller };
        verified.delete(token);
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer,
          audience,
          algorithms,
          clockTolerance: tolerance,
          currentDate: new Date(now),
          requiredClaims: ['sub', 'exp'],
        }));
      } catch (error) {
        return { ok: false, reason: failureReason(error) };
      }
      const caller: Caller = {
        subject: payload.sub as string,
        grants: new Grants(scopesOf(payload)),
        expiresAt: ((payload.exp as number) + tolerance) * 1000,
      };
      if (rememberMs > 0) {
        if (verified.size >= MAX_VERIFIED_TOKENS) {
          verified.delete(verified.keys().next().value as string);
        }
        verified.set(token, { caller, until: Math.min(now + rememberMs, caller.expiresAt) });
      }
      return { ok: true, caller };
    },
  };
}

/** What `jwtAuth` answers. */
export type JwtAuth = ReturnType<typeof jwtAuth>;

function failureReason(error: unknown): AuthFailureReason {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    return error.claim === 'nbf' ? 'not_yet_valid' : 'claims';
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (error instanceof errors.JWKSNoMatchingKey) return 'unknown_key';
  if (error instanceof errors.JWKSMultipleMatchingKeys) return 'unknown_key';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm';
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JWKInvalid
  ) {
    return 'malformed';
  }
  // A JWKS that timed out, failed to fetch, or was not a key set: the token is unjudged.
  return 'jwks_unavailable';
}
