import {
  applyChange,
  BatonError,
  type ChangeResult,
  ConfigError,
  type DeliveryClaim,
  displayRef,
  NoEntryError,
  type RegistryChange,
  type RegistryEntry,
  type RegistryHistoryRecord,
  type RegistryStore,
  StoreError,
  type StoreUpdate,
} from '@baton/core';
import pg from 'pg';
import { ChangeFeed } from './change-feed.js';
import { checkout } from './checkout.js';
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
import { readEntryRow, type StoredEntry } from './entry-row.js';
import { parseHistoryRecord } from './history-json.js';
import { identifierProblem, MAX_TABLE_LENGTH } from './identifiers.js';
import { RegistrySql } from './registry-sql.js';

/**
 * Options of {@link postgresStore}. Every option may be given as `undefined` (as
 * `process.env.X` is when X is unset), which means "not given": a missing connection string
 * is then a `ConfigError` at run time, not a type error.
 */
export interface PostgresStoreOptions {
  /** Where the registry lives, e.g. `postgres://app@db:5432/app`. Give this or `pool`. */
  connectionString?: string | undefined;
  /**
   * A `pg` pool of your own (for TLS settings, say). The store borrows from it and never ends
   * it; one of its connections stays checked out to listen for changes.
   */
  pool?: pg.Pool | undefined;
  /** The schema of the tables, created when missing. Default `'public'`. */
  schema?: string | undefined;
  /** The registry table; the history goes to `<table>_history`. Default `'baton_registry'`. */
  table?: string | undefined;
  /**
   * How long a read or write may take, connecting included, before it fails with a
   * `StoreError`. Default 5000 (5 s).
   */
  timeoutMs?: number | undefined;
  /**
   * How often the store reads the rows changed since the last change it read, a backstop to
   * notifications (a row changed by hand sends none). Default 30 000 (30 s).
   */
  reconcileIntervalMs?: number | undefined;
  /** The first pause before reconnecting the change feed; it doubles up to 10 s. Default 500. */
  reconnectDelayMs?: number | undefined;
  /**
   * Told when the store loses PostgreSQL in the background (the change feed, a
   * reconciliation), refuses a row, or finds the table went back in history; replicas keep
   * verifying from their snapshots meanwhile. Default: a warning on stderr, once per problem.
   */
  onError?: ((error: StoreError) => void) | undefined;
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

type Listener = (entries: readonly RegistryEntry[], update?: StoreUpdate) => void;

/** What a store knows of an entry: its revision, and the change number that wrote it. */
interface Known {
  readonly revision: number;
  readonly changeSeq: number;
}

/** How often expired delivery records are swept: once a minute. */
const DELIVERY_SWEEP_MS = 60_000;
/** How many times a write is retried when another writer created the same entry first. */
const MAX_WRITE_ATTEMPTS = 5;
/** Own writes remembered until their notification comes back. */
const MAX_OWN_WRITES = 1_000;

/**
 * A registry store in PostgreSQL, shared by every replica: one row per logical name with a
 * revision for compare-and-set, a history table of every change, timestamps from the
 * database clock, and every change numbered. Replicas load the table once, then read only the
 * rows changed since the last change they read: when a notification hints at one (LISTEN/
 * NOTIFY; a payload is never trusted), after each reconnection, and periodically as a
 * backstop. A table that went back in history is reloaded whole and replaces the snapshots.
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
  private deliveries: Promise<void> | undefined;
  private sweptAt = 0;
  private feed: ChangeFeed | undefined;
  private reconcileTimer: ReturnType<typeof setInterval> | undefined;
  private reported: string | undefined;
  private closed = false;
  /** Every change numbered up to this one has been read (undefined: nothing read yet). */
  private watermark: number | undefined;
  /**
   * The newest write known of each entry, by change number: a newer write (higher number)
   * at a lower revision means the table went back.
   */
  private known = new Map<string, Known>();
  /** Change numbers of this store's own writes whose notifications have not come back yet. */
  private readonly ownWrites = new Set<number>();
  /** The read of changes in progress, and the one queued behind it for every hint meanwhile. */
  private reading: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
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
    return this.loadAll();
  }

  async apply(change: RegistryChange, _now: Date): Promise<ChangeResult> {
    const operation = `${change.kind} ${change.logical}`;
    await this.ensureTables(operation);
    const written =
      change.kind === 'promote'
        ? await this.promote(change, operation)
        : await this.applyLocked(change, operation);
    if (!('changeSeq' in written)) return written;
    await this.wrote(written);
    return { entry: written.entry, changed: true };
  }

  /**
   * Records a verified message id for every replica (replay protection with
   * `replay: { scope: 'store' }`): `false` when a live record with a timestamp at least as new
   * exists. Expired records are swept now and then.
   */
  async claimDelivery(claim: DeliveryClaim, now: Date): Promise<boolean> {
    const operation = 'record a delivery';
    this.deliveries ??= this.createDeliveries(operation).catch((error: unknown) => {
      this.deliveries = undefined;
      throw error;
    });
    await this.deliveries;
    const at = now.getTime();
    if (at - this.sweptAt >= DELIVERY_SWEEP_MS) {
      this.sweptAt = at;
      void this.rows('forget old deliveries', this.sql.sweepDeliveries, [at]).catch(() => {});
    }
    const rows = await this.rows(operation, this.sql.claimDelivery, [
      claim.key,
      claim.timestamp,
      claim.expiresAt,
      at,
    ]);
    return rows.length > 0;
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
    const rows = await this.rows('read the history', this.sql.history, [
      query.logical ?? null,
      limit,
    ]);
    return rows.map((row) => {
      const record = parseHistoryRecord(row[0]);
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
    await Promise.all([this.reading, this.queued].map((read) => read?.catch(() => undefined)));
    this.pool.off('error', this.onPoolError);
    if (this.settings.ownsPool) await this.pool.end();
  }

  /** The one atomic statement of a promotion; when it changes nothing, a read says why. */
  private async promote(
    change: Extract<RegistryChange, { kind: 'promote' }>,
    operation: string,
  ): Promise<ChangeResult | StoredEntry> {
    for (let attempt = 1; ; attempt++) {
      const [written] = await this.rows(operation, this.sql.promote, [
        change.logical,
        change.ref,
        change.expectedRevision ?? null,
        change.actor ?? null,
        this.sql.channel,
      ]);
      if (written !== undefined) return this.storedOf(written, operation);
      const [row] = await this.rows(operation, this.sql.selectEntry, [change.logical]);
      if (row === undefined) throw new NoEntryError(change.logical);
      const current = this.storedOf(row, operation).entry;
      // The same rules as applyChange: a conflict, or the ref is current already (a no-op).
      const { result } = applyChange(current, change, new Date());
      if (!result.changed) return result;
      // Another writer changed the entry between the two statements: try again on top of it.
      if (attempt === MAX_WRITE_ATTEMPTS) throw this.contended(operation);
    }
  }

  /**
   * Register, retire and policy: the row is locked, the change computed by core's `applyChange` with
   * the database clock, and the result written with its history record and notification.
   */
  private async applyLocked(
    change: RegistryChange,
    operation: string,
  ): Promise<ChangeResult | StoredEntry> {
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      const outcome = await this.transaction(operation, async (client) => {
        const [row] = (await client.query(arrayQuery(this.sql.lockEntry, [change.logical]))).rows;
        const before = row?.[1] == null ? undefined : this.storedOf(row, operation, 1).entry;
        const { result, record } = applyChange(before, change, new Date(Number(row?.[0])));
        if (!result.changed || record === undefined) return result;
        const { entry } = result;
        const written = await client.query(
          arrayQuery(this.sql.write, [
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
            entry.rotation?.type ?? null,
            entry.rotation?.periodDays ?? null,
          ]),
        );
        const [stored] = written.rows;
        return stored === undefined ? undefined : this.storedOf(stored, operation);
      });
      if (outcome !== undefined) return outcome;
    }
    throw this.contended(operation);
  }

  /**
   * A write of this store: passed on to every subscriber at once. A revision lower than one
   * read before, in a later change, means the table went back (restored from a backup):
   * every entry is reloaded, so no snapshot ignores the writes made from now on.
   */
  private async wrote(written: StoredEntry): Promise<void> {
    const { entry, changeSeq } = written;
    const before = this.known.get(entry.logical);
    const news = this.learn(written);
    if (news === 'back') {
      await this.resync(
        `${displayRef(entry.logical)} was written at revision ${entry.revision}, below revision ${before?.revision} read before`,
      ).catch((error: unknown) => this.report(this.storeError(error, 'reload the registry')));
      return;
    }
    if (news === 'stale') {
      // A later change was read already, or the change numbers went back (a table restored
      // with its sequence): one read of the changes tells, and resyncs in the second case.
      await this.catchUp().catch((error: unknown) =>
        this.report(this.storeError(error, 'read the changes')),
      );
      return;
    }
    // No change came between the last one read and this one: this one is read too.
    if (this.watermark !== undefined && changeSeq === this.watermark + 1) {
      this.watermark = changeSeq;
    }
    if (this.feed !== undefined) {
      // Bounded, should notifications stop coming back (the listening connection is down).
      if (this.ownWrites.size >= MAX_OWN_WRITES) this.ownWrites.clear();
      this.ownWrites.add(changeSeq);
    }
    this.publish([entry]);
  }

  /**
   * Takes in what a read or a write showed of an entry: `newer` than anything known of it,
   * `stale` (a read that raced a later change), or `back`: a later change (by number) at a
   * lower revision, which only a table restored or rewritten by hand can hold.
   */
  private learn({ entry, changeSeq }: StoredEntry): 'newer' | 'stale' | 'back' {
    const known = this.known.get(entry.logical);
    if (known !== undefined && changeSeq <= known.changeSeq) return 'stale';
    if (known !== undefined && entry.revision < known.revision) return 'back';
    this.known.set(entry.logical, { revision: entry.revision, changeSeq });
    return 'newer';
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
      onNotification: (payload) => this.hint(payload),
      // After every (re)connection: the changes made while nobody listened.
      onListening: () => this.catchUp(),
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
    this.reconcileTimer = setInterval(() => this.catchUpLater(), this.settings.reconcileIntervalMs);
    this.reconcileTimer.unref();
  }

  /**
   * A notification is only a hint that something changed: anyone who can connect may send
   * one, so its payload is never applied, and each one makes the store read what changed
   * (bursts share reads). It carries the change number; the echo of a write of this store,
   * taken in already, needs no read.
   */
  private hint(payload: string): void {
    const changeSeq = /^\d{1,15}$/.test(payload) ? Number(payload) : undefined;
    if (changeSeq !== undefined && this.ownWrites.delete(changeSeq)) return;
    this.catchUpLater();
  }

  private catchUpLater(): void {
    this.catchUp().catch((error: unknown) =>
      this.report(this.storeError(error, 'read the changes')),
    );
  }

  /**
   * Reads the rows changed since the last change read: one indexed query. One read runs at a
   * time; every hint that arrives meanwhile shares the one read queued behind it, so a burst
   * of changes costs two reads, not one per change.
   */
  private catchUp(): Promise<void> {
    if (this.reading === undefined) return this.startReading();
    this.queued ??= this.reading
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.startReading();
      });
    return this.queued;
  }

  private startReading(): Promise<void> {
    const reading: Promise<void> = this.readChanges().finally(() => {
      if (this.reading === reading) this.reading = undefined;
    });
    this.reading = reading;
    return reading;
  }

  private async readChanges(): Promise<void> {
    if (this.closed) return;
    const since = this.watermark;
    if (since === undefined) {
      this.publish(await this.loadAll());
      return;
    }
    const { head, stored } = await this.readSince(since, 'read the changes');
    this.reported = undefined;
    if (head < since) {
      await this.resync(`its change numbers went back from ${since} to ${head}`);
      return;
    }
    const newer: RegistryEntry[] = [];
    for (const read of stored) {
      const before = this.known.get(read.entry.logical);
      const news = this.learn(read);
      if (news === 'back') {
        await this.resync(
          `${displayRef(read.entry.logical)} is at revision ${read.entry.revision}, below revision ${before?.revision} read before`,
        );
        return;
      }
      if (news === 'newer') newer.push(read.entry);
    }
    this.watermark = Math.max(this.watermark ?? 0, head);
    if (newer.length > 0) this.publish(newer);
  }

  /**
   * The table's history went back (restored from a backup, rows rewritten by hand): every
   * entry is reloaded and replaces the snapshots, and the store says so.
   */
  private async resync(reason: string): Promise<void> {
    const entries = await this.loadAll();
    this.publish(entries, { resync: true });
    this.report(
      new StoreError(
        this.name,
        `the registry went back in history (${reason}; restored from a backup?): every entry was reloaded and replaces the snapshot`,
      ),
    );
  }

  /** Every entry, in one read; the changes read from now on follow it. */
  private async loadAll(): Promise<RegistryEntry[]> {
    const { head, stored } = await this.readSince(0, 'load the registry');
    this.known = new Map(
      stored.map(({ entry, changeSeq }) => [
        entry.logical,
        { revision: entry.revision, changeSeq },
      ]),
    );
    this.watermark = head;
    return stored.map(({ entry }) => entry);
  }

  /** Rows changed after `since`, and the newest change number, in one statement. */
  private async readSince(
    since: number,
    operation: string,
  ): Promise<{ head: number; stored: StoredEntry[] }> {
    const rows = await this.rows(operation, this.sql.changesSince, [since]);
    const head = Number(rows[0]?.[0] ?? 0);
    const stored: StoredEntry[] = [];
    const refused: string[] = [];
    for (const row of rows) {
      if (row[1] === null) continue;
      const read = readEntryRow(row, 1);
      if ('refused' in read) refused.push(read.refused);
      else stored.push(read);
    }
    if (refused.length > 0) {
      this.settings.onError(
        new StoreError(
          this.name,
          `refused ${refused.length === 1 ? refused[0] : `${refused.length} rows (${refused.slice(0, 3).join('; ')}${refused.length > 3 ? '; …' : ''})`}. Every other entry was read; correct the row by hand`,
        ),
      );
    }
    return { head, stored };
  }

  private publish(entries: readonly RegistryEntry[], update?: StoreUpdate): void {
    if (this.closed) return;
    for (const listener of this.listeners) listener(entries, update);
  }

  /** Reports a background problem once, until the store has reached PostgreSQL again. */
  private report(error: StoreError): void {
    if (this.reported !== undefined || this.closed) return;
    this.reported = error.message;
    this.settings.onError(error);
  }

  private storeError(error: unknown, operation: string): StoreError {
    return error instanceof StoreError
      ? error
      : new StoreError(this.name, `could not ${operation} (${describeError(error)})`, {
          cause: error,
        });
  }

  /** Creates the schema and tables on first use, once per store; concurrent starts are safe. */
  private ensureTables(operation: string): Promise<void> {
    this.tables ??= this.createTables(operation).catch((error: unknown) => {
      this.tables = undefined;
      throw error;
    });
    return this.tables;
  }

  private async createDeliveries(operation: string): Promise<void> {
    await this.ensureTables(operation);
    await this.transaction(`${operation}: could not create its table`, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.sql.creationLockKey]);
      for (const statement of this.sql.createDeliveries) await client.query(statement);
    });
  }

  private async createTables(operation: string): Promise<void> {
    const [existing] = await this.rows(operation, this.sql.tablesExist, [...this.sql.tableNames]);
    // Tables made by a DBA need no rights beyond reading and writing them.
    if (existing?.[0] === true) return;
    await this.transaction(`${operation}: could not create its tables`, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.sql.creationLockKey]);
      const schema = await client.query<{ found: boolean }>(this.sql.schemaExists, [
        this.sql.schema,
      ]);
      if (!schema.rows[0]?.found) await client.query(this.sql.createSchema);
      for (const statement of this.sql.createTables) await client.query(statement);
    });
  }

  /** Rows as arrays of their columns' text (see `RegistrySql`). */
  private async rows(operation: string, text: string, values: unknown[]): Promise<unknown[][]> {
    return this.withClient(operation, async (client) => {
      return (await client.query(arrayQuery(text, values))).rows;
    });
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
      const checked = await checkout(this.pool);
      try {
        const result = await work(checked.client);
        checked.release();
        return result;
      } catch (error) {
        // After a failure the connection's state is unknown: it never goes back to the pool.
        checked.release(true);
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

  private storedOf(row: readonly unknown[], operation: string, at = 0): StoredEntry {
    const read = readEntryRow(row, at);
    if ('refused' in read) {
      throw new StoreError(this.name, `could not ${operation}: refused ${read.refused}`);
    }
    return read;
  }

  private contended(operation: string): StoreError {
    return new StoreError(
      this.name,
      `could not ${operation}: the entry kept changing under ${MAX_WRITE_ATTEMPTS} attempts; retry`,
    );
  }
}

/** A query whose rows come as arrays of column values. */
function arrayQuery(text: string, values: unknown[]): pg.QueryArrayConfig {
  return { text, values, rowMode: 'array' };
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
  if (hasString && hasPool) {
    issues.push('postgresStore: give either connectionString or pool, not both');
  } else if (!hasString && !hasPool) {
    issues.push(
      'postgresStore: give connectionString or pool (connectionString is undefined: is the environment variable it comes from set?)',
    );
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
