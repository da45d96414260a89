import { type Baton, createBaton, type RegistryStore, type StoreError } from '@baton/core';
import {
  adminDatabase,
  DATABASE_URL,
  databaseUrl,
  eventually,
  postgresAvailable,
  uniqueName,
} from '@baton-tools/test-kit/postgres';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type PostgresStoreOptions, postgresStore } from '../src/index.js';

const available = await postgresAvailable();

describe.skipIf(!available)('postgresStore', () => {
  const database = adminDatabase();
  const closing: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const item of closing.splice(0).reverse()) await item.close();
  });
  afterAll(() => database.cleanup());

  function store(options: Partial<PostgresStoreOptions> & { schema: string }): RegistryStore {
    const created = postgresStore({ connectionString: DATABASE_URL, ...options });
    closing.push({ close: async () => created.close?.() });
    return created;
  }

  function replica(
    registry: RegistryStore,
    options: Parameters<typeof createBaton>[0] = {},
  ): Baton {
    const baton = createBaton({ audit: false, ...options, registry: { store: registry } });
    closing.push(baton);
    return baton;
  }

  async function tables(schema: string): Promise<string[]> {
    const { rows } = await database.pool.query<{ name: string }>(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
      [schema],
    );
    return rows.map((row) => row.name);
  }

  it('creates its schema and tables on first use, also when many replicas start at once', async () => {
    const schema = database.schema();
    const starting = Array.from({ length: 6 }, () => store({ schema }).load());
    await expect(Promise.all(starting)).resolves.toEqual(Array(6).fill([]));
    expect(await tables(schema)).toEqual(['baton_registry', 'baton_registry_history']);
    // Idempotent: a later start finds them and keeps their content.
    const first = store({ schema });
    await first.apply({ kind: 'register', logical: 'HOOK', currentRef: 'HOOK:v1' }, new Date());
    expect((await store({ schema }).load()).map((entry) => entry.currentRef)).toEqual(['HOOK:v1']);
  });

  it('uses tables a DBA provisioned, with a role that may not create anything', async () => {
    const schema = database.schema();
    const role = await database.role('baton_app');
    await store({ schema }).load(); // provisioned as the superuser
    await database.pool.query(
      `GRANT USAGE ON SCHEMA "${schema}" TO ${role};
       GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA "${schema}" TO ${role}`,
    );
    const app = replica(store({ schema, connectionString: databaseUrl({ user: role }) }));
    await app.ready();
    await app.register('HOOK', 'HOOK:v1');
    await app.promote('HOOK', 'HOOK:v2');
    expect(app.verifyRef('HOOK', 'HOOK:v2')).toBe(true);
  });

  it('numbers the rows of tables made before change numbers existed, and follows them', async () => {
    const schema = database.schema();
    await database.pool.query(`CREATE SCHEMA "${schema}";
      CREATE TABLE "${schema}".baton_registry (
        logical text PRIMARY KEY, current_ref text NOT NULL, previous_ref text,
        activated_at timestamptz NOT NULL, previous_activated_at timestamptz,
        revision bigint NOT NULL CHECK (revision > 0));
      CREATE TABLE "${schema}".baton_registry_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, logical text NOT NULL,
        change text NOT NULL, from_ref text, to_ref text, actor text,
        at timestamptz NOT NULL, revision bigint NOT NULL);
      INSERT INTO "${schema}".baton_registry VALUES ('HOOK', 'HOOK:v4', NULL, now(), NULL, 4);`);
    const reader = replica(store({ schema, reconcileIntervalMs: 20 }));
    await reader.ready();
    expect(reader.status('HOOK')).toMatchObject({ currentRef: 'HOOK:v4', revision: 4 });
    const writer = replica(store({ schema }));
    await writer.promote('HOOK', 'HOOK:v5');
    await eventually(() => reader.verifyRef('HOOK', 'HOOK:v5'));
  });

  it('brings tables made before rotation policies up to date: entries kept, policies written, followed and in the history', async () => {
    const schema = database.schema();
    await database.pool.query(`CREATE SCHEMA "${schema}";
      CREATE SEQUENCE "${schema}".baton_registry_changes;
      CREATE TABLE "${schema}".baton_registry (
        logical text PRIMARY KEY, current_ref text NOT NULL, previous_ref text,
        activated_at timestamptz NOT NULL, previous_activated_at timestamptz,
        revision bigint NOT NULL CHECK (revision > 0), change_seq bigint NOT NULL);
      CREATE TABLE "${schema}".baton_registry_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, logical text NOT NULL,
        change text NOT NULL CHECK (change IN ('register', 'promote', 'retire', 'grace_expired')),
        from_ref text, to_ref text, actor text, at timestamptz NOT NULL, revision bigint NOT NULL);
      INSERT INTO "${schema}".baton_registry VALUES ('DB_URL', 'DB_URL:v3', NULL, now(), NULL, 3, 1);`);
    const reader = replica(store({ schema }));
    await reader.ready();
    expect(reader.status('DB_URL')).toMatchObject({ currentRef: 'DB_URL:v3', revision: 3 });
    expect(reader.status('DB_URL')?.rotation).toBeUndefined();

    const writer = replica(store({ schema }));
    await writer.setRotationPolicy(
      'DB_URL',
      { type: 'database', periodDays: 60 },
      { actor: 'ops' },
    );
    await eventually(() => reader.status('DB_URL')?.rotation?.periodDays === 60);
    await writer.promote('DB_URL', 'DB_URL:v4');
    await eventually(() => reader.status('DB_URL')?.currentRef === 'DB_URL:v4');
    expect(reader.status('DB_URL')?.rotation).toEqual({ type: 'database', periodDays: 60 });
    expect((await writer.history({ logical: 'DB_URL' })).map((r) => r.change)).toEqual([
      'promote',
      'policy',
    ]);
    const fresh = replica(store({ schema }));
    await fresh.ready();
    expect(fresh.status('DB_URL')?.rotation).toEqual({ type: 'database', periodDays: 60 });
  });

  it('stamps changes with the database clock, not the replica’s', async () => {
    const schema = database.schema();
    const skewed = replica(store({ schema }), { clock: () => Date.UTC(2000, 0, 1) });
    const { rows } = await database.pool.query<{ now: Date }>('SELECT now() AS now');
    const databaseNow = rows[0]?.now.getTime() ?? 0;
    const registered = await skewed.register('HOOK', 'HOOK:v1');
    const promoted = await skewed.promote('HOOK', 'HOOK:v2');
    for (const at of [
      registered.activatedAt,
      promoted.activatedAt,
      (await skewed.history())[0]?.at,
    ]) {
      expect(Math.abs((at?.getTime() ?? 0) - databaseNow)).toBeLessThan(5_000);
    }
    expect(promoted.previousActivatedAt).toEqual(registered.activatedAt);
  });

  it('two stores on one database see each other’s changes; compare-and-set conflicts surface as BATON_CONFLICT', async () => {
    const schema = database.schema();
    const clock = await database.clock();
    const east = replica(store({ schema }), { clock });
    const west = replica(store({ schema }), { clock });
    await east.ready();
    await west.ready();

    await east.register('HOOK', 'HOOK:v1', { actor: 'deploy' });
    await eventually(() => west.verifyRef('HOOK', 'HOOK:v1'));
    await west.promote('HOOK', 'HOOK:v2', { actor: 'west', expectedRevision: 1 });
    await eventually(() => east.status('HOOK')?.revision === 2);
    expect(east.checkRef('HOOK', 'HOOK:v1')).toEqual({
      accepted: true,
      match: 'previous',
      ref: 'HOOK:v1',
    });

    // East still believes revision 1 was current when it decided: it loses, and says so.
    await expect(
      east.promote('HOOK', 'HOOK:v3', { expectedRevision: 1, actor: 'east' }),
    ).rejects.toMatchObject({ code: 'BATON_CONFLICT', expectedRevision: 1, actualRevision: 2 });
    expect(east.status('HOOK')?.currentRef).toBe('HOOK:v2');
    await expect(west.register('HOOK', 'HOOK:v9', { expectedRevision: 0 })).rejects.toMatchObject({
      code: 'BATON_CONFLICT',
    });
  });

  it('history answers who promoted what, when, from any replica', async () => {
    const schema = database.schema();
    const ops = replica(store({ schema }));
    const auditor = replica(store({ schema }));
    await ops.register('HOOK', 'HOOK:v1', { actor: 'deploy' });
    await ops.promote('HOOK', 'HOOK:v2', { actor: 'alice' });
    await ops.retirePrevious('HOOK', { force: true, actor: 'bob' });
    await ops.register('API', 'API:v1', { actor: 'deploy' });

    const hook = await auditor.history({ logical: 'HOOK' });
    expect(hook.map((r) => [r.change, r.actor, r.fromRef, r.toRef, r.revision])).toEqual([
      ['retire', 'bob', 'HOOK:v1', undefined, 3],
      ['promote', 'alice', 'HOOK:v1', 'HOOK:v2', 2],
      ['register', 'deploy', undefined, 'HOOK:v1', 1],
    ]);
    expect(hook[1]?.at).toBeInstanceOf(Date);
    expect(await auditor.history({ limit: 1 })).toHaveLength(1);
    await expect(auditor.history({ limit: 0 })).rejects.toMatchObject({ code: 'BATON_CONFIG' });
  });

  it('a periodic reconciliation catches changes that sent no notification', async () => {
    const schema = database.schema();
    const writer = replica(store({ schema }));
    await writer.register('HOOK', 'HOOK:v1');
    const reader = replica(store({ schema, reconcileIntervalMs: 50 }));
    await reader.ready();
    // A DBA's fix by hand: no NOTIFY.
    await database.pool.query(
      `UPDATE "${schema}".baton_registry SET current_ref = 'HOOK:v7', revision = revision + 1`,
    );
    await eventually(() => reader.verifyRef('HOOK', 'HOOK:v7'));
  });

  it('a notification it cannot read makes it reload the table instead of failing', async () => {
    const schema = database.schema();
    const writer = replica(store({ schema }));
    await writer.register('HOOK', 'HOOK:v1');
    const reader = replica(store({ schema, reconcileIntervalMs: 3_600_000 }));
    await reader.ready();
    await database.pool.query(
      `UPDATE "${schema}".baton_registry SET current_ref = 'HOOK:v5', revision = revision + 1`,
    );
    await database.pool.query('SELECT pg_notify($1, $2)', [
      `baton:${schema}.baton_registry`,
      '{not json',
    ]);
    await eventually(() => reader.verifyRef('HOOK', 'HOOK:v5'));
  });

  it('close() releases every connection: its own pool, the listening one, the timers', async () => {
    const schema = database.schema();
    const applicationName = uniqueName('baton_close');
    const own = postgresStore({
      connectionString: databaseUrl({ applicationName }),
      schema,
      reconcileIntervalMs: 20,
    });
    const baton = createBaton({ audit: false, registry: { store: own } });
    await baton.ready();
    await baton.register('HOOK', 'HOOK:v1');
    const connections = async () => {
      const { rows } = await database.pool.query<{ count: string }>(
        'SELECT count(*) AS count FROM pg_stat_activity WHERE application_name = $1',
        [applicationName],
      );
      return Number(rows[0]?.count);
    };
    await eventually(async () => (await connections()) >= 2); // listening + querying
    await baton.close();
    await eventually(async () => (await connections()) === 0);

    // A pool of the caller's: the store gives back what it borrowed and leaves the pool open.
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 3 });
    const borrowed = postgresStore({ pool, schema });
    const second = createBaton({ audit: false, registry: { store: borrowed } });
    await second.ready();
    await eventually(() => pool.totalCount - pool.idleCount === 1); // the listening connection
    await second.close();
    expect(pool.totalCount - pool.idleCount).toBe(0);
    await expect(pool.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
    await pool.end();
  });

  it('refuses bad options with one error listing each, and names that could inject SQL', () => {
    expect(() =>
      postgresStore({
        connectionString: DATABASE_URL,
        pool: new pg.Pool(),
        schema: 'app"; DROP TABLE users; --',
        table: 'x'.repeat(60),
        timeoutMs: 0,
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'BATON_CONFIG',
        issues: [
          'postgresStore: schema must be letters, digits and underscores, not starting with a digit',
          'postgresStore: table must be at most 44 characters',
          'postgresStore: timeoutMs must be a positive number of milliseconds',
          'postgresStore: give either connectionString or pool, not both',
        ],
      }),
    );
  });

  it('refuses an undefined connection string (an unset environment variable) with a ConfigError', () => {
    const unset: { DATABASE_URL?: string } = {};
    expect(() => postgresStore({ connectionString: unset.DATABASE_URL })).toThrow(
      expect.objectContaining({
        code: 'BATON_CONFIG',
        message: expect.stringContaining(
          'give connectionString or pool (connectionString is undefined',
        ),
      }),
    );
  });

  it('fails a write quickly with a clear error when the database cannot be reached', async () => {
    const errors: StoreError[] = [];
    const unreachable = postgresStore({
      connectionString: 'postgres://postgres@127.0.0.1:1/test',
      schema: 'nowhere',
      timeoutMs: 1_000,
      onError: (error) => errors.push(error),
    });
    const baton = createBaton({ audit: false, registry: { store: unreachable } });
    await expect(baton.ready()).rejects.toMatchObject({
      code: 'BATON_STORE_FAILED',
      message: expect.stringMatching(
        /^Registry store "postgres:nowhere.baton_registry": could not load the registry: .*ECONNREFUSED/,
      ),
    });
    await expect(baton.promote('HOOK', 'HOOK:v2')).rejects.toMatchObject({
      code: 'BATON_STORE_FAILED',
    });
    await baton.close();
  });
});
