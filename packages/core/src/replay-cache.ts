import { conceal } from './conceal.js';

/**
 * One delivery of a signed message: its key (logical name and message id), its signed
 * timestamp (Unix seconds) and when the record may go (epoch milliseconds: once the timestamp
 * is outside the tolerance, no copy of the message can pass the freshness check anyway).
 */
export interface DeliveryClaim {
  readonly key: string;
  readonly timestamp: number;
  readonly expiresAt: number;
}

interface Seen {
  readonly timestamp: number;
  readonly expiresAt: number;
}

/**
 * The ids of verified messages, to refuse replays: a delivery is refused when the same key was
 * seen with a signed timestamp at least as new. A sender's retry carries the same id with a
 * fresh timestamp (and a fresh signature), so it is accepted; a copy of a message already
 * delivered, or of an earlier attempt, is not. Bounded: records go once expired, and past
 * `maxEntries` the oldest goes (its message loses protection; `onEvict` is told).
 *
 * @example
 * const cache = new ReplayCache(100_000);
 * cache.claim({ key: 'HOOK:msg_1', timestamp: 1_700_000_000, expiresAt: 1_700_000_300_000 }, now);
 */
export class ReplayCache {
  /** In order of last claim, which is close to the order of expiry. */
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly maxEntries: number,
    private readonly onEvict: () => void = () => {},
  ) {
    conceal(this, () => `ReplayCache { ${this.seen.size} of ${this.maxEntries} ids }`);
  }

  get size(): number {
    return this.seen.size;
  }

  /** Records a delivery; `false` when it is a replay. */
  claim(claim: DeliveryClaim, now: number): boolean {
    this.sweep(now);
    const known = this.seen.get(claim.key);
    const live = known !== undefined && now < known.expiresAt ? known : undefined;
    if (live !== undefined && claim.timestamp <= live.timestamp) return false;
    this.seen.delete(claim.key);
    if (this.seen.size >= this.maxEntries) {
      const oldest = this.seen.keys().next().value as string;
      this.seen.delete(oldest);
      this.onEvict();
    }
    this.seen.set(claim.key, {
      timestamp: claim.timestamp,
      expiresAt: Math.max(claim.expiresAt, live?.expiresAt ?? 0),
    });
    return true;
  }

  /** Drops expired records from the old end; stops at the first live one. */
  private sweep(now: number): void {
    for (const [key, seen] of this.seen) {
      if (now < seen.expiresAt) return;
      this.seen.delete(key);
    }
  }
}
