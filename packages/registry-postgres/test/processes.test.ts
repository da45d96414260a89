/**
 * Replicas in real OS processes writing one registry at once: the first use creates the
 * tables in all of them together, then every promotion lands, in one unbroken chain.
 */
import { type ChildWorker, startWorker } from '@baton-tools/test-kit';
import { adminDatabase, DATABASE_URL, postgresAvailable } from '@baton-tools/test-kit/postgres';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { postgresStore } from '../src/index.js';

const available = await postgresAvailable();
const PROMOTER = new URL('./fixtures/promoter.ts', import.meta.url);

describe.skipIf(!available)('postgresStore across processes', () => {
  const database = adminDatabase();
  const workers: ChildWorker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop('SIGKILL')));
  });
  afterAll(() => database.cleanup());

  it('concurrent promotions from 4 processes lose no update and never leave previous == current', async () => {
    const schema = database.schema();
    const perWorker = 25;
    for (const id of [0, 1, 2, 3]) {
      workers.push(startWorker(PROMOTER, [DATABASE_URL, schema, String(id), String(perWorker)]));
    }
    await Promise.all(workers.map((worker) => worker.waitFor('started', { from: 0 })));
    for (const worker of workers) worker.send('go');
    await Promise.all(
      workers.map((worker) => worker.waitFor('done', { from: 0, timeoutMs: 60_000 })),
    );

    const store = postgresStore({ connectionString: DATABASE_URL, schema });
    const [entry] = await store.load();
    const changes = 1 + 4 * perWorker;
    expect(entry?.revision).toBe(changes);
    expect(entry?.previousRef).not.toBe(entry?.currentRef);
    const history = [...((await store.history?.({ limit: 1000 })) ?? [])].reverse();
    expect(history.map((record) => record.revision)).toEqual(
      Array.from({ length: changes }, (_, index) => index + 1),
    );
    // Each promotion shifted exactly the ref the change before it made current.
    for (let i = 1; i < history.length; i++) {
      expect(history[i]?.fromRef).toBe(history[i - 1]?.toRef);
      expect(history[i]?.fromRef).not.toBe(history[i]?.toRef);
    }
    for (const id of [0, 1, 2, 3]) {
      const promoted = history.filter((r) => r.change === 'promote' && r.actor === `worker-${id}`);
      expect(promoted).toHaveLength(perWorker);
    }
    expect(history.filter((r) => r.change === 'register')).toHaveLength(1);
    await store.close?.();
  });
});
