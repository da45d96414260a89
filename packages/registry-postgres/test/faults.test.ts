/**
 * What a replica does when PostgreSQL goes away and comes back, against the real server:
 * its connections are terminated with pg_terminate_backend, and its role is barred from
 * logging in for the length of the outage (other users of the database are unaffected).
 */
import { createServer, type Server, type Socket } from 'node:net';
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

describe.skipIf(!available)('when the store goes away', () => {
  const database = adminDatabase();
  const batons: Baton[] = [];
  afterEach(async () => {
    for (const baton of batons.splice(0)) await baton.close();
  });
  afterAll(() => database.cleanup());

  /** A replica connecting as a role of its own, so its outage touches nobody else. */
  async function setUp() {
    const schema = database.schema();
    const role = await database.role('baton_replica');
    await database.pool.query(`CREATE SCHEMA "${schema}" AUTHORIZATION ${role}`);
    const clock = await database.clock();
    const problems: StoreError[] = [];
    const replica = createBaton({
      audit: false,
      clock,
      registry: {
        graceMs: 60_000,
        store: postgresStore({
          connectionString: databaseUrl({ user: role }),
          schema,
          timeoutMs: 2_000,
          reconnectDelayMs: 50,
          reconcileIntervalMs: 3_600_000, // so only the resync on reconnection can catch up
          onError: (error) => problems.push(error),
        }),
      },
    });
    const operator = createBaton({
      audit: false,
      clock,
      registry: { store: postgresStore({ connectionString: DATABASE_URL, schema }) },
    });
    batons.push(replica, operator);
    await replica.ready();
    await operator.ready();
    const terminate = () =>
      database.pool.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1',
        [role],
      );
    const setLogin = (allowed: boolean) =>
      database.pool.query(`ALTER ROLE ${role} ${allowed ? 'LOGIN' : 'NOLOGIN'}`);
    return { replica, operator, clock, problems, terminate, setLogin };
  }

  it('verifyRef answers from the snapshot, expiry still applies, writes fail clearly, and the replica catches up after reconnect', async () => {
    const { replica, operator, clock, problems, terminate, setLogin } = await setUp();
    await replica.register('HOOK', 'HOOK:v1');
    await replica.promote('HOOK', 'HOOK:v2');
    await eventually(() => operator.verifyRef('HOOK', 'HOOK:v2'));

    await setLogin(false);
    await terminate();
    await eventually(() => problems.length > 0);
    expect(problems[0]?.code).toBe('BATON_STORE_FAILED');
    expect(problems[0]?.message).toMatch(/lost the connection that listens for changes/);

    // Still verifying, from the last snapshot.
    expect(replica.checkRef('HOOK', 'HOOK:v2')).toMatchObject({ accepted: true, match: 'current' });
    expect(replica.checkRef('HOOK', 'HOOK:v1')).toMatchObject({
      accepted: true,
      match: 'previous',
    });
    // Time-based expiry needs no store.
    clock.set(replica.status('HOOK')?.previousExpiresAt ?? 0);
    expect(replica.checkRef('HOOK', 'HOOK:v1')).toEqual({
      accepted: false,
      reason: 'previous_expired',
    });
    expect(replica.verifyRef('HOOK', 'HOOK:v2')).toBe(true);

    // Writes fail with an error that names the store, the operation and the cause. (The first
    // ones may meet pooled connections that died with the others: "terminating connection".)
    const store = /^Registry store "postgres:.*\.baton_registry": could not promote HOOK: /;
    const messages: string[] = [];
    for (let attempt = 0; attempt < 4 && !messages.at(-1)?.includes('log in'); attempt++) {
      const error = await replica.promote('HOOK', 'HOOK:v3').then(
        () => undefined,
        (caught: StoreError) => caught,
      );
      expect(error).toMatchObject({ code: 'BATON_STORE_FAILED' });
      messages.push(error?.message ?? '');
    }
    for (const message of messages) expect(message).toMatch(store);
    expect(messages.at(-1)).toMatch(/not permitted to log in/);
    expect(replica.status('HOOK')?.currentRef).toBe('HOOK:v2');

    // The rotation goes on elsewhere while this replica is cut off.
    await operator.promote('HOOK', 'HOOK:v3', { actor: 'ops' });
    expect(replica.verifyRef('HOOK', 'HOOK:v3')).toBe(false);

    // The store comes back: the replica reconnects and resyncs by itself, no restart.
    await setLogin(true);
    await eventually(() => replica.verifyRef('HOOK', 'HOOK:v3'));
    expect(replica.status('HOOK')).toMatchObject({ previousRef: 'HOOK:v2', revision: 3 });
    await replica.promote('HOOK', 'HOOK:v4', { actor: 'replica' });
    await eventually(() => operator.verifyRef('HOOK', 'HOOK:v4'));
  });

  it('after its connections are terminated, notifications flow again without a restart', async () => {
    const { replica, operator, problems, terminate } = await setUp();
    await operator.register('HOOK', 'HOOK:v1');
    await eventually(() => replica.verifyRef('HOOK', 'HOOK:v1'));
    for (const version of [2, 3]) {
      await terminate();
      await eventually(() => problems.length > 0);
      problems.length = 0;
      await operator.promote('HOOK', `HOOK:v${version}`);
      await eventually(() => replica.verifyRef('HOOK', `HOOK:v${version}`));
    }
  });

  describe('a database that accepts connections but never answers', () => {
    let server: Server;
    const sockets = new Set<Socket>();
    afterEach(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    async function silentDatabase(): Promise<string> {
      server = createServer((socket) => {
        sockets.add(socket); // reads the start-up message, answers nothing
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      return `postgres://postgres@127.0.0.1:${port}/test`;
    }

    it('fails reads and writes after timeoutMs instead of hanging, with a pool of its own', async () => {
      const store = postgresStore({ connectionString: await silentDatabase(), timeoutMs: 300 });
      const baton = createBaton({ audit: false, registry: { store } });
      batons.push(baton);
      for (const attempt of [() => baton.ready(), () => baton.promote('HOOK', 'HOOK:v2')]) {
        await expect(attempt()).rejects.toMatchObject({
          code: 'BATON_STORE_FAILED',
          message: expect.stringMatching(/could not .*: .*(within 300 ms|timeout)/),
        });
      }
    });

    it('and with a caller’s pool that has no timeouts of its own', async () => {
      const pool = new pg.Pool({ connectionString: await silentDatabase() });
      const baton = createBaton({
        audit: false,
        registry: { store: postgresStore({ pool, timeoutMs: 300 }) },
      });
      await expect(baton.ready()).rejects.toMatchObject({
        code: 'BATON_STORE_FAILED',
        message: expect.stringContaining('PostgreSQL did not answer within 300 ms'),
      });
      await expect(baton.history()).rejects.toMatchObject({
        message: expect.stringContaining('did not answer within 300 ms'),
      });
      await baton.close();
      for (const socket of sockets) socket.destroy();
      await pool.end();
    });
  });
});
