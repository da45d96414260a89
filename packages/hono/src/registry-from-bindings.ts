import {
  applyChange,
  type RegistryEntry,
  type RegistryStore,
  StoreError,
  tryParseRef,
} from '@baton/core';

export interface RegistryFromBindingsOptions {
  /** Epoch milliseconds, for entries without `activatedAt`. Default `Date.now`. */
  clock?: () => number;
}

/** One entry of the JSON. Times are ISO-8601. */
interface EntryJson {
  currentRef?: unknown;
  activatedAt?: unknown;
  previousRef?: unknown;
  previousActivatedAt?: unknown;
}

const STORE_NAME = 'bindings';
const LOGICAL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * A registry store seeded from JSON in a Worker binding. An isolate has no disk and no
 * database connection of its own, so the rotation state ships with the deployment
 * (`[vars]` or a secret), keyed by logical name:
 *
 * ```json
 * { "WEBHOOK_SECRET": { "currentRef": "WEBHOOK_SECRET:v2", "activatedAt": "2026-05-01T10:00:00Z",
 *                       "previousRef": "WEBHOOK_SECRET:v1", "previousActivatedAt": "2026-04-01T10:00:00Z" } }
 * ```
 *
 * A promotion is a deployment with the new JSON (and the new secret's binding). Changes made
 * at run time stay in the isolate. `activatedAt` defaults to the moment the isolate loads
 * the registry, `previousActivatedAt` to `activatedAt`. JSON that does not parse, or an
 * entry that does not check, fails `ready()` with a `StoreError` naming the entry and field
 * (never a value), which the middleware answers with 503.
 *
 * @example
 * const baton = batonPerIsolate((env: Bindings) =>
 *   createBaton({
 *     sources: [envSource({ env })],
 *     registry: { store: registryFromBindings(env.BATON_REGISTRY) },
 *   }),
 * );
 */
export function registryFromBindings(
  json: string | undefined,
  options: RegistryFromBindingsOptions = {},
): RegistryStore {
  const clock = options.clock ?? Date.now;
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

function parse(json: string | undefined, now: Date): RegistryEntry[] {
  if (json === undefined || json.trim() === '') return [];
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    throw new StoreError(STORE_NAME, 'the registry JSON does not parse');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new StoreError(STORE_NAME, 'the registry JSON must be an object keyed by logical name');
  }
  return Object.entries(data).map(([logical, raw]) => entryOf(logical, raw as EntryJson, now));
}

function entryOf(logical: string, raw: EntryJson, now: Date): RegistryEntry {
  const where = `entry ${LOGICAL_NAME.test(logical) ? logical : '(not a logical name)'}`;
  const fail = (problem: string) => new StoreError(STORE_NAME, `${where}: ${problem}`);
  const ref = (field: 'currentRef' | 'previousRef'): string => {
    const parsed = tryParseRef(raw?.[field]);
    if (parsed?.name !== logical) throw fail(`${field} must be a ref of ${logical}`);
    return parsed.ref;
  };
  const date = (field: 'activatedAt' | 'previousActivatedAt', fallback: Date): Date => {
    const value = raw?.[field];
    if (value === undefined) return fallback;
    const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(time)) throw fail(`${field} must be an ISO-8601 time`);
    return new Date(time);
  };
  const activatedAt = date('activatedAt', now);
  return {
    logical,
    currentRef: ref('currentRef'),
    activatedAt,
    ...(raw?.previousRef === undefined
      ? {}
      : {
          previousRef: ref('previousRef'),
          previousActivatedAt: date('previousActivatedAt', activatedAt),
        }),
    revision: 1,
  };
}
