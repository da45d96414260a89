import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, retryDelay, retryPolicy } from './retry.js';

describe('retryPolicy', () => {
  it('fills in the defaults and keeps what was given', () => {
    const issues: string[] = [];
    expect(retryPolicy(undefined, 'p', issues)).toEqual(DEFAULT_RETRY);
    expect(retryPolicy({ attempts: 5 }, 'p', issues)).toEqual({ ...DEFAULT_RETRY, attempts: 5 });
    expect(issues).toEqual([]);
  });

  it('lists every invalid field, named after the provider', () => {
    const issues: string[] = [];
    retryPolicy({ attempts: 0, baseDelayMs: -1, maxDelayMs: Number.NaN }, 'vaultKv', issues);
    expect(issues).toEqual([
      'vaultKv: retry.attempts must be a positive integer (1: no retries)',
      'vaultKv: retry.baseDelayMs must be a non-negative number of milliseconds',
      'vaultKv: retry.maxDelayMs must be a non-negative number of milliseconds',
    ]);
  });
});

describe('retryDelay', () => {
  it('doubles from the base delay up to the cap, jittered between half and all of it', () => {
    const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 300 };
    expect([1, 2, 3, 4].map((attempt) => retryDelay(policy, attempt, () => 1))).toEqual([
      100, 200, 300, 300,
    ]);
    expect(retryDelay(policy, 2, () => 0)).toBe(100);
  });
});
