import type { RegistryHistoryRecord } from '@baton/core';

const CHANGES: ReadonlySet<string> = new Set([
  'register',
  'promote',
  'retire',
  'grace_expired',
  'policy',
]);

/** A history record from the JSON of the history statement; `undefined` when it is not one. */
export function parseHistoryRecord(text: unknown): RegistryHistoryRecord | undefined {
  const data = parseObject(text);
  if (data === undefined) return undefined;
  const { logical, change, fromRef, toRef, actor, at, revision } = data;
  if (
    typeof logical !== 'string' ||
    typeof change !== 'string' ||
    !CHANGES.has(change) ||
    !isEpochMs(at) ||
    !isRevision(revision)
  ) {
    return undefined;
  }
  return {
    logical,
    change: change as RegistryHistoryRecord['change'],
    ...(typeof fromRef === 'string' ? { fromRef } : {}),
    ...(typeof toRef === 'string' ? { toRef } : {}),
    ...(typeof actor === 'string' ? { actor } : {}),
    at: new Date(at),
    revision,
  };
}

function parseObject(text: unknown): Record<string, unknown> | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const data: unknown = JSON.parse(text);
    return typeof data === 'object' && data !== null
      ? (data as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function isEpochMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

function isRevision(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
