import type pg from 'pg';

/** A connection checked out of the pool, with its loss noted from the first moment. */
export interface CheckedOut {
  readonly client: pg.PoolClient;
  /** The error the connection ended with, if it did while checked out. */
  lost(): Error | undefined;
  /** Gives it back; a connection that was lost, or `destroy`, is closed instead of kept. */
  release(destroy?: boolean): void;
}

/**
 * Checks a connection out of the pool with an 'error' listener attached at once. pg-pool
 * listens only while a connection is idle, and hands a new one over from inside the network
 * read that finished connecting it: PostgreSQL ending it in that same read (a terminated
 * backend) would otherwise emit 'error' before a listener attached after an `await`, and an
 * 'error' event without a listener ends the process.
 */
export function checkout(pool: pg.Pool): Promise<CheckedOut> {
  return new Promise((resolve, reject) => {
    // The callback form: pg-pool calls it synchronously as it hands the connection over.
    pool.connect((error, client, done) => {
      if (error !== undefined || client === undefined) {
        reject(error ?? new Error('the pool gave no connection'));
        return;
      }
      let lost: Error | undefined;
      const onError = (cause: Error) => {
        lost ??= cause;
      };
      client.on('error', onError);
      resolve({
        client,
        lost: () => lost,
        release(destroy = false) {
          client.off('error', onError);
          done(destroy || lost !== undefined);
        },
      });
    });
  });
}
