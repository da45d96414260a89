import { testSource } from '@baton-tools/test-kit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBaton } from './baton.js';
import { coarseDateNow } from './coarse-clock.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('coarseDateNow', () => {
  it('reuses one reading until a millisecond of event-loop time has passed', () => {
    vi.useFakeTimers({ now: 1_000 });
    const now = coarseDateNow();
    expect(now()).toBe(1_000);
    vi.setSystemTime(1_500); // the wall clock moved, but no timer has run yet
    expect(now()).toBe(1_000);
    vi.advanceTimersByTime(1);
    expect(now()).toBe(1_501);
  });
});

describe('the cache with the default clock', () => {
  it('still expires entries after their TTL', async () => {
    vi.useFakeTimers({ now: 0 });
    const source = testSource('s', { A: 'one' });
    const baton = createBaton({ sources: [source], audit: false, cache: { ttlMs: 1_000 } });
    expect(await baton.getSecret('A')).toBe('one');
    source.values.A = 'two';
    vi.advanceTimersByTime(999);
    expect(await baton.getSecret('A')).toBe('one');
    vi.advanceTimersByTime(1);
    expect(await baton.getSecret('A')).toBe('two');
    expect(source.calls.get).toEqual(['A', 'A']);
  });
});
