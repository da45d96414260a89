/**
 * What a replica reads, counted on the wire by a proxy in front of PostgreSQL: the registry
 * once at start-up, then only the rows changed since the last change read, one read per
 * burst of notifications; and the whole table again only when its history went back.
 */
import { type Baton, createBaton, type StoreError } from '@baton/core';
import {
  adminDatabase,
  DATABASE_URL,
  eventually,
  postgresAvailable,
} from '@baton-tools/test-kit/postgres';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type PostgresStoreOptions, postgresStore } from '../src/index.js';
import { type CountingProxy, countingProxy } from './support/counting-proxy.js';

const available = await postgresAvailable();
const ENTRIES = 200;

describe.skipIf(!available)('what a replica reads', () => {
  const database = adminDatabase();
  const closing: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const item of closing.splice(0).reverse()) await item.close();
  });
  afterAll(() => database.cleanup());

  function replica(options: PostgresStoreOptions & { schema: string }): Baton {
    const baton = createBaton({
      audit: false,
      registry: {
        store: postgresStore({ connectionString: DATABASE_URL, ...options }),
      },
    });
    closing.push(baton);
    return baton;
  }

  /** A registry of ENTRIES entries, and an operator replica that changes it. */
  async function seeded(): Promise<{ schema: string; operator: Baton; proxy: CountingProxy }> {
    const schema = database.schema();
    const operator = replica({ schema });
    await operator.register('HOOK', 'HOOK:v1');
    await database.pool.query(
      `INSERT INTO "${schema}".baton_registry (logical, current_ref, activated_at, revision)
       SELECT 'KEY_' || i, 'KEY_' || i || ':v1', now(), 1 FROM generate_series(2, $1::integer) AS i`,
      [ENTRIES],
    );
    const proxy = await countingProxy(DATABASE_URL);
    closing.push(proxy);
    return { schema, operator, proxy };
  }

  it('ready() reads each row once; following changes reads only the changed rows', async () => {
    const { schema, operator, proxy } = await seeded();
    const watched = replica({ schema, connectionString: proxy.url });
    await watched.ready();
    expect(watched.status()).toHaveLength(ENTRIES);
    // A change, so the listening connection is up and has caught up once.
    await operator.promote('HOOK', 'HOOK:v2');
    await eventually(() => watched.verifyRef('HOOK', 'HOOK:v2'));
    expect(proxy.rows).toBeGreaterThanOrEqual(ENTRIES);
    expect(proxy.rows).toBeLessThan(ENTRIES + 10);

    const before = proxy.rows;
    for (const version of [3, 4, 5]) {
      await operator.promote('HOOK', `HOOK:v${version}`);
      await eventually(() => watched.verifyRef('HOOK', `HOOK:v${version}`));
    }
    // A read per change, each one row (the changed one), never the table.
    expect(proxy.rows - before).toBeLessThanOrEqual(2 * 3);
  });

  it('the periodic reconciliation reads only rows changed since, and finds a change made by hand', async () => {
    const { schema, proxy } = await seeded();
    const watched = replica({ schema, connectionString: proxy.url, reconcileIntervalMs: 20 });
    await watched.ready();
    const statements = proxy.statements;
    const rows = proxy.rows;
    await eventually(() => proxy.statements >= statements + 10);
    // Ten reconciliations and more, each one row (the newest change number), none a reload.
    expect(proxy.rows - rows).toBeLessThanOrEqual(proxy.statements - statements);

    await database.pool.query(
      `UPDATE "${schema}".baton_registry SET current_ref = 'KEY_7:v2', revision = 2
       WHERE logical = 'KEY_7'`,
    );
    await eventually(() => watched.verifyRef('KEY_7', 'KEY_7:v2'));
    expect(proxy.rows - rows).toBeLessThan(proxy.statements - statements + 5);
  });

  it('a burst of notifications costs a few reads, not one each', async () => {
    const { schema, operator, proxy } = await seeded();
    const watched = replica({ schema, connectionString: proxy.url });
    await watched.ready();
    await operator.promote('HOOK', 'HOOK:v2');
    await eventually(() => watched.verifyRef('HOOK', 'HOOK:v2'));
    const statements = proxy.statements;
    // 500 hints at once, numbered above anything read (anyone may send them).
    await database.pool.query(
      'SELECT pg_notify($1, (1000000000 + i)::text) FROM generate_series(1, 500) AS i',
      [`baton:${schema}.baton_registry`],
    );
    await operator.promote('HOOK', 'HOOK:v3');
    await eventually(() => watched.verifyRef('HOOK', 'HOOK:v3'));
    expect(proxy.statements - statements).toBeLessThanOrEqual(4);
  });

  it('a table restored from a backup is reloaded whole, says so, and later writes reach every snapshot', async () => {
    const schema = database.schema();
    const problems: StoreError[] = [];
    const operator = replica({ schema });
    const watched = replica({ schema, onError: (error) => problems.push(error) });
    await operator.register('HOOK', 'HOOK:v1');
    await operator.promote('HOOK', 'HOOK:v2');
    await watched.ready();
    const table = `"${schema}".baton_registry`;
    const sequence = `"${schema}".baton_registry_changes`;
    await database.pool.query(`CREATE TABLE "${schema}".backup AS SELECT * FROM ${table}`);
    const [{ saved }] = (
      await database.pool.query<{ saved: string }>(
        `SELECT last_value::text AS saved FROM ${sequence}`,
      )
    ).rows as [{ saved: string }];
    await operator.promote('HOOK', 'HOOK:v3');
    await operator.promote('HOOK', 'HOOK:v4');
    await eventually(() => watched.verifyRef('HOOK', 'HOOK:v4'));

    // What pg_restore does: the rows and the sequence as they were, triggers not firing.
    await database.pool.query(
      `BEGIN;
       ALTER TABLE ${table} DISABLE TRIGGER USER;
       DELETE FROM ${table};
       INSERT INTO ${table} SELECT * FROM "${schema}".backup;
       ALTER TABLE ${table} ENABLE TRIGGER USER;
       SELECT setval('${sequence}', ${saved});
       COMMIT`,
    );
    // The next write, from a replica that saw revision 4, is at revision 3.
    const written = await operator.promote('HOOK', 'HOOK:v5');
    expect(written.revision).toBe(3);
    expect(operator.verifyRef('HOOK', 'HOOK:v5')).toBe(true);
    await eventually(() => watched.verifyRef('HOOK', 'HOOK:v5'));
    expect(watched.status('HOOK')).toMatchObject({ previousRef: 'HOOK:v2', revision: 3 });
    expect(problems.map((problem) => problem.message)).toEqual([
      expect.stringMatching(/went back in history .*every entry was reloaded/),
    ]);
  });
});
