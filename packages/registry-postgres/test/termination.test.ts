/**
 * PostgreSQL ends a replica's connections (pg_terminate_backend, as a failover or an
 * administrator does) while it writes: the process stays up, the writes that met the
 * termination fail with a StoreError, and the replicas catch up.
 */
import { createBaton } from '@baton/core';
import { type ChildWorker, startWorker } from '@baton-tools/test-kit';
import {
  adminDatabase,
  DATABASE_URL,
  databaseUrl,
  eventually,
  postgresAvailable,
  uniqueName,
} from '@baton-tools/test-kit/postgres';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { postgresStore } from '../src/index.js';

const available = await postgresAvailable();
const WRITER = new URL('./fixtures/steady-writer.ts', import.meta.url);

describe.skipIf(!available)('when PostgreSQL terminates a writing replica’s connections', () => {
  const database = adminDatabase();
  const workers: ChildWorker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop('SIGKILL')));
  });
  afterAll(() => database.cleanup());

  it('the process stays up, the interrupted writes fail with BATON_STORE_FAILED, and replicas catch up', async () => {
    const schema = database.schema();
    const applicationName = uniqueName('baton_busy');
    const writer = startWorker(WRITER, [databaseUrl({ applicationName }), schema]);
    workers.push(writer);
    await writer.waitFor('ready', { from: 0 });
    const observer = createBaton({
      audit: false,
      registry: { store: postgresStore({ connectionString: DATABASE_URL, schema }) },
    });
    await observer.ready();
    try {
      // Terminations at random moments, mid-query and as connections are made, until many
      // have happened and several have met a write in flight.
      const failures = () => writer.lines.filter((line) => line.startsWith('failed ')).length;
      for (let round = 0; round < 2_000 && (round < 150 || failures() < 3); round++) {
        await database.pool.query(
          `SELECT pg_sleep(random() * 0.01),
             pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`,
          [applicationName],
        );
        expect(await Promise.race([writer.exited, 'running'])).toBe('running');
      }
      expect(failures(), 'writes met a termination').toBeGreaterThanOrEqual(3);
      for (const line of writer.lines.filter((candidate) => candidate.startsWith('failed '))) {
        expect(line).toBe('failed BATON_STORE_FAILED');
      }
      // Writes succeed again after the last termination, and every replica sees the latest.
      const from = writer.lines.length;
      await writer.waitFor(/^ok /, { from });
      const latest = (await writer.waitFor(/^ok /)).slice(3);
      await eventually(() => observer.verifyRef('BUSY', latest));
      expect(await Promise.race([writer.exited, 'running'])).toBe('running');
    } finally {
      await observer.close();
    }
  });
});
