/**
 * The PostgreSQL the tests use: 127.0.0.1:5432, database `test`, user `postgres` (override
 * with BATON_TEST_DATABASE_URL). Each test file works in schemas of its own, dropped after.
 */
import { type ManualClock, manualClock } from '@baton/core/testing';
import {
  postgresAvailable as kitPostgresAvailable,
  TEST_DATABASE_URL,
  uniqueName,
} from '@baton-tools/test-kit';
import pg from 'pg';

export const DATABASE_URL = TEST_DATABASE_URL;
export { uniqueName };

/** Whether PostgreSQL answers (skips loudly outside CI, fails under CI=true). */
export function postgresAvailable(): Promise<boolean> {
  return kitPostgresAvailable('The @baton/registry-postgres suites');
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
