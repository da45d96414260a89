import type { ParsedRef, SecretSource } from '@baton/core';

/** A source over a mutable record, counting calls; `failWith` makes every call throw. */
export interface TestSource extends SecretSource {
  values: Record<string, string>;
  calls: { get: string[]; getMany: string[][] };
  failWith: Error | undefined;
  /** Resolves pending calls when set: lets a test hold calls open to observe concurrency. */
  gate: Promise<void> | undefined;
}

export function testSource(
  name: string,
  values: Record<string, string> = {},
  options: { batch?: boolean } = {},
): TestSource {
  const source: TestSource = {
    name,
    values,
    calls: { get: [], getMany: [] },
    failWith: undefined,
    gate: undefined,
    async get(ref: ParsedRef) {
      source.calls.get.push(ref.ref);
      await source.gate;
      if (source.failWith) throw source.failWith;
      return source.values[ref.ref];
    },
  };
  if (options.batch) {
    source.getMany = async (refs: readonly ParsedRef[]) => {
      source.calls.getMany.push(refs.map((ref) => ref.ref));
      await source.gate;
      if (source.failWith) throw source.failWith;
      return new Map(refs.map((ref) => [ref.ref, source.values[ref.ref]]));
    };
  }
  return source;
}
