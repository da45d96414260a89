import { createBaton, StoreError } from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { registryFromBindings, verifyRef } from '../src/index.js';

describe('registryFromBindings', () => {
  it('loads entries with their activation times, defaulting to the moment of loading', async () => {
    const clock = manualClock();
    const store = registryFromBindings(
      JSON.stringify({
        HOOK: {
          currentRef: 'HOOK:V2',
          previousRef: 'HOOK:v1',
          activatedAt: '2029-12-31T23:00:00Z',
        },
        API: { currentRef: 'API:v1' },
      }),
      { clock },
    );
    const baton = createBaton({
      registry: { store, graceMs: 3_600_000, graceAnchor: 'promotion' },
      audit: false,
      clock,
    });
    await baton.ready();
    expect(baton.status('HOOK')).toMatchObject({
      currentRef: 'HOOK:v2',
      previousRef: 'HOOK:v1',
      activatedAt: new Date('2029-12-31T23:00:00Z'),
      previousActivatedAt: new Date('2029-12-31T23:00:00Z'),
    });
    expect(baton.status('API')?.activatedAt).toEqual(new Date(clock()));
    expect(baton.verifyRef('HOOK', 'HOOK:v1')).toBe(false); // promoted an hour ago, grace 1 h
    await baton.promote('API', 'API:v2');
    expect(baton.verifyRef('API', 'API:v1')).toBe(true);
  });

  it.each([
    ['not JSON', '{', /does not parse/],
    ['an array', '[]', /must be an object/],
    [
      'a ref of another secret',
      '{"HOOK":{"currentRef":"API:v1"}}',
      /HOOK: currentRef must be a ref of HOOK/,
    ],
    ['no current ref', '{"HOOK":{}}', /HOOK: currentRef/],
    [
      'a bad time',
      '{"HOOK":{"currentRef":"HOOK:v1","activatedAt":"soon"}}',
      /activatedAt must be an ISO-8601 time/,
    ],
  ])(
    'refuses %s with a StoreError that names the field, not the value',
    async (_case, json, message) => {
      const baton = createBaton({ registry: { store: registryFromBindings(json) }, audit: false });
      const error = await baton.ready().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('soon');
    },
  );

  it('makes verifyRef answer 503 {"error":"unavailable"}, not 500, while the binding is broken', async () => {
    const store = registryFromBindings('{"API_KEY":');
    const baton = createBaton({ registry: { store }, audit: false });
    const app = new Hono();
    app.get('/', verifyRef(baton, { logical: 'API_KEY', proof: 'none' }), (c) => c.text('ok'));
    const res = await app.request('/', { headers: { 'x-baton-ref': 'API_KEY:v1' } });
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('{"error":"unavailable"}');
  });
});
