/** Login roles on the password-checking PostgreSQL, made per test and dropped after. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export const ADMIN_URL = inject('passwordPostgresUrl');
export const SERVER_LOG = inject('passwordPostgresLog');

/** The admin URL with another user and password: what a value of postgresRole looks like. */
export function urlFor(user: string, password: string): string {
  const url = new URL(ADMIN_URL);
  url.username = user;
  url.password = password;
  return url.href;
}

/** Whether `url` logs in: `true`, or PostgreSQL's SQLSTATE (28P01: wrong password). */
export async function logIn(url: string): Promise<true | string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    return String((error as { code?: unknown }).code ?? (error as Error).name);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function passwordDatabase() {
  const pool = new pg.Pool({ connectionString: ADMIN_URL, max: 2 });
  pool.on('error', () => undefined);
  const made: string[] = [];
  return {
    pool,
    /**
     * Two login roles (`<prefix>_a`, `<prefix>_b`, unique to this run) that may read
     * `table`, and the URL of the first with its password: the `v1` of a secret.
     */
    async pair(prefix = 'rot'): Promise<{ users: [string, string]; v1: string }> {
      const base = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
      const users: [string, string] = [`${base}_a`, `${base}_b`];
      const password = randomBytes(18).toString('base64url');
      for (const user of users) {
        await pool.query(
          `CREATE ROLE ${user} LOGIN PASSWORD '${user === users[0] ? password : randomBytes(18).toString('base64url')}'`,
        );
        made.push(user);
      }
      return { users, v1: urlFor(users[0], password) };
    },
    /** Connections open as `user`, as postgresRole's set counts them. */
    async connections(user: string): Promise<number> {
      const { rows } = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1',
        [user],
      );
      return rows[0]?.n ?? 0;
    },
    async cleanup(): Promise<void> {
      for (const user of made) {
        await pool.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`,
          [user],
        );
        await pool.query(`DROP OWNED BY ${user}; DROP ROLE ${user}`);
      }
      await pool.end();
    },
  };
}
