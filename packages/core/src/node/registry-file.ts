import { displayRef } from '../display-ref.js';
import { StoreError } from '../errors.js';
import type { RegistryEntry, RegistryHistoryRecord } from '../registry-store.js';
import { type RotationPolicy, rotationPolicyProblem } from '../rotation-policy.js';
import { tryParseRef } from '../secret-ref.js';

/** What one registry file holds: every entry and the newest changes. */
export interface RegistryFileContent {
  readonly entries: ReadonlyMap<string, RegistryEntry>;
  /** Newest first. */
  readonly history: readonly RegistryHistoryRecord[];
}

/** Marks the file as Baton's, so a wrong `path` is refused instead of overwritten. */
const FORMAT = 'baton-registry';
const FORMAT_VERSION = 1;

const HISTORY_CHANGES: ReadonlySet<string> = new Set([
  'register',
  'promote',
  'retire',
  'grace_expired',
  'policy',
]);

/** The file's text for `content`: pretty JSON, entries sorted by name, so diffs stay readable. */
export function serializeRegistryFile(content: RegistryFileContent): string {
  const entries = [...content.entries.values()]
    .sort((a, b) => (a.logical < b.logical ? -1 : a.logical > b.logical ? 1 : 0))
    .map((entry) => ({
      logical: entry.logical,
      currentRef: entry.currentRef,
      ...(entry.previousRef === undefined ? {} : { previousRef: entry.previousRef }),
      activatedAt: entry.activatedAt.toISOString(),
      ...(entry.previousActivatedAt === undefined
        ? {}
        : { previousActivatedAt: entry.previousActivatedAt.toISOString() }),
      revision: entry.revision,
      ...(entry.rotation === undefined ? {} : { rotation: entry.rotation }),
    }));
  const history = content.history.map((record) => ({ ...record, at: record.at.toISOString() }));
  return `${JSON.stringify({ format: FORMAT, version: FORMAT_VERSION, entries, history }, null, 2)}\n`;
}

/**
 * Reads a registry file's text. Throws a `StoreError` of `store` naming the first problem
 * (never quoting the text: a mistaken edit may have pasted a credential into it).
 */
export function parseRegistryFile(
  text: string,
  store: string,
  file: { path: string; backupPath: string },
): RegistryFileContent {
  try {
    return readContent(text);
  } catch (error) {
    if (!(error instanceof FormatProblem)) throw error;
    throw new StoreError(
      store,
      `${file.path} is unusable: ${error.message}. Nothing was written: every process keeps ` +
        `its last good snapshot, and the last good file is ${file.backupPath} (copy it over ` +
        `${file.path} to recover)`,
    );
  }
}

/** A problem found while reading; becomes the `StoreError` above. */
class FormatProblem {
  constructor(readonly message: string) {}
}

function readContent(text: string): RegistryFileContent {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the fault.
    throw new FormatProblem(
      `it is not valid JSON (${text.length} characters; a half-written or hand-edited file?)`,
    );
  }
  if (!isRecord(data) || data.format !== FORMAT) {
    throw new FormatProblem(`it is not a Baton registry file (no "format": "${FORMAT}")`);
  }
  if (data.version !== FORMAT_VERSION) {
    throw new FormatProblem(
      `its format version is not ${FORMAT_VERSION} (written by another Baton version?)`,
    );
  }
  if (!Array.isArray(data.entries) || !Array.isArray(data.history)) {
    throw new FormatProblem('"entries" and "history" must be arrays');
  }
  const entries = new Map<string, RegistryEntry>();
  data.entries.forEach((raw: unknown, index) => {
    const entry = readEntry(raw, `entries[${index}]`);
    if (entries.has(entry.logical)) {
      throw new FormatProblem(`entries[${index}] repeats ${displayRef(entry.logical)}`);
    }
    entries.set(entry.logical, entry);
  });
  const history = data.history.map((raw: unknown, index) => readRecord(raw, `history[${index}]`));
  return { entries, history };
}

function readEntry(raw: unknown, where: string): RegistryEntry {
  if (!isRecord(raw)) throw new FormatProblem(`${where} is not an object`);
  const logical = readLogical(raw.logical, where);
  const currentRef = readRef(raw.currentRef, logical, `${where}.currentRef`);
  const activatedAt = readDate(raw.activatedAt, `${where}.activatedAt`);
  const revision = readRevision(raw.revision, `${where}.revision`);
  const rotation = raw.rotation === undefined ? {} : { rotation: readPolicy(raw.rotation, where) };
  if (raw.previousRef === undefined) {
    return { logical, currentRef, activatedAt, revision, ...rotation };
  }
  const previousRef = readRef(raw.previousRef, logical, `${where}.previousRef`);
  if (previousRef === currentRef) {
    throw new FormatProblem(`${where} has the same previousRef and currentRef`);
  }
  const previousActivatedAt =
    raw.previousActivatedAt === undefined
      ? activatedAt
      : readDate(raw.previousActivatedAt, `${where}.previousActivatedAt`);
  return {
    logical,
    currentRef,
    previousRef,
    activatedAt,
    previousActivatedAt,
    revision,
    ...rotation,
  };
}

function readPolicy(value: unknown, where: string): RotationPolicy {
  const problem = rotationPolicyProblem(value);
  if (problem !== undefined) throw new FormatProblem(`${where}.rotation: ${problem}`);
  const { type, periodDays } = value as RotationPolicy;
  return periodDays === undefined ? { type } : { type, periodDays };
}

function readRecord(raw: unknown, where: string): RegistryHistoryRecord {
  if (!isRecord(raw)) throw new FormatProblem(`${where} is not an object`);
  const logical = readLogical(raw.logical, where);
  if (typeof raw.change !== 'string' || !HISTORY_CHANGES.has(raw.change)) {
    throw new FormatProblem(`${where}.change is not a known change`);
  }
  const optional = (key: 'fromRef' | 'toRef' | 'actor') => {
    const value = raw[key];
    if (value === undefined) return {};
    if (typeof value !== 'string') {
      throw new FormatProblem(`${where}.${key} is not a string`);
    }
    return key === 'actor'
      ? { actor: value }
      : { [key]: readRef(value, logical, `${where}.${key}`) };
  };
  return {
    logical,
    change: raw.change as RegistryHistoryRecord['change'],
    ...optional('fromRef'),
    ...optional('toRef'),
    ...optional('actor'),
    at: readDate(raw.at, `${where}.at`),
    revision: readRevision(raw.revision, `${where}.revision`),
  };
}

function readLogical(value: unknown, where: string): string {
  const parsed = tryParseRef(value);
  if (parsed === undefined || parsed.version !== undefined) {
    throw new FormatProblem(`${where}.logical is not a logical name`);
  }
  return parsed.name;
}

function readRef(value: unknown, logical: string, where: string): string {
  const parsed = tryParseRef(value);
  if (parsed === undefined || parsed.name !== logical) {
    throw new FormatProblem(`${where} is not a ref of ${displayRef(logical)}`);
  }
  return parsed.ref;
}

function readDate(value: unknown, where: string): Date {
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new FormatProblem(`${where} is not an ISO-8601 time`);
  }
  return date;
}

function readRevision(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new FormatProblem(`${where} is not a positive integer`);
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
