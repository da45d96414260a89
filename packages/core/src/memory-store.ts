import {
  applyChange,
  type RegistryEntry,
  type RegistryHistoryRecord,
  type RegistryStore,
} from './registry-store.js';

export interface MemoryStoreOptions {
  /** How many history records to keep, newest first. Default 1000. */
  historyLimit?: number;
}

/**
 * The default registry store: one process, nothing persisted. Several Baton instances given
 * the same store see each other's changes.
 *
 * @example
 * const store = memoryStore();
 * createBaton({ registry: { store } });
 */
export function memoryStore(options: MemoryStoreOptions = {}): RegistryStore {
  const historyLimit = options.historyLimit ?? 1000;
  const entries = new Map<string, RegistryEntry>();
  const history: RegistryHistoryRecord[] = [];
  const listeners = new Set<(entries: readonly RegistryEntry[]) => void>();

  return {
    name: 'memory',
    async load() {
      return [...entries.values()];
    },
    loadSync() {
      return [...entries.values()];
    },
    async apply(change, now) {
      const { result, record } = applyChange(entries.get(change.logical), change, now);
      if (result.changed) {
        entries.set(change.logical, result.entry);
        if (record !== undefined) {
          history.unshift(record);
          if (history.length > historyLimit) history.length = historyLimit;
        }
        for (const listener of listeners) listener([result.entry]);
      }
      return result;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async history(query = {}) {
      const matching =
        query.logical === undefined ? history : history.filter((r) => r.logical === query.logical);
      return matching.slice(0, query.limit ?? 100);
    },
    async close() {
      listeners.clear();
    },
  };
}
