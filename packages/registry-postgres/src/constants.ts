/** Defaults, named once and merged in one place (see `postgresStore`). */

/** The schema holding the registry tables. */
export const DEFAULT_SCHEMA = 'public';
/** The registry table; its history table is `<table>_history`. */
export const DEFAULT_TABLE = 'baton_registry';
/** How long one read or write may take, connecting included: 5 seconds. */
export const DEFAULT_TIMEOUT_MS = 5_000;
/** How often the rows changed since the last change read are read, a backstop to notifications: 30 seconds. */
export const DEFAULT_RECONCILE_INTERVAL_MS = 30_000;
/** The first pause before reconnecting the change feed; it doubles up to the maximum. */
export const DEFAULT_RECONNECT_DELAY_MS = 500;
export const MAX_RECONNECT_DELAY_MS = 10_000;
/** Connections of a pool the store creates: one listens, the others read and write. */
export const DEFAULT_POOL_SIZE = 4;
/** How long an idle pooled connection is kept: 30 seconds. */
export const POOL_IDLE_TIMEOUT_MS = 30_000;
/** History records returned when no limit is given. */
export const DEFAULT_HISTORY_LIMIT = 100;
/** Shown in `pg_stat_activity`, so a DBA can tell the registry's connections apart. */
export const APPLICATION_NAME = 'baton-registry';
