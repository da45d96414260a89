import { captureOutput } from '@baton-tools/test-kit';
import { describe, expect, it, vi } from 'vitest';
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

/** A fresh copy of the module, so each test starts without a default instance. */
async function freshModule() {
  vi.resetModules();
  return import('./default-baton.js');
}

function errorOf(fn: () => unknown): { code?: unknown; message?: unknown } {
  try {
    fn();
  } catch (error) {
    return error as { code?: unknown; message?: unknown };
  }
  throw new Error('expected a throw');
}

describe('configure', () => {
  it('is refused once a module-level call has created the default instance, which keeps its registrations', async () => {
    const output = captureOutput(); // the default instance writes audit events to stdout
    try {
      const { configure, defaultBaton, register, verifyRef } = await freshModule();
      await register('HOOK', 'HOOK:v1');
      const inUse = defaultBaton();

      const error = errorOf(() => configure({ audit: false }));
      expect(error.code).toBe('BATON_CONFIG');
      expect(error.message).toMatch(/already in use.*call configure\(\) once at start-up/);

      expect(defaultBaton()).toBe(inUse);
      expect(verifyRef('HOOK', 'HOOK:v1')).toBe(true);
      await inUse.flush();
    } finally {
      output.restore();
    }
  });

  it('is refused a second time, and the first instance stays', async () => {
    const { configure, defaultBaton, register, verifyRef } = await freshModule();
    const first = configure({ audit: false });
    await register('HOOK', 'HOOK:v1');

    const error = errorOf(() => configure({ audit: false, registry: { graceMs: 1 } }));
    expect(error.code).toBe('BATON_CONFIG');
    expect(error.message).toMatch(/already called/);

    expect(defaultBaton()).toBe(first);
    expect(verifyRef('HOOK', 'HOOK:v1')).toBe(true);
  });
});
