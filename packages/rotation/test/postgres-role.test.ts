/**
 * postgresRole against a real PostgreSQL that checks passwords (scram-sha-256): a login with
 * a changed password is refused there (SQLSTATE 28P01), so these tests prove which values
 * log in, not just that statements ran.
 */
import { createBaton, defaultsSource } from '@baton/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresRole, rotate } from '../src/index.js';
import { memorySource } from './support/memory-source.js';
import { ADMIN_URL, logIn, passwordDatabase, urlFor } from './support/roles.js';

const available = ADMIN_URL !== '';
const database = available ? passwordDatabase() : undefined;

afterAll(async () => {
  await database?.cleanup();
});

/** A secret DB_URL whose v1 logs in as users[0], registered, with the admin URL in the Baton. */
async function setup() {
  const { users, v1 } = await (database as ReturnType<typeof passwordDatabase>).pair();
  const source = memorySource({ values: { 'DB_URL:v1': v1 } });
  const baton = createBaton({
    sources: [defaultsSource({ PG_ADMIN_URL: ADMIN_URL }), source],
    audit: false,
  });
  await baton.register('DB_URL', 'DB_URL:v1');
  const rotator = postgresRole({ adminUrl: 'PG_ADMIN_URL', users });
  const value = (ref: string) => source.values.get(ref) as string;
  return { baton, source, users, rotator, value };
}

describe.skipIf(!available)('postgresRole', () => {
  let probe: pg.Client;
  beforeAll(async () => {
    probe = new pg.Client({ connectionString: ADMIN_URL });
    await probe.connect();
  });
  afterAll(async () => {
    await probe?.end();
  });

  it('alternates users: vN and vN+1 both log in, and vN-1 stops when its user gets a new password', async () => {
    const { baton, source, users, rotator, value } = await setup();

    expect(await rotate(baton, 'DB_URL', { rotator, source })).toMatchObject({
      status: 'rotated',
      toRef: 'DB_URL:v2',
    });
    const v2 = new URL(value('DB_URL:v2'));
    expect(v2.username).toBe(users[1]);
    expect({ host: v2.host, pathname: v2.pathname }).toEqual({
      host: new URL(ADMIN_URL).host,
      pathname: new URL(ADMIN_URL).pathname,
    });
    // Both valid during grace: v1 (users[0], untouched) and v2 (users[1], new password).
    expect(await logIn(value('DB_URL:v1'))).toBe(true);
    expect(await logIn(value('DB_URL:v2'))).toBe(true);
    // A wrong password is refused: the server really checks.
    expect(await logIn(urlFor(users[1], 'not-the-password'))).toBe('28P01');

    expect(await rotate(baton, 'DB_URL', { rotator, source })).toMatchObject({
      status: 'rotated',
      toRef: 'DB_URL:v3',
    });
    expect(new URL(value('DB_URL:v3')).username).toBe(users[0]);
    expect(await logIn(value('DB_URL:v2'))).toBe(true);
    expect(await logIn(value('DB_URL:v3'))).toBe(true);
    // users[0] has a new password now: v1's no longer logs in.
    expect(await logIn(value('DB_URL:v1'))).toBe('28P01');
    expect(baton.status('DB_URL')).toMatchObject({
      currentRef: 'DB_URL:v3',
      previousRef: 'DB_URL:v2',
    });
  });

  it('stores a SCRAM verifier made on this side: the password itself never reaches the server', async () => {
    const { baton, source, users, rotator, value } = await setup();
    await rotate(baton, 'DB_URL', { rotator, source });
    const { rows } = await probe.query<{ rolpassword: string }>(
      'SELECT rolpassword FROM pg_authid WHERE rolname = $1',
      [users[1]],
    );
    const password = decodeURIComponent(new URL(value('DB_URL:v2')).password);
    expect(rows[0]?.rolpassword).toMatch(
      /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/,
    );
    expect(rows[0]?.rolpassword).not.toContain(password);
  });

  it('does not change the password of a user that still has connections, until they close; nothing is written meanwhile', async () => {
    const { baton, source, users, rotator, value } = await setup();
    await rotate(baton, 'DB_URL', { rotator, source });
    // An app still on v1 (users[0]) holds a connection: the next rotation would change users[0].
    const app = new pg.Client({ connectionString: value('DB_URL:v1') });
    await app.connect();

    const refused = await rotate(baton, 'DB_URL', { rotator, source });

    expect(refused).toMatchObject({ status: 'failed', step: 'create', toRef: 'DB_URL:v3' });
    expect(refused.error?.message).toContain(`"${users[0]}" still has 1 open connection`);
    expect(source.values.has('DB_URL:v3')).toBe(false);
    expect(await app.query('SELECT 1 AS ok')).toMatchObject({ rows: [{ ok: 1 }] });
    expect(await logIn(value('DB_URL:v1'))).toBe(true);

    await app.end();
    expect(await rotate(baton, 'DB_URL', { rotator, source })).toMatchObject({
      status: 'rotated',
      toRef: 'DB_URL:v3',
    });
  });

  it('never sets the password of the user the current ref logs in as: such a half-made version is rolled back', async () => {
    const { baton, source, users, rotator, value } = await setup();
    // A version left above v1 that logs in as the current user (written by hand by mistake).
    source.values.set('DB_URL:v2', urlFor(users[0], 'typed-by-hand'));

    const result = await rotate(baton, 'DB_URL', { rotator, source });

    expect(result).toMatchObject({
      status: 'rotated',
      toRef: 'DB_URL:v3',
      resumed: true,
      abandoned: ['DB_URL:v2'],
    });
    expect(new URL(value('DB_URL:v3')).username).toBe(users[1]);
    expect(await logIn(value('DB_URL:v1'))).toBe(true);
    expect(await logIn(value('DB_URL:v3'))).toBe(true);
  });

  it('reads the admin URL through Baton, never from its options', () => {
    expect(() => postgresRole({ adminUrl: ADMIN_URL, users: ['a', 'b'] })).toThrow(
      "postgresRole: adminUrl must be the ref of the secret holding the admin connection URL (e.g. 'PG_ADMIN_URL'), read through Baton; never the URL itself",
    );
    expect(() => postgresRole({ adminUrl: 'PG_ADMIN_URL', users: ['a', 'a'] })).toThrow(
      'users must be two different roles',
    );
  });

  it("fails at test, with PostgreSQL's reason, when the new login does not work", async () => {
    const { baton, source, users } = await setup();
    // users[1] may not log in: set gives it a password, but the login is refused.
    await probe.query(`ALTER ROLE ${users[1]} VALID UNTIL '2000-01-01'`);
    const rotator = postgresRole({ adminUrl: 'PG_ADMIN_URL', users });

    const result = await rotate(baton, 'DB_URL', { rotator, source });

    expect(result).toMatchObject({ status: 'failed', step: 'test', toRef: 'DB_URL:v2' });
    expect(result.error?.message).toContain(
      `could not connect to PostgreSQL with DB_URL:v2 (as "${users[1]}"): password authentication failed for user "${users[1]}" (SQLSTATE 28P01)`,
    );
    expect(baton.status('DB_URL')?.currentRef).toBe('DB_URL:v1');
  });
});
