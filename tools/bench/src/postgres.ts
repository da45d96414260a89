import pg from 'pg';

/** The PostgreSQL the benchmarks use (override with BATON_BENCH_DATABASE_URL). */
export const DATABASE_URL =
  process.env.BATON_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A small pool on the bench database, and whether it answers; when it does not, says so on
 * stdout (what is left out, and how to start PostgreSQL) so the table is not silently short.
 */
export async function benchDatabase(
  leftOut: string,
): Promise<{ admin: pg.Pool; reachable: boolean }> {
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  admin.on('error', () => undefined);
  const reachable = await admin.query('SELECT 1').then(
    () => true,
    (error: Error) => {
      process.stdout.write(
        `\nPostgreSQL is not reachable at ${new URL(DATABASE_URL).host} (${error.message}): ${leftOut}. Start it with \`docker compose up -d postgres\`.\n`,
      );
      return false;
    },
  );
  return { admin, reachable };
}
