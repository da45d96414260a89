import { type Baton, ConfigError, NoEntryError } from '@baton/core';

export interface SigningRefOptions {
  /**
   * How long after a promotion senders keep signing with the previous ref, so every receiver
   * has seen the promotion before the new ref reaches it. Longer than the registry's
   * propagation (a file store's check interval, a PostgreSQL notification) plus the clock
   * difference between hosts. Default 60 000 (1 min).
   */
  settleMs?: number;
}

const DEFAULT_SETTLE_MS = 60_000;

/**
 * The ref a sender signs with so that no receiver refuses it during a rotation: the previous
 * ref for `settleMs` after a promotion (receivers that have seen the promotion accept it as
 * previous, those that have not as current), then the current one. Receivers accept both
 * from the promotion on, senders switch once every receiver knows: accept-new before send-new.
 *
 * @example
 * const ref = await signingRef(baton, 'WEBHOOK_SECRET', { settleMs: 30_000 });
 * const headers = await baton.sign('WEBHOOK_SECRET', body, { ref });
 */
export async function signingRef(
  baton: Baton,
  logical: string,
  options: SigningRefOptions = {},
): Promise<string> {
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  if (!(typeof settleMs === 'number' && settleMs >= 0 && Number.isFinite(settleMs))) {
    throw new ConfigError('signingRef: settleMs must be a non-negative number of milliseconds');
  }
  await baton.ready();
  const status = baton.status(logical);
  if (status === undefined) throw new NoEntryError(logical);
  const settling = baton.clock() - status.activatedAt.getTime() < settleMs;
  return settling && status.previousRef !== undefined && status.previousAccepted
    ? status.previousRef
    : status.currentRef;
}
