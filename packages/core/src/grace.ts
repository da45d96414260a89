import type { RegistryEntry } from './registry-store.js';

/**
 * What the grace window of the previous ref counts from:
 * - `'activation'`: when the previous ref was first activated, so its lifetime is bounded
 *   however quickly promotions follow each other;
 * - `'promotion'`: when the current ref was activated, a fresh window after every promotion.
 */
export type GraceAnchor = 'activation' | 'promotion';

export const GRACE_ANCHORS: readonly GraceAnchor[] = ['activation', 'promotion'];

/** The grace settings that apply to one logical name. */
export interface GracePolicy {
  readonly graceMs: number;
  readonly graceAnchor: GraceAnchor;
}

/**
 * The epoch millisecond from which the previous ref is no longer accepted, or `-Infinity`
 * when there is no previous ref.
 */
export function previousExpiresAt(entry: RegistryEntry, policy: GracePolicy): number {
  if (entry.previousRef === undefined) return Number.NEGATIVE_INFINITY;
  const anchor =
    policy.graceAnchor === 'activation'
      ? (entry.previousActivatedAt ?? entry.activatedAt)
      : entry.activatedAt;
  return anchor.getTime() + policy.graceMs;
}
