import {
  applyChange,
  BatonError,
  type ChangeResult,
  ConfigError,
  NoEntryError,
  type RegistryChange,
  type RegistryEntry,
  type RegistryHistoryRecord,
  type RegistryStore,
  StoreError,
} from '@baton/core';
import pg from 'pg';
import { ChangeFeed } from './change-feed.js';
import {
  APPLICATION_NAME,
  DEFAULT_HISTORY_LIMIT,
  DEFAULT_POOL_SIZE,
  DEFAULT_RECONCILE_INTERVAL_MS,
  DEFAULT_RECONNECT_DELAY_MS,
  DEFAULT_SCHEMA,
  DEFAULT_TABLE,
  DEFAULT_TIMEOUT_MS,
  MAX_RECONNECT_DELAY_MS,
  POOL_IDLE_TIMEOUT_MS,
} from './constants.js';
import { withDeadline } from './deadline.js';
import { describeError } from './describe-error.js';
import { parseEntry, parseHistoryRecord } from './entry-json.js';
import { identifierProblem, MAX_TABLE_LENGTH } from './identifiers.js';
import { RegistrySql } from './registry-sql.js';

export interface PostgresStoreOptions {
  /** Where the registry lives, e.g. `postgres://app@db:5432/app`. Give this or `pool`. */
  connectionString?: string;
  /**
   * A `pg` pool of your own (for TLS settings, say). The store borrows from it and never ends
   * it; one of its connections stays checked out to listen for changes.
   */
  pool?: pg.Pool;
  /** The schema of the tables, created when missing. Default `'public'`. */
  schema?: string;
  /** The registry table; the history goes to `<table>_history`. Default `'baton_registry'`. */
  table?: string;
  /**
   * How long a read or write may take, connecting included, before it fails with a
   * `StoreError`. Default 5000 (5 s).
   */
  timeoutMs?: number;
  /** How often every entry is reloaded, a backstop to notifications. Default 30 000 (30 s). */
  reconcileIntervalMs?: number;
  /** The first pause before reconnecting the change feed; it doubles up to 10 s. Default 500. */
  reconnectDelayMs?: number;
  /**
   * Told when the store loses PostgreSQL in the background (the change feed, a
   * reconciliation); replicas keep verifying from their snapshots meanwhile. Default: a
   * warning on stderr, once per outage.
   */
  onError?: (error: StoreError) => void;
}

interface Settings {
  pool: pg.Pool;
  ownsPool: boolean;
  sql: RegistrySql;
  timeoutMs: number;
  reconcileIntervalMs: number;
  reconnectDelayMs: number;
  onError: (error: StoreError) => void;
}

type Listener = (entries: readonly RegistryEntry[]) => void;

/** How many times a write is retried when another writer created the same entry first. */
const MAX_WRITE_ATTEMPTS = 5;

/**
 * A registry store in PostgreSQL, shared by every replica: one row per logical name with a
 * revision for compare-and-set, a history table of every change, timestamps from the
 * database clock, and LISTEN/NOTIFY pushing each change into every replica's snapshot (with
 * a resync after each reconnection and a periodic reconciliation as a backstop).
 *
 * @example
 * const store = postgresStore({ connectionString: process.env.DATABASE_URL });
 * const baton = createBaton({ registry: { store } });
 * await baton.ready();
 * await baton.register('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v1', { ifAbsent: true });
 */
export function postgresStore(options: PostgresStoreOptions): RegistryStore {
  return new PostgresRegistryStore(resolveOptions(options));
}

class PostgresRegistryStore implements RegistryStore {
  readonly name: string;
  private readonly pool: pg.Pool;
  private readonly sql: RegistrySql;
  private readonly listeners = new Set<Listener>();
  private tables: Promise<void> | undefined;
  private feed: ChangeFeed | undefined;
  private reconcileTimer: ReturnType<typeof setInterval> | undefined;
  private reconciling = false;
  private reported: string | undefined;
  private closed = false;
  /** Idle pooled connections die with the server; `pg` reports it here, not to a caller. */
  private readonly onPoolError = () => undefined;

