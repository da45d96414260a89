import { displayRef, entryProblem, type RegistryEntry, tryParseRef } from '@baton/core';

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
 * `at`, and holds it to core's rules for entries (`entryProblem`): each ref a ref of the
 * row's logical name (`HOOK` ↔ `HOOK:v3`), valid times, a positive revision, a known
 * rotation type. The table is
 * shared, and a row another role wrote by hand must not make one secret's ref current for
 * another.
 */
export function readEntryRow(row: readonly unknown[], at = 0): StoredEntry | RefusedRow {
  const [
    logical,
    currentRef,
    previousRef,
    activatedAt,
    previousActivatedAt,
    revision,
    seq,
    rotationType,
    rotationPeriodDays,
  ] = row.slice(at);
  const changeSeq = wholeNumber(seq);
  const rotation =
    rotationType === null || rotationType === undefined
      ? {}
      : {
          rotation:
            rotationPeriodDays === null
              ? { type: rotationType }
              : { type: rotationType, periodDays: wholeNumber(rotationPeriodDays) },
        };
  // Plain literals, in the order of core's own entries: the registry keeps this very object
  // in its snapshot.
  const entry = (
    previousRef === null
      ? {
          logical,
          currentRef,
          activatedAt: dateOf(activatedAt),
          revision: wholeNumber(revision),
          ...rotation,
        }
      : {
          logical,
          currentRef,
          previousRef,
          activatedAt: dateOf(activatedAt),
          previousActivatedAt: dateOf(previousActivatedAt),
          revision: wholeNumber(revision),
          ...rotation,
        }
  ) as RegistryEntry;
  const problem =
    changeSeq === undefined ? 'its change number is not a whole number' : entryProblem(entry);
  if (problem === undefined && changeSeq !== undefined) return { entry, changeSeq };
  const name = tryParseRef(logical);
  const owner =
    name !== undefined && name.version === undefined ? ` of ${displayRef(name.ref)}` : '';
  return { refused: `the row${owner}: ${problem ?? 'it is malformed'}` };
}

function wholeNumber(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

function dateOf(epochMs: unknown): Date | undefined {
  const ms = wholeNumber(epochMs);
  return ms === undefined ? undefined : new Date(ms);
}
