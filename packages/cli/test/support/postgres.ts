import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const DATABASE_URL =
  process.env.BATON_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Whether PostgreSQL answers: outside CI a missing server skips the suite loudly, under
 * CI=true it fails it.
 */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch (error) {
    const message = `PostgreSQL is not reachable at ${new URL(DATABASE_URL).host} (${(error as Error).message}); the baton CLI's PostgreSQL store tests need it: docker compose up -d postgres.`;
    if (process.env.CI === 'true') throw new Error(`${message} CI=true, so this fails.`);
    console.warn(`\n${'!'.repeat(100)}\nSKIPPED: ${message}\n${'!'.repeat(100)}\n`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A schema no other run uses, and a way to drop it. */
export function uniqueSchema(): { name: string; drop(): Promise<void> } {
  const name = `baton_cli_${process.pid}_${randomBytes(4).toString('hex')}`;
  return {
    name,
    async drop() {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      await client.end();
    },
  };
}