  constructor(private readonly settings: Settings) {
    this.pool = settings.pool;
    this.sql = settings.sql;
    this.name = `postgres:${this.sql.schema}.${this.sql.table}`;
    this.pool.on('error', this.onPoolError);
  }

  async load(): Promise<readonly RegistryEntry[]> {
    await this.ensureTables('load the registry');
    const rows = await this.query<{ entry: string }>('load the registry', this.sql.loadEntries);
    return rows.map((row) => this.entryOf(row.entry, 'load the registry'));
  }

  async apply(change: RegistryChange, _now: Date): Promise<ChangeResult> {
    const operation = `${change.kind} ${change.logical}`;
    await this.ensureTables(operation);
    return change.kind === 'promote'
      ? this.promote(change, operation)
      : this.applyLocked(change, operation);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    this.follow();
    return () => this.listeners.delete(listener);
  }

  async history(
    query: { logical?: string; limit?: number } = {},
  ): Promise<readonly RegistryHistoryRecord[]> {
    const limit = query.limit ?? DEFAULT_HISTORY_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new ConfigError('history: limit must be a positive integer');
    }
    await this.ensureTables('read the history');
    const rows = await this.query<{ record: string }>('read the history', this.sql.history, [
      query.logical ?? null,
      limit,
    ]);
    return rows.map((row) => {
      const record = parseHistoryRecord(row.record);
      if (record === undefined) {
        throw new StoreError(this.name, 'could not read the history: a row is malformed');
      }
      return record;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.reconcileTimer);
    this.listeners.clear();
    await this.feed?.close();
    this.pool.off('error', this.onPoolError);
    if (this.settings.ownsPool) await this.pool.end();
  }

  /** The one atomic statement of a promotion; when it changes nothing, a read says why. */
  private async promote(
    change: Extract<RegistryChange, { kind: 'promote' }>,
    operation: string,
  ): Promise<ChangeResult> {
    for (let attempt = 1; ; attempt++) {
      const [written] = await this.query<{ entry: string }>(operation, this.sql.promote, [
        change.logical,
        change.ref,
        change.expectedRevision ?? null,
        change.actor ?? null,
        this.sql.channel,
      ]);
      if (written !== undefined) {
        return { entry: this.entryOf(written.entry, operation), changed: true };
      }
      const [row] = await this.query<{ entry: string }>(operation, this.sql.selectEntry, [
        change.logical,
      ]);
      if (row === undefined) throw new NoEntryError(change.logical);
      const current = this.entryOf(row.entry, operation);
      // The same rules as applyChange: a conflict, or the ref is current already (a no-op).
      const { result } = applyChange(current, change, new Date());
      if (!result.changed) return result;
      // Another writer changed the entry between the two statements: try again on top of it.
      if (attempt === MAX_WRITE_ATTEMPTS) throw this.contended(operation);
    }
  }

