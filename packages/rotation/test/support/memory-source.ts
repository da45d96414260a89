import { BatonError, type ParsedRef, parseRef, type WritableSecretSource } from '@baton/core';

/** A writable source over a record keyed by canonical ref, like a secret manager's versions. */
export interface MemorySource extends WritableSecretSource {
  readonly values: Map<string, string>;
  readonly writes: string[];
}

/**
 * An in-memory writable source. With `checkAndSet`, writing a version that exists fails with
 * `BATON_CONFLICT` (as the secrets API and Vault do); without, the last writer wins (as AWS
 * and Azure names do).
 */
export function memorySource(
  options: { name?: string; checkAndSet?: boolean; values?: Record<string, string> } = {},
): MemorySource {
  const values = new Map(Object.entries(options.values ?? {}));
  const writes: string[] = [];
  return {
    name: options.name ?? 'memory',
    values,
    writes,
    async get(ref: ParsedRef) {
      return values.get(ref.ref);
    },
    async put(input, value) {
      const ref = typeof input === 'string' ? parseRef(input) : input;
      if (options.checkAndSet && values.has(ref.ref)) {
        throw new BatonError('BATON_CONFLICT', `${ref.ref} exists already`);
      }
      values.set(ref.ref, value);
      writes.push(ref.ref);
      return { versionId: String(writes.length) };
    },
  };
}
