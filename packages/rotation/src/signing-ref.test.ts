import { createBaton } from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { describe, expect, it } from 'vitest';
import { signingRef } from './signing-ref.js';

describe('signingRef', () => {
  it('answers the previous ref for settleMs after a promotion, then the current one', async () => {
    const clock = manualClock();
    const baton = createBaton({ sources: [], audit: false, clock });
    await baton.register('HOOK', 'HOOK:v1');
    expect(await signingRef(baton, 'HOOK', { settleMs: 5_000 })).toBe('HOOK:v1');
    await baton.promote('HOOK', 'HOOK:v2');
    expect(await signingRef(baton, 'HOOK', { settleMs: 5_000 })).toBe('HOOK:v1');
    clock.advance(4_999);
    expect(await signingRef(baton, 'HOOK', { settleMs: 5_000 })).toBe('HOOK:v1');
    clock.advance(1);
    expect(await signingRef(baton, 'HOOK', { settleMs: 5_000 })).toBe('HOOK:v2');
  });

  it('never answers a previous ref receivers no longer accept', async () => {
    const clock = manualClock();
    const baton = createBaton({ sources: [], audit: false, clock, registry: { graceMs: 1_000 } });
    await baton.register('HOOK', 'HOOK:v1');
    clock.advance(2_000);
    await baton.promote('HOOK', 'HOOK:v2');
    expect(await signingRef(baton, 'HOOK', { settleMs: 60_000 })).toBe('HOOK:v2');
  });

  it('needs a registered secret and a sane settle time', async () => {
    const baton = createBaton({ sources: [], audit: false });
    await expect(signingRef(baton, 'NOPE')).rejects.toMatchObject({ code: 'BATON_NO_ENTRY' });
    await expect(signingRef(baton, 'NOPE', { settleMs: -1 })).rejects.toMatchObject({
      code: 'BATON_CONFIG',
    });
  });
});
