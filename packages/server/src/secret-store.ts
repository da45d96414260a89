import { BatonError } from '@baton/core';
import { describeError, quoteIdentifier } from '@baton/registry-postgres/connection';
import type pg from 'pg';
import { MAX_UNCONDITIONAL_ATTEMPTS } from './constants.js';
import { DecryptionError, SecretStoreError, VersionConflictError } from './errors.js';
import type { KeyRing } from './key-ring.js';
import { open, seal } from './value-cipher.js';

/** The key/value pairs of one secret version. */
export type SecretData = Record<string, string>;

/** One version of a secret, decrypted. */
export interface SecretVersion {
  readonly path: string;
  readonly version: number;
  readonly data: SecretData;
  readonly createdAt: Date;
  readonly actor: string | null;
}

/** A version's history record: no value. */
export interface VersionRecord {
  readonly version: number;
  readonly createdAt: Date;
  readonly actor: string | null;
}

/** A change: a new version of a path. `id` orders every change of the service. */
export interface ChangeEvent {
  readonly id: number;
  readonly path: string;
  readonly version: number;
  readonly actor: string | null;
  readonly at: Date;
}

export interface WriteOptions {
  /**
   * Check-and-set: the version the writer read (0 = the path must not exist yet). The write
   * fails with `VersionConflictError` when the path is at another version. Without it, the
   * write goes on top of whatever is current.
   */
  expectedVersion?: number;
  /** Who wrote it (a token's `sub`), kept in the history. */
  actor?: string | null;
}

/** What `reencrypt` did: versions moved to the current key, and those left as they were. */
export interface ReencryptResult {
  readonly moved: number;
  readonly failed: number;
  readonly keyRef: string;
}

interface VersionRow {
  seq: string;
  path: string;
  version: number;
  key_ref: string;
  iv: Buffer;
  ciphertext: Buffer;
  actor: string | null;
  created_at: Date;
}

const REENCRYPT_BATCH = 100;

/**
 * Secret versions in PostgreSQL, encrypted. Two tables: `secret_heads` (one row per path,
 * its current version) and `secret_versions` (every version: key ref, nonce, ciphertext,
 * actor, time, and `seq`, the change's position for event streams). A write is one
 * statement that moves the head only when it is at the expected version and inserts the
 * version in the same breath, so replicas racing for a version cannot both win.
 */
