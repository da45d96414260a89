import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL the tests use: 127.0.0.1:5432, database `test`, user `postgres` (override
 * with BATON_TEST_DATABASE_URL).
 */
export const TEST_DATABASE_URL =
  process.env.BATON_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Whether PostgreSQL answers. Outside CI a missing server skips the suites with a loud
 * message naming `suites` and how to start one; under CI=true it fails them.
 *
 * @example
 * const available = await postgresAvailable('The @baton/cli PostgreSQL store suites');
 * describe.runIf(available)('…', () => { … });
 */
export async function postgresAvailable(suites: string): Promise<boolean> {
  const client = new pg.Client({
    connectionString: TEST_DATABASE_URL,
    connectionTimeoutMillis: 3_000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    const where = new URL(TEST_DATABASE_URL);
    const message =
      `PostgreSQL is not reachable at ${where.host}${where.pathname} (${(error as Error).message || (error as { code?: string }).code}). ` +
      `${suites} need it: start it with \`docker compose up -d postgres\` ` +
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
