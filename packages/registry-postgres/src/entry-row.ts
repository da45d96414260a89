import { displayRef, type RegistryEntry, tryParseRef } from '@baton/core';

/** An entry as its row holds it, with the change number of the write that left it so. */
export interface StoredEntry {
  readonly entry: RegistryEntry;
  readonly changeSeq: number;
}

/** A row the store will not take, and why (never quoting a ref: it may be anything). */
export interface RefusedRow {
  readonly refused: string;
}

/**
 * Reads the entry of a row of `ENTRY_COLUMNS` (every column as text), starting at column
 * `at`. Each ref must be a ref of the row's logical name (`HOOK` ↔ `HOOK:v3`), the previous
 * one different from the current one, times and revision whole numbers: the table is shared,
 * and a row another role wrote by hand must not make one secret's ref current for another.
 */
export function readEntryRow(row: readonly unknown[], at = 0): StoredEntry | RefusedRow {
  const logical = row[at];
  const logicalRef = tryParseRef(logical);
  if (
    typeof logical !== 'string' ||
    logicalRef?.ref !== logical ||
    logicalRef.version !== undefined
  ) {
    return { refused: 'a row whose logical name is not a logical name' };
  }
  const refuse = (problem: string): RefusedRow => ({
    refused: `the row of ${displayRef(logical)}: ${problem}`,
  });
  const current = tryParseRef(row[at + 1]);
  if (current?.name !== logical)
    return refuse(`its current ref is not a ref of ${displayRef(logical)}`);
  const activatedAt = wholeNumber(row[at + 3]);
  const revision = wholeNumber(row[at + 5]);
  const changeSeq = wholeNumber(row[at + 6]);
  if (
    activatedAt === undefined ||
    revision === undefined ||
    revision < 1 ||
    changeSeq === undefined
  ) {
    return refuse('its activation time, revision or change number is not a whole number');
  }
  const base = { logical, currentRef: current.ref, activatedAt: new Date(activatedAt), revision };
  if (row[at + 2] === null) return { entry: base, changeSeq };
  const previous = tryParseRef(row[at + 2]);
  if (previous?.name !== logical) {
    return refuse(`its previous ref is not a ref of ${displayRef(logical)}`);
  }
  if (previous.ref === current.ref) return refuse('its previous ref is its current ref');
  const previousActivatedAt = wholeNumber(row[at + 4]);
  if (previousActivatedAt === undefined) return refuse('its previous ref has no activation time');
  return {
    entry: {
      ...base,
      previousRef: previous.ref,
      previousActivatedAt: new Date(previousActivatedAt),
    },
    changeSeq,
  };
}

function wholeNumber(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}