export class SecretStore {
  private readonly heads: string;
  private readonly versions: string;

  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private readonly keys: KeyRing,
    /** The NOTIFY channel that tells every replica a change was committed. */
    readonly channel: string,
  ) {
    this.heads = `${quoteIdentifier(schema)}.secret_heads`;
    this.versions = `${quoteIdentifier(schema)}.secret_versions`;
  }

  /**
   * Creates the schema and tables when missing. Replicas starting together take turns: `IF NOT
   * EXISTS` alone lets two of them create the same schema at once, and one fails. The statements
   * run as one transaction, which holds the advisory lock until it ends (one lock for every
   * schema: creating tables is rare and quick).
   */
  async migrate(): Promise<void> {
    await this.query(
      `SELECT pg_advisory_xact_lock(hashtext('baton secrets api: create tables'));
       CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(this.schema)};
       CREATE TABLE IF NOT EXISTS ${this.heads} (
         path text PRIMARY KEY,
         version integer NOT NULL CHECK (version > 0)
       );
       CREATE TABLE IF NOT EXISTS ${this.versions} (
         seq bigserial UNIQUE,
         path text NOT NULL,
         version integer NOT NULL CHECK (version > 0),
         key_ref text NOT NULL,
         iv bytea NOT NULL,
         ciphertext bytea NOT NULL,
         actor text,
         created_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (path, version)
       );`,
      [],
      'create the tables',
    );
  }

  /** Version `version` of `path` (default: the current one), or `undefined`. */
  async read(path: string, version?: number): Promise<SecretVersion | undefined> {
    const { rows } =
      version === undefined
        ? await this.query<VersionRow>(
            `SELECT v.* FROM ${this.heads} h JOIN ${this.versions} v
               ON v.path = h.path AND v.version = h.version WHERE h.path = $1`,
            [path],
            `read ${path}`,
          )
        : await this.query<VersionRow>(
            `SELECT * FROM ${this.versions} WHERE path = $1 AND version = $2`,
            [path, version],
            `read ${path}`,
          );
    const row = rows[0];
    if (row === undefined) return undefined;
    const data = JSON.parse(await this.decrypt(row)) as SecretData;
    return {
      path: row.path,
      version: row.version,
      data,
      createdAt: row.created_at,
      actor: row.actor,
    };
  }

  /** Every version of `path`, oldest first, without values. Empty when the path is unknown. */
  async history(path: string): Promise<VersionRecord[]> {
    const { rows } = await this.query<{ version: number; created_at: Date; actor: string | null }>(
      `SELECT version, created_at, actor FROM ${this.versions} WHERE path = $1 ORDER BY version`,
      [path],
      `read the history of ${path}`,
    );
    return rows.map((row) => ({
      version: row.version,
      createdAt: row.created_at,
      actor: row.actor,
    }));
  }

  /** The current version of `path`; 0 when it does not exist. */
  async currentVersion(path: string): Promise<number> {
    const { rows } = await this.query<{ version: number }>(
      `SELECT version FROM ${this.heads} WHERE path = $1`,
      [path],
      `read the version of ${path}`,
    );
    return rows[0]?.version ?? 0;
  }

  /**
   * Writes a new version of `path`, encrypted with the current key. With `expectedVersion`
   * it is check-and-set; without, it retries on top of whatever won until it lands.
   */
  async write(path: string, data: SecretData, options: WriteOptions = {}): Promise<ChangeEvent> {
    const plaintext = JSON.stringify(data);
    const actor = options.actor ?? null;
    if (options.expectedVersion !== undefined) {
      const written = await this.writeAt(path, plaintext, options.expectedVersion, actor);
      if (written !== undefined) return written;
      throw new VersionConflictError(
        path,
        options.expectedVersion,
        await this.currentVersion(path),
      );
    }
    for (let attempt = 0; attempt < MAX_UNCONDITIONAL_ATTEMPTS; attempt++) {
      const current = await this.currentVersion(path);
      const written = await this.writeAt(path, plaintext, current, actor);
      if (written !== undefined) return written;
    }
    throw new SecretStoreError(
      `${path} changed under ${MAX_UNCONDITIONAL_ATTEMPTS} writes in a row; retry, or write with a version`,
    );
  }

  /** One check-and-set statement; `undefined` when the head was not at `expected`. */
  private async writeAt(
    path: string,
    plaintext: string,
    expected: number,
    actor: string | null,
  ): Promise<ChangeEvent | undefined> {
    const version = expected + 1;
    const keyRef = this.keys.currentRef();
    const sealed = seal(await this.keys.key(keyRef), path, version, plaintext);
    // The head moves only from the expected version (or is created for 0); the version row
    // is inserted only when it moved, and its seq only then drawn, so a lost race leaves no
    // gap in the event positions.
    const head =
      expected === 0
        ? `INSERT INTO ${this.heads} (path, version) VALUES ($1, 1)
             ON CONFLICT (path) DO NOTHING RETURNING version`
        : `UPDATE ${this.heads} SET version = version + 1
             WHERE path = $1 AND version = $2 - 1 RETURNING version`;
    const { rows } = await this.query<{ seq: string; created_at: Date }>(
      `WITH head AS (${head}),
       inserted AS (
         INSERT INTO ${this.versions} (path, version, key_ref, iv, ciphertext, actor)
         SELECT $1, head.version, $3, $4, $5, $6 FROM head WHERE head.version = $2
         RETURNING seq, created_at
       )
       SELECT seq, created_at, pg_notify($7, seq::text) FROM inserted`,
      [path, version, keyRef, sealed.iv, sealed.ciphertext, actor, this.channel],
      `write ${path}`,
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    return { id: Number(row.seq), path, version, actor, at: row.created_at };
  }

  /** The position of the newest committed change (0 when there is none). */
  async lastEventId(): Promise<number> {
    const { rows } = await this.query<{ seq: string | null }>(
      `SELECT max(seq)::text AS seq FROM ${this.versions}`,
      [],
      'read the newest change',
    );
    return Number(rows[0]?.seq ?? 0);
  }

  /** Changes after position `after`, oldest first, at most `limit`. */
  async eventsAfter(after: number, limit: number, upTo?: number): Promise<ChangeEvent[]> {
    const { rows } = await this.query<
      Pick<VersionRow, 'seq' | 'path' | 'version' | 'actor' | 'created_at'>
    >(
      `SELECT seq::text AS seq, path, version, actor, created_at FROM ${this.versions}
        WHERE seq > $1 AND ($3::bigint IS NULL OR seq <= $3) ORDER BY seq LIMIT $2`,
      [after, limit, upTo ?? null],
      'read changes',
    );
    return rows.map((row) => ({
      id: Number(row.seq),
      path: row.path,
      version: row.version,
      actor: row.actor,
      at: row.created_at,
    }));
  }

  /**
   * Moves every version encrypted with another key to the current key, in batches, each row
   * only if nobody moved it meanwhile. A version whose old key no longer resolves is counted
   * as failed and left as it was.
   */
  async reencrypt(): Promise<ReencryptResult> {
    const keyRef = this.keys.currentRef();
    const key = await this.keys.key(keyRef);
    let moved = 0;
    let failed = 0;
    const skipped: string[] = [];
    for (;;) {
      const { rows } = await this.query<VersionRow>(
        `SELECT * FROM ${this.versions} WHERE key_ref <> $1 AND NOT (seq::text = ANY($3))
          ORDER BY seq LIMIT $2`,
        [keyRef, REENCRYPT_BATCH, skipped],
        'find versions under old keys',
      );
      if (rows.length === 0) return { moved, failed, keyRef };
      for (const row of rows) {
        let plaintext: string;
        try {
          plaintext = await this.decrypt(row);
        } catch {
          failed++;
          skipped.push(row.seq);
          continue;
        }
        const sealed = seal(key, row.path, row.version, plaintext);
        const { rowCount } = await this.query(
          `UPDATE ${this.versions} SET key_ref = $1, iv = $2, ciphertext = $3
            WHERE path = $4 AND version = $5 AND key_ref = $6`,
          [keyRef, sealed.iv, sealed.ciphertext, row.path, row.version, row.key_ref],
          `re-encrypt ${row.path}`,
        );
        moved += rowCount ?? 0;
      }
    }
  }

  /** Whether PostgreSQL answers. */
  async ping(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  private async decrypt(row: VersionRow): Promise<string> {
    let key: Buffer;
    try {
      key = await this.keys.key(row.key_ref);
    } catch (error) {
      throw new DecryptionError(
        row.path,
        row.version,
        `its key ${row.key_ref} is not available; set it again, or run reencrypt while it is`,
        { cause: error },
      );
    }
    try {
      return open(key, row.path, row.version, row);
    } catch {
      throw new DecryptionError(
        row.path,
        row.version,
        `the stored ciphertext does not authenticate under ${row.key_ref} (altered or moved row)`,
      );
    }
  }

  private async query<R extends pg.QueryResultRow>(
    text: string,
    values: unknown[],
    what: string,
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (error) {
      if (error instanceof BatonError) throw error;
      throw new SecretStoreError(`could not ${what}: ${describeError(error)}`, { cause: error });
    }
  }
}
