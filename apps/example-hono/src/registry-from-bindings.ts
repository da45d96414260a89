import {
  applyChange,
  parseRef,
  type RegistryEntry,
  type RegistryStore,
  StoreError,
} from '@baton/core';

/** One entry of the `BATON_REGISTRY` binding. Times are ISO-8601. */
interface EntryJson {
  currentRef: string;
  activatedAt?: string;
  previousRef?: string;
  previousActivatedAt?: string;
}

const STORE_NAME = 'bindings';

/**
 * A registry store seeded from a JSON binding, for Workers: an isolate has no disk and no
 * database connection of its own, so the rotation state ships with the deployment, e.g.
 *
 * ```json
 * { "WEBHOOK_SECRET": { "currentRef": "WEBHOOK_SECRET:v2", "activatedAt": "2026-05-01T10:00:00Z",
 *                       "previousRef": "WEBHOOK_SECRET:v1", "previousActivatedAt": "2026-04-01T10:00:00Z" } }
 * ```
 *
 * A promotion is a new deployment with the new JSON (and the new secret binding). Changes made
 * at run time stay in the isolate. `activatedAt` defaults to the moment the isolate loads the
 * registry; `previousActivatedAt` to `activatedAt`.
 *
 * @example
 * createBaton({ sources: [envSource({ env })], registry: { store: registryFromBindings(env.BATON_REGISTRY) } });
 */
export function registryFromBindings(json: string | undefined, clock = Date.now): RegistryStore {
  const entries = new Map<string, RegistryEntry>();
  return {
    name: STORE_NAME,
    async load() {
      entries.clear();
      for (const entry of parse(json, new Date(clock()))) entries.set(entry.logical, entry);
      return [...entries.values()];
    },
    async apply(change, now) {
      const { result } = applyChange(entries.get(change.logical), change, now);
      if (result.changed) entries.set(change.logical, result.entry);
      return result;
    },
  };
}

/** Parses and checks the JSON; a problem names the logical secret and field, never a value. */
function parse(json: string | undefined, now: Date): RegistryEntry[] {
  if (json === undefined || json.trim() === '') return [];
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    throw new StoreError(STORE_NAME, 'BATON_REGISTRY is not valid JSON');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new StoreError(STORE_NAME, 'BATON_REGISTRY must be an object keyed by logical name');
  }
  return Object.entries(data as Record<string, EntryJson>).map(([logical, raw]) => {
    const where = `BATON_REGISTRY entry ${/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(logical) ? logical : '(invalid name)'}`;
    const ref = (field: 'currentRef' | 'previousRef'): string | undefined => {
      const value = raw?.[field];
      if (value === undefined && field === 'previousRef') return undefined;
      try {
        const parsed = parseRef(value as string);
        if (parsed.name === logical) return parsed.ref;
      } catch {}
      throw new StoreError(STORE_NAME, `${where}: ${field} must be a ref of ${logical}`);
    };
    const date = (field: 'activatedAt' | 'previousActivatedAt', fallback: Date): Date => {
      const value = raw?.[field];
      if (value === undefined) return fallback;
      const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(time))
        throw new StoreError(STORE_NAME, `${where}: ${field} must be an ISO-8601 time`);
      return new Date(time);
    };
    const currentRef = ref('currentRef') as string;
    const previousRef = ref('previousRef');
    const activatedAt = date('activatedAt', now);
    return {
      logical,
      currentRef,
      activatedAt,
      ...(previousRef === undefined
        ? {}
        : { previousRef, previousActivatedAt: date('previousActivatedAt', activatedAt) }),
      revision: 1,
    };
  });
}
