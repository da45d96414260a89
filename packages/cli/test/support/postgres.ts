import {
  postgresAvailable as available,
  TEST_DATABASE_URL,
  uniqueName,
} from '@baton-tools/test-kit';
import pg from 'pg';

export const DATABASE_URL = TEST_DATABASE_URL;

/** Whether PostgreSQL answers (skips loudly outside CI, fails under CI=true). */
export const postgresAvailable = () => available("The baton command's PostgreSQL store suite");

/** A schema no other run uses, and a way to drop it. */
export function uniqueSchema(): { name: string; drop(): Promise<void> } {
  const name = uniqueName('baton_cli');
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
