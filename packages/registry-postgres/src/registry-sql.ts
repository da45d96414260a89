import { createHash } from 'node:crypto';
import { quoteIdentifier } from './identifiers.js';

/** The longest channel name PostgreSQL accepts. */
const MAX_CHANNEL_LENGTH = 63;

/** Epoch milliseconds of a timestamptz column, as text. */
const epochMs = (column: string) => `(extract(epoch from ${column}) * 1000)::bigint::text`;

/** The database clock, to the millisecond (JavaScript dates carry no more). */
const NOW = `date_trunc('milliseconds', now())`;

/**
 * An entry's columns, every one as text and in this order (see `entry-row.ts`): rows are read
 * as arrays of text, so a pool's custom type parsers (for timestamptz or bigint) cannot change
 * what the registry sees, and 10k rows parse as fast as a bare `SELECT *`.
 */
const ENTRY_COLUMNS = `logical, current_ref, previous_ref, ${epochMs('activated_at')},
  ${epochMs('previous_activated_at')}, revision::text, change_seq::text, rotation_type,
  rotation_period_days::text`;

/** Every change the history records. */
const CHANGES = `('register', 'promote', 'retire', 'grace_expired', 'policy')`;

const RECORD_JSON = `json_build_object(
  'logical', logical, 'change', change, 'fromRef', from_ref, 'toRef', to_ref, 'actor', actor,
  'at', (extract(epoch from at) * 1000)::bigint, 'revision', revision)::text`;

/** Every SQL statement of one registry (a schema and a table), with its names quoted once. */
export class RegistrySql {
  /** The LISTEN/NOTIFY channel of this registry. */
  readonly channel: string;
  /** Serialises table creation between processes that start at once. */
  readonly creationLockKey: string;
  /**
   * Whether the tables exist with their change numbering and rotation policies (tables made
   * before either lack it, and are brought up to date).
   */
  readonly tablesExist: string;
  /** The parameters of `tablesExist`. */
  readonly tableNames: readonly [string, string, string];
  readonly schemaExists = 'SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS found';
  readonly createSchema: string;
  readonly createTables: readonly string[];
  /**
   * Rows changed after the change number `$1` (every row for 0), each with the highest change
   * number of the table, all read in one snapshot; one row of nulls but the head when none.
   */
  readonly changesSince: string;
  readonly selectEntry: string;
  readonly lockEntry: string;
  readonly promote: string;
  readonly write: string;
  readonly history: string;
  readonly listen: string;
  /** The table of verified message ids (replay protection), made on first use. */
  readonly createDeliveries: readonly string[];
  /** Records a delivery unless a live one with a timestamp at least as new exists; a row when recorded. */
  readonly claimDelivery: string;
  /** Drops the deliveries that can no longer pass a freshness check. */
  readonly sweepDeliveries: string;