  /**
   * Register and retire: the row is locked, the change computed by core's `applyChange` with
   * the database clock, and the result written with its history record and notification.
   */
  private async applyLocked(change: RegistryChange, operation: string): Promise<ChangeResult> {
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      const outcome = await this.transaction(operation, async (client) => {
        const locked = await client.query<{ now: string; entry: string | null }>(
          this.sql.lockEntry,
          [change.logical],
        );
        const row = locked.rows[0];
        const before = row?.entry == null ? undefined : this.entryOf(row.entry, operation);
        const { result, record } = applyChange(before, change, new Date(Number(row?.now)));
        if (!result.changed || record === undefined) return result;
        const { entry } = result;
        const written = await client.query<{ entry: string }>(this.sql.write, [
          entry.logical,
          entry.currentRef,
          entry.previousRef ?? null,
          entry.activatedAt.toISOString(),
          entry.previousActivatedAt?.toISOString() ?? null,
          entry.revision,
          record.change,
          record.fromRef ?? null,
          record.toRef ?? null,
          record.actor ?? null,
          record.at.toISOString(),
          this.sql.channel,
        ]);
        const [stored] = written.rows;
        return stored === undefined
          ? undefined
          : { entry: this.entryOf(stored.entry, operation), changed: true };
      });
      if (outcome !== undefined) return outcome;
    }
    throw this.contended(operation);
  }

  /** Starts the change feed and the reconciliation, once someone follows the registry. */
  private follow(): void {
    if (this.feed !== undefined || this.closed) return;
    this.feed = new ChangeFeed({
      pool: this.pool,
      listen: this.sql.listen,
      channel: this.sql.channel,
      timeoutMs: this.settings.timeoutMs,
      reconnectDelayMs: this.settings.reconnectDelayMs,
      maxReconnectDelayMs: Math.max(MAX_RECONNECT_DELAY_MS, this.settings.reconnectDelayMs),
      onNotification: (payload) => this.receive(payload),
      onListening: () => this.resync(),
      onError: (error) =>
        this.report(
          new StoreError(
            this.name,
            `lost the connection that listens for changes (${describeError(error)}); verifying from the last snapshot and reconnecting`,
            { cause: error },
          ),
        ),
    });
    this.feed.start();
    this.reconcileTimer = setInterval(() => this.reconcile(), this.settings.reconcileIntervalMs);
    this.reconcileTimer.unref();
  }

  private receive(payload: string): void {
    const entry = parseEntry(payload);
    // Not a notification this store sent (someone ran NOTIFY by hand): read the table instead.
    if (entry === undefined) this.reconcile();
    else this.publish([entry]);
  }

  /** Reads every entry and passes them on; the registry keeps the newer of each. */
  private async resync(): Promise<void> {
    const entries = await this.load();
    this.reported = undefined;
    this.publish(entries);
  }

  private reconcile(): void {
    if (this.reconciling || this.closed) return;
    this.reconciling = true;
    this.resync()
      .catch((error: unknown) =>
        this.report(
          error instanceof StoreError
            ? error
            : new StoreError(this.name, `could not reconcile (${describeError(error)})`, {
                cause: error,
              }),
        ),
      )
      .finally(() => {
        this.reconciling = false;
      });
  }

  private publish(entries: readonly RegistryEntry[]): void {
    if (this.closed) return;
    for (const listener of this.listeners) listener(entries);
  }

  /** Reports a background problem once, until the store has reached PostgreSQL again. */
  private report(error: StoreError): void {
    if (this.reported !== undefined || this.closed) return;
    this.reported = error.message;
    this.settings.onError(error);
  }

  /** Creates the schema and tables on first use, once per store; concurrent starts are safe. */
  private ensureTables(operation: string): Promise<void> {
    this.tables ??= this.createTables(operation).catch((error: unknown) => {
      this.tables = undefined;
      throw error;
    });
    return this.tables;
  }

  private async createTables(operation: string): Promise<void> {
    const [existing] = await this.query<{ found: boolean }>(operation, this.sql.tablesExist, [
      ...this.sql.tableNames,
    ]);
    // Tables made by a DBA need no rights beyond reading and writing them.
    if (existing?.found) return;
    await this.transaction(`${operation}: could not create its tables`, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.sql.creationLockKey]);
      const schema = await client.query<{ found: boolean }>(this.sql.schemaExists, [
        this.sql.schema,
      ]);
      if (!schema.rows[0]?.found) await client.query(this.sql.createSchema);
      for (const statement of this.sql.createTables) await client.query(statement);
    });
  }

  private async query<R extends pg.QueryResultRow>(
    operation: string,
    text: string,
    values: unknown[] = [],
  ): Promise<R[]> {
    return this.withClient(operation, async (client) => (await client.query<R>(text, values)).rows);
  }

  private async transaction<T>(
    operation: string,
    work: (client: pg.PoolClient) => Promise<T>,
  ): Promise<T> {
    return this.withClient(operation, async (client) => {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /**
   * Runs `work` on a pooled connection within `timeoutMs`, connecting included, so a write
   * to an unreachable database fails quickly instead of hanging. Errors become `StoreError`s
   * naming the store and the operation; conflicts and missing entries pass through.
   */
  private async withClient<T>(
    operation: string,
    work: (client: pg.PoolClient) => Promise<T>,
  ): Promise<T> {
    const { timeoutMs } = this.settings;
    const task = (async () => {
      const client = await this.pool.connect();
      // The pool listens for errors of idle connections only. PostgreSQL ending this one
      // (pg_terminate_backend, a failover) between two of its statements emits 'error', and
      // without a listener that would end the process: note it, and the next statement fails.
      let lost = false;
      const onError = () => {
        lost = true;
      };
      client.on('error', onError);
      try {
        const result = await work(client);
        client.off('error', onError);
        client.release(lost);
        return result;
      } catch (error) {
        client.off('error', onError);
        // After a failure the connection's state is unknown: it never goes back to the pool.
        client.release(true);
        throw error;
      }
    })();
    try {
      return await withDeadline(
        task,
        timeoutMs,
        () =>
          new StoreError(
            this.name,
            `could not ${operation}: PostgreSQL did not answer within ${timeoutMs} ms` +
              (operation.startsWith('load') || operation.startsWith('read')
                ? ''
                : ' (the change may still be applied; the snapshot catches up when it is)'),
          ),
      );
    } catch (error) {
      if (error instanceof BatonError) throw error;
      throw new StoreError(this.name, `could not ${operation}: ${describeError(error)}`, {
        cause: error,
      });
    }
  }

  private entryOf(text: string, operation: string): RegistryEntry {
    const entry = parseEntry(text);
    if (entry === undefined) {
      throw new StoreError(this.name, `could not ${operation}: a registry row is malformed`);
    }
    return entry;
  }

  private contended(operation: string): StoreError {
    return new StoreError(
      this.name,
      `could not ${operation}: the entry kept changing under ${MAX_WRITE_ATTEMPTS} attempts; retry`,
    );
  }
}

/** Merges defaults and checks every option, reporting all problems in one `ConfigError`. */
function resolveOptions(options: PostgresStoreOptions): Settings {
  const issues: string[] = [];
  const given = options ?? {};
  const schema = given.schema ?? DEFAULT_SCHEMA;
  const table = given.table ?? DEFAULT_TABLE;
  for (const problem of [
    identifierProblem(schema, 'postgresStore: schema'),
    identifierProblem(table, 'postgresStore: table', MAX_TABLE_LENGTH),
  ]) {
    if (problem !== undefined) issues.push(problem);
  }
  const positive = (value: unknown, fallback: number, name: string): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      issues.push(`postgresStore: ${name} must be a positive number of milliseconds`);
      return fallback;
    }
    return value;
  };
  const timeoutMs = positive(given.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs');
  const reconcileIntervalMs = positive(
    given.reconcileIntervalMs,
    DEFAULT_RECONCILE_INTERVAL_MS,
    'reconcileIntervalMs',
  );
  const reconnectDelayMs = positive(
    given.reconnectDelayMs,
    DEFAULT_RECONNECT_DELAY_MS,
    'reconnectDelayMs',
  );
  const onError = given.onError ?? warn;
  if (typeof onError !== 'function') issues.push('postgresStore: onError must be a function');

  const hasString = given.connectionString !== undefined;
  const hasPool = given.pool !== undefined;
  if (hasString === hasPool) {
    issues.push('postgresStore: give either connectionString or pool (exactly one)');
  } else if (hasString && (typeof given.connectionString !== 'string' || !given.connectionString)) {
    issues.push('postgresStore: connectionString must be a non-empty string');
  } else if (hasPool && typeof (given.pool as { connect?: unknown }).connect !== 'function') {
    issues.push('postgresStore: pool must be a pg Pool');
  }
  if (issues.length > 0) throw new ConfigError(issues);

  const pool =
    given.pool ??
    new pg.Pool({
      connectionString: given.connectionString,
      max: DEFAULT_POOL_SIZE,
      connectionTimeoutMillis: timeoutMs,
      // The server gives up too, so a write reported as failed is not applied later.
      statement_timeout: timeoutMs,
      idleTimeoutMillis: POOL_IDLE_TIMEOUT_MS,
      keepAlive: true,
      application_name: APPLICATION_NAME,
    });
  return {
    pool,
    ownsPool: given.pool === undefined,
    sql: new RegistrySql(schema, table),
    timeoutMs,
    reconcileIntervalMs,
    reconnectDelayMs,
    onError,
  };
}

function warn(error: StoreError): void {
  console.warn(`[baton] ${error.message}`);
}
