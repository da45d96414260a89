/**
 * The canary: the store runs through its features and failures with a password in its
 * connection string and secret values presented as refs, and nothing it emits (errors,
 * warnings, audit events, console and stdout/stderr output) nor anything it stores may
 * contain them.
 */
import { type AuditEvent, createBaton } from '@baton/core';
import { captureOutput, expectNoSecrets } from '@baton-tools/test-kit';
import {
  adminDatabase,
  databaseUrl,
  eventually,
  postgresAvailable,
} from '@baton-tools/test-kit/postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresStore } from '../src/index.js';

const available = await postgresAvailable();

const PASSWORD = 'canary-pg-password-7d1f9a3c';
const SECRET = 'sk-canary-registry-5e2b8d4f';
const REF_SHAPED = 'ghp_CANARY3f9a1c7e5b2d8f4a6c0e9b7d';
const CANARIES = [PASSWORD, SECRET, REF_SHAPED];

describe.skipIf(!available)('canary', () => {
  const database = adminDatabase();
  afterAll(() => database.cleanup());

  it('no password or secret value appears in anything the store emits or stores', async () => {
    const output = captureOutput();
    const errors: unknown[] = [];
    const events: AuditEvent[] = [];
    const failure = async (work: () => Promise<unknown>) => {
      try {
        await work();
      } catch (error) {
        errors.push(error);
      }
    };
    try {
      const schema = database.schema();
      const role = await database.role('baton_canary');
      await database.pool.query(`CREATE SCHEMA "${schema}" AUTHORIZATION ${role}`);
      const url = new URL(databaseUrl({ user: role }));
      url.password = PASSWORD;
      const clock = await database.clock();
      const baton = createBaton({
        clock,
        audit: (event) => events.push(event),
        registry: {
          graceMs: 60_000,
          store: postgresStore({ connectionString: url.toString(), schema, reconnectDelayMs: 20 }),
        },
      });
      await baton.ready();
      await baton.register('HOOK', 'HOOK:v1', { actor: 'deploy' });
      await baton.promote('HOOK', 'HOOK:v2', { actor: 'ops' });
      for (const presented of ['HOOK:v1', SECRET, REF_SHAPED, `HOOK:v2${SECRET}`]) {
        baton.checkRef('HOOK', presented);
      }
      await failure(() => baton.promote('HOOK', REF_SHAPED));
      await failure(() => baton.register('HOOK', SECRET));
      await failure(() => baton.promote('HOOK', 'HOOK:v3', { expectedRevision: 1 }));

      // An outage, with the default warning on stderr, and writes failing meanwhile.
      await database.pool.query(`ALTER ROLE ${role} NOLOGIN`);
      await database.pool.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1',
        [role],
      );
      await eventually(() => output.text().includes('lost the connection'));
      await failure(() => baton.promote('HOOK', 'HOOK:v3'));
      await failure(() => baton.promote('HOOK', 'HOOK:v3'));
      await failure(() => baton.history());
      await database.pool.query(`ALTER ROLE ${role} LOGIN`);
      await baton.promote('HOOK', 'HOOK:v3', { actor: 'ops' });
      output.add(await baton.history());
      output.add(baton.status());
      await baton.close();

      // A server that refuses the connection, with the password in the string.
      const refused = createBaton({
        audit: false,
        registry: {
          store: postgresStore({
            connectionString: `postgres://app:${PASSWORD}@127.0.0.1:1/test`,
            timeoutMs: 500,
          }),
        },
      });
      await failure(() => refused.ready());
      await refused.close();

      const { rows } = await database.pool.query(
        `SELECT (SELECT json_agg(r)::text FROM "${schema}".baton_registry r) AS entries,
                (SELECT json_agg(h)::text FROM "${schema}".baton_registry_history h) AS history`,
      );
      output.add(JSON.stringify(rows));
    } finally {
      output.restore();
    }

    expect(errors).toHaveLength(7);
    for (const error of errors) {
      output.add((error as Error).message);
      output.add(String((error as Error).cause));
    }
    output.add(events.map((event) => JSON.stringify(event)));
    const everything = output.text();
    expect(everything).toContain('lost the connection that listens for changes'); // stderr seen
    expect(everything).toContain('"type":"promote"');
    expectNoSecrets(everything, CANARIES);
  });
});