  constructor(
    readonly schema: string,
    readonly table: string,
  ) {
    const name = (suffix: string) => quoteIdentifier(`${table}${suffix}`);
    const inSchema = (quoted: string) => `${quoteIdentifier(schema)}.${quoted}`;
    const qualified = inSchema(quoteIdentifier(table));
    const history = inSchema(name('_history'));
    const sequence = inSchema(name('_changes'));
    const numberChange = inSchema(name('_number_change'));
    const readable = `baton:${schema}.${table}`;
    this.channel =
      readable.length <= MAX_CHANNEL_LENGTH
        ? readable
        : `baton:${createHash('sha256').update(`${schema}.${table}`).digest('hex').slice(0, 32)}`;
    this.creationLockKey = `baton-registry:${schema}.${table}`;
    this.listen = `LISTEN ${quoteIdentifier(this.channel)}`;
    this.tableNames = [qualified, history, `${table}_number_change`];
    this.tablesExist = `SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL
      AND EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass($1) AND tgname = $3)
      AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1)
        AND attname = 'rotation_type' AND NOT attisdropped) AS found`;
    this.createSchema = `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`;
    this.createTables = [
      `CREATE SEQUENCE IF NOT EXISTS ${sequence}`,
      `CREATE TABLE IF NOT EXISTS ${qualified} (
        logical text PRIMARY KEY,
        current_ref text NOT NULL,
        previous_ref text,
        activated_at timestamptz NOT NULL,
        previous_activated_at timestamptz,
        revision bigint NOT NULL CHECK (revision > 0),
        change_seq bigint NOT NULL,
        rotation_type text,
        rotation_period_days integer CHECK (rotation_period_days > 0),
        CHECK (rotation_period_days IS NULL OR rotation_type IS NOT NULL),
        CHECK (previous_ref <> current_ref),
        CHECK ((previous_ref IS NULL) = (previous_activated_at IS NULL)),
        CONSTRAINT ${name('_refs_of_logical')} CHECK (split_part(current_ref, ':', 1) = logical
          AND (previous_ref IS NULL OR split_part(previous_ref, ':', 1) = logical))
      )`,
      // Tables made before change numbers existed: number their rows once.
      `ALTER TABLE ${qualified} ADD COLUMN IF NOT EXISTS change_seq bigint NOT NULL
        DEFAULT nextval('${sequence}')`,
      `ALTER TABLE ${qualified} ALTER COLUMN change_seq DROP DEFAULT`,
      `CREATE INDEX IF NOT EXISTS ${name('_by_change')} ON ${qualified} (change_seq)`,
      // Tables made before rotation policies existed: entries without one.
      `ALTER TABLE ${qualified} ADD COLUMN IF NOT EXISTS rotation_type text`,
      `ALTER TABLE ${qualified} ADD COLUMN IF NOT EXISTS rotation_period_days integer
        CHECK (rotation_period_days > 0)`,
      // Every write, the store's or a hand-made UPDATE, takes the next change number. One at a
      // time, the lock held until commit: numbers become visible in order, so a replica that
      // has read every change up to N has missed none below it. SECURITY DEFINER: the
      // application's role needs no right on the sequence.
      `CREATE OR REPLACE FUNCTION ${numberChange}() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
          PERFORM pg_advisory_xact_lock(${changeLockKey(schema, table)}::bigint);
          NEW.change_seq := nextval('${sequence}');
          RETURN NEW;
        END $$`,
      `DROP TRIGGER IF EXISTS ${name('_number_change')} ON ${qualified}`,
      `CREATE TRIGGER ${name('_number_change')} BEFORE INSERT OR UPDATE ON ${qualified}
        FOR EACH ROW EXECUTE FUNCTION ${numberChange}()`,
      `CREATE TABLE IF NOT EXISTS ${history} (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        logical text NOT NULL,
        change text NOT NULL,
        from_ref text,
        to_ref text,
        actor text,
        at timestamptz NOT NULL,
        revision bigint NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS ${name('_history_by_logical')}
        ON ${history} (logical, id DESC)`,
      // The changes a history row may name; tables made before policies had the list inline.
      `ALTER TABLE ${history} DROP CONSTRAINT IF EXISTS ${quoteIdentifier(`${table}_history_change_check`)}`,
      `ALTER TABLE ${history} DROP CONSTRAINT IF EXISTS ${name('_history_change')}`,
      `ALTER TABLE ${history} ADD CONSTRAINT ${name('_history_change')} CHECK (change IN ${CHANGES})`,
    ];
    this.changesSince = `SELECT head::text, changed.* FROM
      (SELECT coalesce(max(change_seq), 0) AS head FROM ${qualified}) AS h
      LEFT JOIN LATERAL (SELECT ${ENTRY_COLUMNS} FROM ${qualified} WHERE change_seq > $1::bigint)
        AS changed ON true`;
    this.selectEntry = `SELECT ${ENTRY_COLUMNS} FROM ${qualified} WHERE logical = $1`;
    // The database time and the entry, locked until the transaction ends.
    this.lockEntry = `SELECT ${epochMs(NOW)} AS now, locked.* FROM (SELECT 1) AS one
      LEFT JOIN LATERAL (SELECT ${ENTRY_COLUMNS} FROM ${qualified} WHERE logical = $1 FOR UPDATE)
        AS locked ON true`;

    // One statement: the shift reads the row it writes, so concurrent promotions serialise on
    // the row lock and none is lost. $1 logical, $2 new ref, $3 expected revision, $4 actor.
    // The notification carries only the change number: a hint to read the table.
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
      SELECT ${ENTRY_COLUMNS}, pg_notify($5::text, change_seq::text) FROM changed`;

    // Writes an entry computed from the locked row; the revision guard turns a row inserted
    // concurrently (there was none to lock) into no row returned, and the caller retries.
    this.write = `WITH written AS (
        INSERT INTO ${qualified} AS t
          (logical, current_ref, previous_ref, activated_at, previous_activated_at, revision,
            rotation_type, rotation_period_days)
        VALUES ($1::text, $2::text, $3::text, $4::timestamptz, $5::timestamptz, $6::bigint,
          $13::text, $14::integer)
        ON CONFLICT (logical) DO UPDATE SET
          current_ref = excluded.current_ref,
          previous_ref = excluded.previous_ref,
          activated_at = excluded.activated_at,
          previous_activated_at = excluded.previous_activated_at,
          revision = excluded.revision,
          rotation_type = excluded.rotation_type,
          rotation_period_days = excluded.rotation_period_days
        WHERE t.revision = excluded.revision - 1
        RETURNING *
      ), logged AS (
        INSERT INTO ${history} (logical, change, from_ref, to_ref, actor, at, revision)
        SELECT logical, $7::text, $8::text, $9::text, $10::text, $11::timestamptz, revision
        FROM written
      )
      SELECT ${ENTRY_COLUMNS}, pg_notify($12::text, change_seq::text) FROM written`;

    const deliveries = inSchema(name('_deliveries'));
    this.createDeliveries = [
      `CREATE TABLE IF NOT EXISTS ${deliveries} (
        key text PRIMARY KEY,
        signed_at bigint NOT NULL,
        expires_at timestamptz NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS ${name('_deliveries_by_expiry')} ON ${deliveries} (expires_at)`,
    ];
    // $1 key, $2 signed timestamp (s), $3 expiry (ms), $4 now (ms). One statement: replicas
    // racing to claim one message cannot both win.
    this.claimDelivery = `INSERT INTO ${deliveries} AS d (key, signed_at, expires_at)
      VALUES ($1::text, $2::bigint, to_timestamp($3::double precision / 1000))
      ON CONFLICT (key) DO UPDATE SET
        signed_at = excluded.signed_at,
        expires_at = greatest(d.expires_at, excluded.expires_at)
      WHERE d.expires_at <= to_timestamp($4::double precision / 1000)
        OR excluded.signed_at > d.signed_at
      RETURNING 1`;
    this.sweepDeliveries = `DELETE FROM ${deliveries}
      WHERE expires_at <= to_timestamp($1::double precision / 1000)`;

    this.history = `SELECT ${RECORD_JSON} AS record FROM ${history}
      WHERE $1::text IS NULL OR logical = $1::text ORDER BY id DESC LIMIT $2::integer`;
  }
}

/** The advisory lock that orders this registry's changes: a 64-bit number named after it. */
function changeLockKey(schema: string, table: string): string {
  const digest = createHash('sha256').update(`baton-registry-changes:${schema}.${table}`).digest();
  return digest.readBigInt64BE(0).toString();
}
