import { describe, expect, it } from 'vitest';
import {
  configure,
  defaultBaton,
  getSecret,
  promote,
  register,
  rotateSecret,
  validateGrace,
  verifyRef,
} from './default-baton.js';
import { defaultsSource } from './defaults-source.js';
import { manualClock } from './testing/manual-clock.js';

describe('module-level functions', () => {
  it('work on the instance that configure sets up', async () => {
    const clock = manualClock();
    const baton = configure({
      sources: [defaultsSource({ 'HOOK:v1': 'one', 'HOOK:v2': 'two' })],
      clock,
      audit: false,
      registry: { graceMs: 1000 },
    });
    expect(defaultBaton()).toBe(baton);
    await register('HOOK', 'HOOK:v1');
    await promote('HOOK', 'HOOK:v2');
    expect(verifyRef('HOOK', 'HOOK:v1')).toBe(true);
    expect(await validateGrace('HOOK')).toBe(true);
    clock.advance(1000);
    expect(verifyRef('HOOK', 'HOOK:v1')).toBe(false);
    expect(await validateGrace('HOOK')).toBe(false);
    expect(await getSecret('HOOK:v2')).toBe('two');
    expect(await rotateSecret('HOOK:v2')).toBe('two');
  });
});
