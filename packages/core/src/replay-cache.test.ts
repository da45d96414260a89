import { describe, expect, it } from 'vitest';
import { ReplayCache } from './replay-cache.js';

const claim = (key: string, timestamp: number, tolerance = 300) => ({
  key,
  timestamp,
  expiresAt: (timestamp + tolerance) * 1000,
});

describe('ReplayCache', () => {
  it('refuses a key seen with a timestamp at least as new, and takes a newer one', () => {
    const cache = new ReplayCache(10);
    const now = 1_000_000;
    expect(cache.claim(claim('HOOK:a', 1000), now)).toBe(true);
    expect(cache.claim(claim('HOOK:a', 1000), now)).toBe(false);
    expect(cache.claim(claim('HOOK:a', 999), now)).toBe(false);
    expect(cache.claim(claim('HOOK:a', 1001), now)).toBe(true);
    expect(cache.claim(claim('HOOK:a', 1000), now)).toBe(false);
    expect(cache.claim(claim('OTHER:a', 1000), now)).toBe(true);
  });

  it('forgets records once their timestamp is outside the tolerance', () => {
    const cache = new ReplayCache(10);
    for (let index = 0; index < 5; index++) cache.claim(claim(`HOOK:${index}`, 1000 + index), 0);
    expect(cache.size).toBe(5);
    // 1302 s: the records of timestamps 1000, 1001 and 1002 have expired.
    expect(cache.claim(claim('HOOK:new', 1302), 1_302_000)).toBe(true);
    expect(cache.size).toBe(3);
    expect(cache.claim(claim('HOOK:0', 1000), 1_302_000)).toBe(true);
  });

  it('never holds more than maxEntries, dropping the oldest and saying so', () => {
    let evicted = 0;
    const cache = new ReplayCache(3, () => evicted++);
    for (let index = 0; index < 5; index++) cache.claim(claim(`HOOK:${index}`, 1000), 0);
    expect(cache.size).toBe(3);
    expect(evicted).toBe(2);
    expect(cache.claim(claim('HOOK:4', 1000), 0)).toBe(false);
    expect(cache.claim(claim('HOOK:0', 1000), 0)).toBe(true);
  });
});
