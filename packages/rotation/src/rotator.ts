import type { Baton } from '@baton/core';

/** The steps of a rotation run, in order (the AWS rotation protocol's, plus promote). */
export type RotationStep = 'create' | 'set' | 'test' | 'promote' | 'finish';

/** What every step of a rotator is told. */
export interface RotationContext {
  /** The Baton the run goes through: resolve what the rotator needs (an admin URL) with it. */
  readonly baton: Baton;
  readonly logical: string;
  /** The ref current when the run started (`DB_URL:v4`). */
  readonly currentRef: string;
  /** The ref being made (`DB_URL:v5`). */
  readonly pendingRef: string;
}

/**
 * What `set`, `test` and `finish` are told: the context and the new secret. `pendingValue`
 * is not enumerable, so printing or serialising the context does not show it.
 */
export interface PendingContext extends RotationContext {
  readonly pendingValue: string;
}

/**
 * How one kind of secret is rotated: the four steps of the AWS rotation protocol. The run
 * stores what `create` answers as the pending version, then calls `set`, `test`, promotes,
 * and calls `finish`. Every step may be called again for the same pending version (a rerun
 * after a crash resumes it), so `set` and `finish` must be safe to repeat.
 *
 * @example
 * // A vendor whose API makes keys: create asks for one, test calls the API with it.
 * const vendorKey: Rotator = {
 *   async create(ctx) {
 *     const admin = await ctx.baton.getSecret('VENDOR_ADMIN_TOKEN');
 *     const response = await fetch('https://api.vendor.test/v1/keys', {
 *       method: 'POST',
 *       headers: { authorization: `Bearer ${admin}` },
 *     });
 *     return ((await response.json()) as { key: string }).key;
 *   },
 *   async test(ctx) {
 *     const response = await fetch('https://api.vendor.test/v1/me', {
 *       headers: { authorization: `Bearer ${ctx.pendingValue}` },
 *     });
 *     if (!response.ok) throw new Error(`the vendor refused the new key (HTTP ${response.status})`);
 *   },
 * };
 */
export interface Rotator {
  /** Shown in errors and audit events. */
  readonly name?: string;
  /** Makes the new secret and answers it. Nothing is stored yet: the run stores it. */
  create(ctx: RotationContext): string | Promise<string>;
  /** Applies the new secret to the system that checks it (a database's password). */
  set?(ctx: PendingContext): void | Promise<void>;
  /** Proves the new secret works: throws (or answers `false`) when it does not. */
  test(
    ctx: PendingContext,
  ): boolean | undefined | Promise<boolean | undefined> | void | Promise<void>;
  /** Runs after the promotion (which is the commit): housekeeping that is safe to skip. */
  finish?(ctx: PendingContext): void | Promise<void>;
}
