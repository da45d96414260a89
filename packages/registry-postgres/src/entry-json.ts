import type { RegistryEntry, RegistryHistoryRecord } from '@baton/core';

const CHANGES: ReadonlySet<string> = new Set(['register', 'promote', 'retire', 'grace_expired']);

/**
 * An entry from the JSON the statements return and the notifications carry (times as epoch
 * milliseconds); `undefined` when the text is not one.
 */
export function parseEntry(text: unknown): RegistryEntry | undefined {
  const data = parseObject(text);
  if (data === undefined) return undefined;
  const { logical, currentRef, previousRef, activatedAt, previousActivatedAt, revision } = data;
  if (
    typeof logical !== 'string' ||
    typeof currentRef !== 'string' ||
    !isEpochMs(activatedAt) ||
    !isRevision(revision)
  ) {
    return undefined;
  }
  const entry = { logical, currentRef, activatedAt: new Date(activatedAt), revision };
  if (previousRef === null) return entry;
  if (typeof previousRef !== 'string' || !isEpochMs(previousActivatedAt)) return undefined;
  return { ...entry, previousRef, previousActivatedAt: new Date(previousActivatedAt) };
}

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
