/**
 * What the store takes from others: a notification is a hint (any role that can connect may
 * send one, PostgreSQL needs no privilege for NOTIFY), and a row is refused unless its refs
 * belong to its logical name.
 */
import { type Baton, createBaton, type StoreError } from '@baton/core';
import {
  adminDatabase,
  DATABASE_URL,
  databaseUrl,
  eventually,
  postgresAvailable,
} from '@baton-tools/test-kit/postgres';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { postgresStore } from '../src/index.js';

const available = await postgresAvailable();

describe.skipIf(!available)('what the store does not trust', () => {
  const database = adminDatabase();
  const batons: Baton[] = [];
  afterEach(async () => {
    for (const baton of batons.splice(0)) await baton.close();
  });
  afterAll(() => database.cleanup());

  function replica(schema: string, problems: StoreError[] = []): Baton {
    const baton = createBaton({
      audit: false,
      registry: {
        graceMs: 60_000,
        store: postgresStore({
          connectionString: DATABASE_URL,
          schema,
          reconcileIntervalMs: 3_600_000,
          onError: (error) => problems.push(error),
        }),
      },
    });
    batons.push(baton);
    return baton;
  }

  it('a forged notification from a role without any right on the tables changes no snapshot', async () => {
    const schema = database.schema();
    const operator = replica(schema);
    const target = replica(schema);
    await operator.register('HOOK', 'HOOK:v1');
    await target.ready();
    await operator.promote('HOOK', 'HOOK:v2');
    await eventually(() => target.verifyRef('HOOK', 'HOOK:v2'));

    const intruder = new pg.Client({
      connectionString: databaseUrl({ user: await database.role('baton_intruder') }),
    });
    await intruder.connect();
    const year3000 = Date.UTC(3000, 0, 1);
    const forged = [
      // The entry as earlier versions sent it: another secret's ref, grace to the year 3000,
      // and a revision no real promotion could pass.
      JSON.stringify({
        logical: 'HOOK',
        currentRef: 'OTHER_SECRET:v1',
        previousRef: 'HOOK:v1',
        activatedAt: year3000,
        previousActivatedAt: year3000,
        revision: 2 ** 53 - 1,
      }),
      '9007199254740991',
      '0',
      'not a change number',
    ];
    for (const payload of forged) {
      await intruder.query('SELECT pg_notify($1, $2)', [`baton:${schema}.baton_registry`, payload]);
    }
    await intruder.end();

    // A real promotion after them is taken in (notifications arrive in order).
    await operator.promote('HOOK', 'HOOK:v3');
    await eventually(() => target.verifyRef('HOOK', 'HOOK:v3'));
    expect(target.status('HOOK')).toMatchObject({
      currentRef: 'HOOK:v3',
      previousRef: 'HOOK:v2',
      revision: 3,
    });
    expect(target.verifyRef('HOOK', 'OTHER_SECRET:v1')).toBe(false);
    expect(target.checkRef('HOOK', 'HOOK:v1')).toEqual({ accepted: false, reason: 'no_match' });
    expect(target.status('HOOK')?.previousExpiresAt?.getTime()).toBeLessThan(year3000);
  });

  it('refuses a row whose refs belong to another logical name, saying so without quoting them', async () => {
    const schema = database.schema();
    const problems: StoreError[] = [];
    const operator = replica(schema);
    await operator.register('HOOK', 'HOOK:v1');
    await operator.register('API', 'API:v1');
    // Tables of earlier versions had no constraint tying refs to their logical name.
    await database.pool.query(
      `ALTER TABLE "${schema}".baton_registry DROP CONSTRAINT baton_registry_refs_of_logical`,
    );
    await database.pool.query(
      `UPDATE "${schema}".baton_registry SET current_ref = 'OTHER_SECRET:v9', revision = 9
       WHERE logical = 'HOOK'`,
    );

    // At start-up: every other entry loads, the row is refused and reported.
    const starting = replica(schema, problems);
    await starting.ready();
    expect(starting.verifyRef('API', 'API:v1')).toBe(true);
    expect(starting.checkRef('HOOK', 'OTHER_SECRET:v9')).toEqual({
      accepted: false,
      reason: 'no_entry',
    });
    expect(problems.map((problem) => problem.message)).toEqual([
      `Registry store "postgres:${schema}.baton_registry": refused the row of HOOK: currentRef is not a ref of HOOK. Every other entry was read; correct the row by hand`,
    ]);
    expect(problems[0]?.message).not.toContain('OTHER_SECRET');

    // While following: a running replica keeps its entry rather than take the bad row.
    const reported: StoreError[] = [];
    const running = replica(schema, reported);
    await database.pool.query(
      `UPDATE "${schema}".baton_registry SET current_ref = 'HOOK:v2', revision = 10
       WHERE logical = 'HOOK'`,
    );
    await running.ready();
    expect(running.verifyRef('HOOK', 'HOOK:v2')).toBe(true);
    await database.pool.query(
      `UPDATE "${schema}".baton_registry SET previous_ref = 'API:v1',
         previous_activated_at = now(), revision = 11 WHERE logical = 'HOOK'`,
    );
    await operator.promote('API', 'API:v2'); // a notification, so the change is read now
    await eventually(() => running.verifyRef('API', 'API:v2'));
    expect(running.status('HOOK')).toMatchObject({ currentRef: 'HOOK:v2', revision: 10 });
    expect(running.verifyRef('HOOK', 'API:v1')).toBe(false);
    expect(reported.map((problem) => problem.message)).toEqual([
      expect.stringContaining('refused the row of HOOK: previousRef is not a ref of HOOK.'),
    ]);
  });

  it('refuses a row with a rotation policy no registry would write', async () => {
    const schema = database.schema();
    const problems: StoreError[] = [];
    const operator = replica(schema);
    await operator.register('DB_URL', 'DB_URL:v1');
    await operator.register('API', 'API:v1');
    await database.pool.query(
      `UPDATE "${schema}".baton_registry SET rotation_type = 'forever', revision = 2
       WHERE logical = 'DB_URL'`,
    );
    const starting = replica(schema, problems);
    await starting.ready();
    expect(starting.verifyRef('API', 'API:v1')).toBe(true);
    expect(starting.status('DB_URL')).toBeUndefined();
    expect(problems.map((problem) => problem.message)).toEqual([
      expect.stringContaining('refused the row of DB_URL: rotation: type must be one of'),
    ]);
  });

  it('a new table refuses such a row itself', async () => {
    const schema = database.schema();
    await replica(schema).register('HOOK', 'HOOK:v1');
    await expect(
      database.pool.query(
        `UPDATE "${schema}".baton_registry SET current_ref = 'OTHER:v1' WHERE logical = 'HOOK'`,
      ),
    ).rejects.toMatchObject({ code: '23514' }); // check_violation
  });
});
