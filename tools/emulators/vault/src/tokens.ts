import { randomBytes } from 'node:crypto';

/** A token Vault issued, with its lease. */
export interface IssuedToken {
  readonly id: string;
  readonly accessor: string;
  readonly policies: readonly string[];
  /** The namespace it was issued in ('' for the root namespace). */
  readonly namespace: string;
  readonly issuedAt: number;
  /** Epoch ms when it expires; `Infinity` for a token without TTL (the root token). */
  expiresAt: number;
  /** The latest it can be renewed to (its max TTL). */
  readonly maxExpiresAt: number;
  readonly ttlSec: number;
  readonly renewable: boolean;
  readonly metadata: Readonly<Record<string, string>>;
  revoked: boolean;
}

/** How a token is to be issued. */
export interface TokenSpec {
  readonly policies: readonly string[];
  /** Default 3600 (Vault's default lease is longer; an hour makes renewal visible). */
  readonly ttlSec?: number;
  /** Default 2 764 800 (768 h, Vault's default max TTL). */
  readonly maxTtlSec?: number;
  /** Default `true`. */
  readonly renewable?: boolean;
  /** Default `''`, the root namespace. */
  readonly namespace?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /** The token itself. Default: a new `hvs.` token. */
  readonly id?: string;
}

const DEFAULT_TTL_SEC = 3600;
const DEFAULT_MAX_TTL_SEC = 768 * 3600;

/** Tokens by id, leased by the emulator's clock. */
export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(private readonly clock: () => number) {}

  issue(spec: TokenSpec): IssuedToken {
    const now = this.clock();
    const ttlSec = spec.ttlSec ?? DEFAULT_TTL_SEC;
    const maxTtlSec = spec.maxTtlSec ?? DEFAULT_MAX_TTL_SEC;
    const token: IssuedToken = {
      id: spec.id ?? `hvs.${randomBytes(18).toString('base64url')}`,
      accessor: randomBytes(12).toString('base64url'),
      policies: ['default', ...spec.policies.filter((policy) => policy !== 'default')],
      namespace: spec.namespace ?? '',
      issuedAt: now,
      expiresAt: ttlSec === 0 ? Number.POSITIVE_INFINITY : now + Math.min(ttlSec, maxTtlSec) * 1000,
      maxExpiresAt: ttlSec === 0 ? Number.POSITIVE_INFINITY : now + maxTtlSec * 1000,
      ttlSec,
      renewable: ttlSec !== 0 && (spec.renewable ?? true),
      metadata: { ...(spec.metadata ?? {}) },
      revoked: false,
    };
    this.tokens.set(token.id, token);
    return token;
  }

  /** The token if it is valid now (not expired, not revoked). */
  valid(id: string): IssuedToken | undefined {
    const token = this.tokens.get(id);
    if (token === undefined || token.revoked || this.clock() >= token.expiresAt) return undefined;
    return token;
  }

  find(id: string): IssuedToken | undefined {
    return this.tokens.get(id);
  }

  /** Seconds the token has left (0 for one without TTL). */
  ttlLeft(token: IssuedToken): number {
    if (token.expiresAt === Number.POSITIVE_INFINITY) return 0;
    return Math.max(0, Math.floor((token.expiresAt - this.clock()) / 1000));
  }

  /** Extends the lease by `incrementSec` (default: its TTL), capped at its max TTL. */
  renew(token: IssuedToken, incrementSec: number | undefined): { capped: boolean } {
    const now = this.clock();
    const wanted = now + (incrementSec ?? token.ttlSec) * 1000;
    token.expiresAt = Math.min(wanted, token.maxExpiresAt);
    return { capped: wanted > token.maxExpiresAt };
  }
}
