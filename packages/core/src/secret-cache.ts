import { conceal } from './conceal.js';

/** One cached answer of the source chain for one canonical ref. */
export interface CachedSecret {
  /** The value, or `undefined` when no source had the ref (a brief negative entry). */
  readonly value: string | undefined;
  /** The source that answered; `undefined` for a negative entry. */
  readonly source: string | undefined;
  /** When a source gave this answer (for reads with a `maxAgeMs`). */
  readonly readAt: number;
  /** Served without asking the sources until this time. */
  expiresAt: number;
  /** After expiry, served while every refresh fails, until this time. */
  readonly staleUntil: number;
  /** The value as a settled promise, made once and handed to every cached read. */
  promise: Promise<string> | undefined;
  /** Read since the eviction hand last passed it: it gets a second chance (CLOCK). */
  referenced: boolean;
}

/**
 * A bounded map from canonical ref to cached answer, evicting with the CLOCK (second chance)
 * approximation of least-recently-used. A hit only marks its entry, never writes to the map,
 * so a cached read stays one lookup with any number of refs. When the map is full, the oldest
 * entry goes, unless it was read since it was last passed: then it moves to the young end
 * with its mark cleared. At most `maxEntries` entries are ever held.
 */
export class SecretCache {
  private readonly entries = new Map<string, CachedSecret>();

  constructor(private readonly maxEntries: number) {
    conceal(this, () => `SecretCache { ${this.entries.size} of ${this.maxEntries} entries }`);
  }

  get size(): number {
    return this.entries.size;
  }

  get(ref: string): CachedSecret | undefined {
    const entry = this.entries.get(ref);
    if (entry !== undefined && !entry.referenced) entry.referenced = true;
    return entry;
  }

  set(ref: string, entry: CachedSecret): void {
    // Room is made before the new entry goes in, so it is never its own victim.
    if (!this.entries.delete(ref) && this.entries.size >= this.maxEntries) this.evictOne();
    entry.referenced = false;
    this.entries.set(ref, entry);
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

  /** Evicts the oldest unmarked entry; marked ones passed on the way get a second chance. */
  private evictOne(): void {
    for (const [ref, entry] of this.entries) {
      this.entries.delete(ref);
      if (!entry.referenced) return;
      entry.referenced = false;
      this.entries.set(ref, entry);
    }
  }
}
