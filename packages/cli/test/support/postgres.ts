import { DATABASE_URL, uniqueName } from '@baton-tools/test-kit/postgres';
import pg from 'pg';

export { DATABASE_URL, postgresAvailable } from '@baton-tools/test-kit/postgres';

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
