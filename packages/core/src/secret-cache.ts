import { conceal } from './conceal.js';

/** One cached answer of the source chain for one canonical ref. */
export interface CachedSecret {
  /** The value, or `undefined` when no source had the ref (a brief negative entry). */
  readonly value: string | undefined;
  /** The source that answered; `undefined` for a negative entry. */
  readonly source: string | undefined;
  /** Served without asking the sources until this time. */
  expiresAt: number;
  /** After expiry, served while every refresh fails, until this time. */
  readonly staleUntil: number;
  /** The value as a settled promise, made once and handed to every cached read. */
  promise: Promise<string> | undefined;
  /** LRU position: the cache's tick when this entry was last moved to the young end. */
  tick: number;
}

/**
 * A bounded map from canonical ref to cached answer with least-recently-used eviction.
 *
 * Moving an entry to the young end of the map costs a delete and a set, so a hit moves it
 * only when it has drifted into the older half; a hot entry is therefore never evicted and
 * a cached read usually touches the map once.
 */
export class SecretCache {
  private readonly entries = new Map<string, CachedSecret>();
  private tick = 0;
  private readonly half: number;

  constructor(private readonly maxEntries: number) {
    conceal(this, () => `SecretCache { ${this.entries.size} of ${this.maxEntries} entries }`);
    this.half = Math.max(1, Math.floor(maxEntries / 2));
  }

  get size(): number {
    return this.entries.size;
  }

  get(ref: string): CachedSecret | undefined {
    const entry = this.entries.get(ref);
    if (entry !== undefined && this.tick - entry.tick >= this.half) {
      this.entries.delete(ref);
      this.entries.set(ref, entry);
      entry.tick = ++this.tick;
    }
    return entry;
  }

  set(ref: string, entry: CachedSecret): void {
    this.entries.delete(ref);
    entry.tick = ++this.tick;
    this.entries.set(ref, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  delete(ref: string): boolean {
    return this.entries.delete(ref);
  }

  /** Drops every entry whose ref matches. */
  deleteWhere(matches: (ref: string) => boolean): void {
    for (const ref of [...this.entries.keys()]) if (matches(ref)) this.entries.delete(ref);
  }

  clear(): void {
    this.entries.clear();
  }
}
