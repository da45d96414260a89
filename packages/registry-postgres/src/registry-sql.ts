import { createHash } from 'node:crypto';
import { quoteIdentifier } from './identifiers.js';

/** The longest channel name PostgreSQL accepts. */
const MAX_CHANNEL_LENGTH = 63;

/** Epoch milliseconds of a timestamptz column, as JSON can carry them exactly. */
const epochMs = (column: string) => `(extract(epoch from ${column}) * 1000)::bigint`;

/** The database clock, to the millisecond (JavaScript dates carry no more). */
const NOW = `date_trunc('milliseconds', now())`;

/**
 * An entry as JSON text. Rows are read as text and parsed by the store, so a pool's custom
 * type parsers (for timestamptz or bigint) cannot change what the registry sees.
 */
const ENTRY_JSON = `json_build_object(
  'logical', logical, 'currentRef', current_ref, 'previousRef', previous_ref,
  'activatedAt', ${epochMs('activated_at')}, 'previousActivatedAt', ${epochMs('previous_activated_at')},
  'revision', revision)::text`;

const RECORD_JSON = `json_build_object(
  'logical', logical, 'change', change, 'fromRef', from_ref, 'toRef', to_ref, 'actor', actor,
  'at', ${epochMs('at')}, 'revision', revision)::text`;

/** Every SQL statement of one registry (a schema and a table), with its names quoted once. */
export class RegistrySql {
  /** The LISTEN/NOTIFY channel of this registry. */
  readonly channel: string;
  /** Serialises table creation between processes that start at once. */
  readonly creationLockKey: string;
  readonly tablesExist =
    'SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL AS found';
  /** The parameters of `tablesExist`. */
  readonly tableNames: readonly [string, string];
  readonly schemaExists = 'SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS found';
  readonly createSchema: string;
  readonly createTables: readonly string[];
  readonly loadEntries: string;
  readonly selectEntry: string;
  readonly lockEntry: string;
  readonly promote: string;
  readonly write: string;
  readonly history: string;
  readonly listen: string;

  constructor(
    readonly schema: string,
    readonly table: string,
  ) {
    const qualified = `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
    const history = `${quoteIdentifier(schema)}.${quoteIdentifier(`${table}_history`)}`;
    const readable = `baton:${schema}.${table}`;
    this.channel =
      readable.length <= MAX_CHANNEL_LENGTH
        ? readable
        : `baton:${createHash('sha256').update(`${schema}.${table}`).digest('hex').slice(0, 32)}`;
    this.creationLockKey = `baton-registry:${schema}.${table}`;
    this.listen = `LISTEN ${quoteIdentifier(this.channel)}`;
    this.tableNames = [qualified, history];
    this.createSchema = `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`;
    this.createTables = [
      `CREATE TABLE IF NOT EXISTS ${qualified} (
        logical text PRIMARY KEY,
        current_ref text NOT NULL,
        previous_ref text,
        activated_at timestamptz NOT NULL,
        previous_activated_at timestamptz,
        revision bigint NOT NULL CHECK (revision > 0),
        CHECK (previous_ref <> current_ref),
        CHECK ((previous_ref IS NULL) = (previous_activated_at IS NULL))
      )`,
      `CREATE TABLE IF NOT EXISTS ${history} (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        logical text NOT NULL,
        change text NOT NULL CHECK (change IN ('register', 'promote', 'retire', 'grace_expired')),
        from_ref text,
        to_ref text,
        actor text,
        at timestamptz NOT NULL,
        revision bigint NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${table}_history_by_logical`)}
        ON ${history} (logical, id DESC)`,
    ];
    this.loadEntries = `SELECT ${ENTRY_JSON} AS entry FROM ${qualified}`;
    this.selectEntry = `SELECT ${ENTRY_JSON} AS entry FROM ${qualified} WHERE logical = $1`;
    // The database time and the entry, locked until the transaction ends.
    this.lockEntry = `SELECT ${epochMs(NOW)}::text AS now,
      (SELECT ${ENTRY_JSON} FROM ${qualified} WHERE logical = $1 FOR UPDATE) AS entry`;

    // One statement: the shift reads the row it writes, so concurrent promotions serialise on
    // the row lock and none is lost. $1 logical, $2 new ref, $3 expected revision, $4 actor.
    this.promote = `WITH changed AS (
        UPDATE ${qualified} SET
          previous_ref = current_ref,
          previous_activated_at = activated_at,
          current_ref = $2::text,
          activated_at = ${NOW},
          revision = revision + 1
        WHERE logical = $1::text AND current_ref <> $2::text
          AND ($3::bigint IS NULL OR revision = $3::bigint)
        RETURNING *
      ), logged AS (
        INSERT INTO ${history} (logical, change, from_ref, to_ref, actor, at, revision)
        SELECT logical, 'promote', previous_ref, current_ref, $4::text, activated_at, revision
        FROM changed
      )
      SELECT entry, pg_notify($5::text, entry) FROM (SELECT ${ENTRY_JSON} AS entry FROM changed) AS e`;

    // Writes an entry computed from the locked row; the revision guard turns a row inserted
    // concurrently (there was none to lock) into no row returned, and the caller retries.
    this.write = `WITH written AS (
        INSERT INTO ${qualified} AS t
          (logical, current_ref, previous_ref, activated_at, previous_activated_at, revision)
        VALUES ($1::text, $2::text, $3::text, $4::timestamptz, $5::timestamptz, $6::bigint)
        ON CONFLICT (logical) DO UPDATE SET
          current_ref = excluded.current_ref,
          previous_ref = excluded.previous_ref,
          activated_at = excluded.activated_at,
          previous_activated_at = excluded.previous_activated_at,
          revision = excluded.revision
        WHERE t.revision = excluded.revision - 1
        RETURNING *
      ), logged AS (
        INSERT INTO ${history} (logical, change, from_ref, to_ref, actor, at, revision)
        SELECT logical, $7::text, $8::text, $9::text, $10::text, $11::timestamptz, revision
        FROM written
      )
      SELECT entry, pg_notify($12::text, entry) FROM (SELECT ${ENTRY_JSON} AS entry FROM written) AS e`;

    this.history = `SELECT ${RECORD_JSON} AS record FROM ${history}
      WHERE $1::text IS NULL OR logical = $1::text ORDER BY id DESC LIMIT $2::integer`;
  }
}
