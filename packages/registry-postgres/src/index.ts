export type { PostgresStoreOptions } from './postgres-store.js';
export { postgresStore } from './postgres-store.js';
