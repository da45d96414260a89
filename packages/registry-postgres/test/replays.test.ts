import { createBaton } from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { adminDatabase, DATABASE_URL, postgresAvailable } from '@baton-tools/test-kit/postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresStore } from '../src/index.js';

const available = await postgresAvailable();

describe.skipIf(!available)('replay protection shared through PostgreSQL', () => {
  const database = adminDatabase();
  afterAll(() => database.cleanup());

  it('refuses on one replica a message another replica accepted, and accepts the sender’s retry', async () => {
    const schema = database.schema();
    const clock = manualClock();
    const replica = () =>
      createBaton({
        sources: [{ name: 'test', get: async () => 'hook-secret-pg' }],
        registry: { store: postgresStore({ connectionString: DATABASE_URL, schema }) },
        replay: { scope: 'store' },
        clock,
        audit: false,
      });
    const [a, b] = [replica(), replica()];
    try {
      await a.register('HOOK', 'HOOK:v1');
      await b.ready();
      const body = '{"id":1}';
      const message = await a.sign('HOOK', body, { id: 'msg_0001' });
      const verify = (baton: typeof a, headers: Record<string, string>) =>
        baton.verifyRequest({ logical: 'HOOK', headers, body });

      expect(await verify(a, message)).toMatchObject({ ok: true, id: 'msg_0001' });
      expect(await verify(b, message)).toEqual({ ok: false, reason: 'replayed', status: 401 });
      expect(await verify(a, message)).toMatchObject({ ok: false, reason: 'replayed' });

      // Replicas racing for one message: exactly one wins.
      const other = await a.sign('HOOK', body, { id: 'msg_0002' });
      const raced = await Promise.all([verify(a, other), verify(b, other), verify(b, other)]);
      expect(raced.filter((result) => result.ok)).toHaveLength(1);

      // The sender's retry: same id, a newer timestamp and signature.
      clock.advance(2_000);
      const retry = await a.sign('HOOK', body, { id: 'msg_0001' });
      expect(await verify(b, retry)).toMatchObject({ ok: true, id: 'msg_0001' });
    } finally {
      await a.close();
      await b.close();
    }
  });
});
