import type { VaultAuth, VaultAuthContext, VaultLogin } from './auth.js';
import { RENEW_AFTER_FRACTION } from './constants.js';

interface Held {
  readonly token: string;
  /** Epoch ms (by the injected clock) from when the token is renewed; Infinity: never. */
  readonly renewAt: number;
  /** Epoch ms when it expires; Infinity: never. */
  readonly expiresAt: number;
  readonly renewable: boolean;
  /** The lease the login gave, to notice renewals capped by the max TTL. */
  readonly loginLeaseSec: number;
  /** A renewal came back capped: log in afresh next time instead of renewing. */
  readonly nearMaxTtl: boolean;
}

/** What the session needs from Vault besides the auth method's own calls. */
export interface TokenVault extends VaultAuthContext {
  /** `auth/token/renew-self`: the new lease. */
  renew(token: string): Promise<VaultLogin>;
}

/**
 * The token `vaultKv` sends: obtained by the auth method on first use, renewed once
 * two thirds of its lease have passed (by the injected clock), replaced by a fresh login when
 * it expired or Vault refused it. Logins and renewals are single flight: concurrent requests
 * share one.
 */
export class TokenSession {
  private held: Held | undefined;
  private pending: Promise<Held> | undefined;

  constructor(
    private readonly auth: VaultAuth,
    private readonly vault: TokenVault,
    private readonly clock: () => number,
  ) {}

  /** A token good for the next request. */
  async token(): Promise<string> {
    const held = this.held;
    const now = this.clock();
    if (held !== undefined && now < held.renewAt) return held.token;
    if (this.pending === undefined) {
      const renewing =
        held !== undefined && now < held.expiresAt && held.renewable && !held.nearMaxTtl;
      this.pending = (renewing ? this.renew(held) : this.login()).finally(() => {
        this.pending = undefined;
      });
    }
    return (await this.pending).token;
  }

  /**
   * Vault refused `refused`: answers a token from a fresh login (shared with concurrent
   * callers), or undefined when the auth method cannot log in again.
   */
  async relogin(refused: string): Promise<string | undefined> {
    if (!this.auth.canRelogin) return undefined;
    if (this.held !== undefined && this.held.token !== refused) return this.held.token;
    this.held = undefined;
    this.pending ??= this.login().finally(() => {
      this.pending = undefined;
    });
    return (await this.pending).token;
  }

  private async login(): Promise<Held> {
    this.held = undefined;
    const login = await this.auth.login(this.vault);
    this.held = this.hold(login, login.leaseSec, false);
    return this.held;
  }

  private async renew(held: Held): Promise<Held> {
    let renewed: VaultLogin;
    try {
      renewed = await this.vault.renew(held.token);
    } catch (error) {
      if (this.auth.canRelogin) return this.login();
      // A token you hold cannot be replaced: keep using it until it expires.
      this.held = { ...held, renewAt: held.expiresAt, renewable: false };
      if (this.clock() < held.expiresAt) return this.held;
      throw error;
    }
    // Near its max TTL Vault caps the renewal; a fresh login then does better than renewing.
    const capped = renewed.leaseSec < held.loginLeaseSec * (1 - RENEW_AFTER_FRACTION);
    this.held = this.hold({ ...renewed, token: held.token }, held.loginLeaseSec, capped);
    return this.held;
  }

  private hold(login: VaultLogin, loginLeaseSec: number, nearMaxTtl: boolean): Held {
    const now = this.clock();
    const lease = login.leaseSec * 1000;
    return {
      token: login.token,
      renewAt: lease > 0 ? now + lease * RENEW_AFTER_FRACTION : Number.POSITIVE_INFINITY,
      expiresAt: lease > 0 ? now + lease : Number.POSITIVE_INFINITY,
      renewable: login.renewable,
      loginLeaseSec,
      nearMaxTtl: nearMaxTtl && this.auth.canRelogin,
    };
  }
}
