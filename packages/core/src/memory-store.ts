import { DEFAULT_REPLAY_ENTRIES } from './constants.js';
import {
  applyChange,
  type RegistryEntry,
  type RegistryHistoryRecord,
  type RegistryStore,
} from './registry-store.js';
import { ReplayCache } from './replay-cache.js';

export interface MemoryStoreOptions {
  /** How many history records to keep, newest first. Default 1000. */
  historyLimit?: number;
  /** Message ids kept for replay protection shared through this store. Default 100 000. */
  replayEntries?: number;
}

/**
 * The default registry store: one process, nothing persisted. Several Baton instances given
 * the same store see each other's changes, and can share replay protection
 * (`replay: { scope: 'store' }`).
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
  let deliveries: ReplayCache | undefined;

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
    async claimDelivery(claim, now) {
      deliveries ??= new ReplayCache(options.replayEntries ?? DEFAULT_REPLAY_ENTRIES);
      return deliveries.claim(claim, now.getTime());
    },
    async close() {
      listeners.clear();
    },
  };
}
