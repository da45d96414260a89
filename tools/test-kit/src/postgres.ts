/**
 * The PostgreSQL the tests of every PostgreSQL-backed package use: 127.0.0.1:5432, database `test`, user `postgres` (override
 * with BATON_TEST_DATABASE_URL). Each test file works in schemas of its own, dropped after.
 */
import { randomBytes } from 'node:crypto';
import { type ManualClock, manualClock } from '@baton/core/testing';
import pg from 'pg';

export const DATABASE_URL =
  process.env.BATON_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Whether PostgreSQL answers. Outside CI a missing server skips the suites with a loud
 * message saying how to start one; under CI=true it fails them.
 */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    const where = new URL(DATABASE_URL);
    const message =
      `PostgreSQL is not reachable at ${where.host}${where.pathname} (${(error as Error).message || (error as { code?: string }).code}). ` +
      'The PostgreSQL suites need it: start it with `docker compose up -d postgres` ' +
      'at the repository root (or point BATON_TEST_DATABASE_URL at one).';
    if (process.env.CI === 'true') throw new Error(`${message} CI=true, so this fails.`);
    console.warn(`\n${'!'.repeat(100)}\nSKIPPED: ${message}\n${'!'.repeat(100)}\n`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A name no other test run uses: schemas and roles of parallel runs never collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** A superuser pool for setting up and inspecting, and the schemas to drop at the end. */
export function adminDatabase() {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  pool.on('error', () => undefined);
  const schemas = new Set<string>();
  const roles = new Set<string>();
  return {
    pool,
    /** A schema name for this test file, dropped by `cleanup`. */
    schema(prefix = 'baton_test'): string {
      const name = uniqueName(prefix);
      schemas.add(name);
      return name;
    },
    /** A role that may log in, dropped by `cleanup` with everything it owns. */
    async role(prefix = 'baton_role'): Promise<string> {
      const name = uniqueName(prefix);
      await pool.query(`CREATE ROLE ${name} LOGIN`);
      roles.add(name);
      return name;
    },
    /** A manual clock set to the database's clock, to move past grace windows without sleeping. */
    async clock(): Promise<ManualClock> {
      const { rows } = await pool.query<{ now: string }>(
        'SELECT (extract(epoch from now()) * 1000)::bigint::text AS now',
      );
      return manualClock(Number(rows[0]?.now));
    },
    async cleanup(): Promise<void> {
      for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      for (const role of roles) await pool.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
      await pool.end();
    },
  };
}

/** Waits until `condition` holds: for changes arriving by notification or reconnection. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`the condition did not hold within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The connection string of the test database as another user, or with another app name. */
export function databaseUrl(changes: { user?: string; applicationName?: string }): string {
  const url = new URL(DATABASE_URL);
  if (changes.user !== undefined) url.username = changes.user;
  if (changes.applicationName !== undefined) {
    url.searchParams.set('application_name', changes.applicationName);
  }
  return url.toString();
}
