import { describe, expect, it } from 'vitest';
import { type CachedSecret, SecretCache } from './secret-cache.js';

function entry(value: string): CachedSecret {
  return {
    value,
    source: 'test',
    readAt: 0,
    expiresAt: Number.POSITIVE_INFINITY,
    staleUntil: Number.POSITIVE_INFINITY,
    promise: undefined,
    referenced: false,
  };
}

describe('SecretCache', () => {
  it('never holds more than maxEntries, whatever the order of reads and writes', () => {
    const cache = new SecretCache(100);
    let seed = 7;
    const next = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed;
    };
    for (let step = 0; step < 20_000; step++) {
      const ref = `R${next() % 400}`;
      if (next() % 3 === 0) cache.set(ref, entry(ref));
      else cache.get(ref);
      expect(cache.size).toBeLessThanOrEqual(100);
    }
  });

  it('keeps an entry read since the last eviction pass, and evicts one never read again', () => {
    const cache = new SecretCache(3);
    cache.set('A', entry('a'));
    cache.set('B', entry('b'));
    cache.set('C', entry('c'));
    cache.get('A');
    cache.set('D', entry('d'));
    expect(cache.get('B')).toBeUndefined();
    expect(cache.get('A')?.value).toBe('a');
    cache.get('C');
    cache.get('D');
    // Every entry was read: one pass clears the marks, then the oldest goes.
    cache.set('E', entry('e'));
    expect(cache.size).toBe(3);
    expect(cache.get('E')?.value).toBe('e');
  });

  it('keeps a hot set of refs cached while a stream of one-off refs passes through', () => {
    const cache = new SecretCache(50);
    const hot = Array.from({ length: 25 }, (_, i) => `HOT_${i}`);
    for (const ref of hot) cache.set(ref, entry(ref));
    for (let i = 0; i < 1_000; i++) {
      for (const ref of hot) cache.get(ref);
      cache.set(`ONCE_${i}`, entry('x'));
    }
    for (const ref of hot) expect(cache.get(ref)?.value).toBe(ref);
  });

  it('answers a hit without reordering the map, so reads in any order stay one lookup', () => {
    const cache = new SecretCache(1000);
    for (let i = 0; i < 1000; i++) cache.set(`R${i}`, entry(`v${i}`));
    const order = () => [...(cache as unknown as { entries: Map<string, unknown> }).entries.keys()];
    const before = order();
    for (let i = 999; i >= 0; i -= 7) cache.get(`R${i}`);
    expect(order()).toEqual(before);
  });
});
