import { NoEntryError, RegistryConflictError } from './errors.js';
import type { DeliveryClaim } from './replay-cache.js';
import {
  copyRotationPolicy,
  type RotationPolicy,
  rotationPolicyProblem,
  sameRotationPolicy,
} from './rotation-policy.js';
import { tryParseRef } from './secret-ref.js';

/** The rotation state of one logical secret (fixed field names). */
export interface RegistryEntry {
  readonly logical: string;
  readonly currentRef: string;
  readonly previousRef?: string;
  /** When the current ref became current. */
  readonly activatedAt: Date;
  /** When the previous ref first became current (kept across promotions). */
  readonly previousActivatedAt?: Date;
  /** Increments on every change; the token of compare-and-set. */
  readonly revision: number;
  /**
   * How this secret is rotated (type and period), when a policy was set. Registrations,
   * promotions and retirements keep it; only a `policy` change sets or clears it.
   */
  readonly rotation?: RotationPolicy;
}

/** A change to one entry, as the registry asks a store to apply it. */
export type RegistryChange =
  | {
      readonly kind: 'register';
      readonly logical: string;
      readonly currentRef: string;
      readonly previousRef?: string;
      readonly activatedAt?: Date;
      readonly previousActivatedAt?: Date;
      /** Keep an existing entry instead of replacing it. */
      readonly ifAbsent?: boolean;
      /** Compare-and-set: 0 means "no entry yet". */
      readonly expectedRevision?: number;
      readonly actor?: string;
    }
  | {
      readonly kind: 'promote';
      readonly logical: string;
      readonly ref: string;
      readonly expectedRevision?: number;
      readonly actor?: string;
    }
  | {
      /** Drops the previous ref, only if it is still `previousRef` (a concurrent promotion wins). */
      readonly kind: 'retire';
      readonly logical: string;
      readonly previousRef: string;
      readonly reason: 'retire' | 'grace_expired';
      readonly actor?: string;
    }
  | {
      /** Sets the rotation policy of an existing entry, or clears it (`rotation` absent). */
      readonly kind: 'policy';
      readonly logical: string;
      readonly rotation?: RotationPolicy;
      readonly expectedRevision?: number;
      readonly actor?: string;
    };

/** What a store answers for a change. `changed` is false for a no-op (nothing written). */
export interface ChangeResult {
  readonly entry: RegistryEntry;
  readonly changed: boolean;
}

/** One line of a store's change history: who changed what, when. */
export interface RegistryHistoryRecord {
  readonly logical: string;
  /** `policy`: the rotation policy was set or cleared (the entry holds the new one). */
  readonly change: 'register' | 'promote' | 'retire' | 'grace_expired' | 'policy';
  /** For register and promote: the ref that was current before; for retirement: the ref dropped. */
  readonly fromRef?: string;
  /** For register and promote: the ref current after the change. */
  readonly toRef?: string;
  readonly actor?: string;
  readonly at: Date;
  readonly revision: number;
}

/**
 * The latest time any registry accepts, 9999-12-31T23:59:59.999Z, so grace arithmetic stays a
 * valid date.
 */
export const LATEST_TIME_MS = 253_402_300_799_999;

/**
 * What is wrong with an entry a store holds, or `undefined` when nothing is: every ref must
 * parse and carry the entry's logical name, times must be valid dates, the revision a
 * positive integer. Registries and stores refuse such entries (a hand-edited file, a forged
 * notification); the answer names the fields, never their text.
 *
 * @example
 * entryProblem({ logical: 'A', currentRef: 'B:v2', activatedAt: new Date(), revision: 1 });
 * // 'currentRef is not a ref of A'
 */
export function entryProblem(entry: RegistryEntry): string | undefined {
  if (typeof entry !== 'object' || entry === null) return 'the entry is not an object';
  const logical = tryParseRef(entry.logical);
  if (logical === undefined || logical.version !== undefined) return 'logical is not a name';
  if (!belongsTo(entry.currentRef, logical.name)) {
    return `currentRef is not a ref of ${logical.name}`;
  }
  if (entry.previousRef !== undefined) {
    if (!belongsTo(entry.previousRef, logical.name)) {
      return `previousRef is not a ref of ${logical.name}`;
    }
    if (entry.previousRef === entry.currentRef) return 'previousRef is the current ref';
  }
  if (!validTime(entry.activatedAt)) return 'activatedAt is not a valid date';
  if (entry.previousActivatedAt !== undefined && !validTime(entry.previousActivatedAt)) {
    return 'previousActivatedAt is not a valid date';
  }
  if (!Number.isSafeInteger(entry.revision) || entry.revision < 1) {
    return 'revision is not a positive integer';
  }
  if (entry.rotation !== undefined) {
    const problem = rotationPolicyProblem(entry.rotation);
    if (problem !== undefined) return `rotation: ${problem}`;
  }
  return undefined;
}

/** Whether `ref` is the canonical text of a ref of `name`. */
function belongsTo(ref: unknown, name: string): boolean {
  const parsed = tryParseRef(ref);
  return parsed !== undefined && parsed.name === name && parsed.ref === ref;
}

function validTime(value: unknown): boolean {
  if (!(value instanceof Date)) return false;
  const ms = value.getTime();
  return ms >= 0 && ms <= LATEST_TIME_MS;
}

/** What comes with entries a store pushes to its subscribers. */
export interface StoreUpdate {
  /**
   * The entries are the store's whole content, and replace the snapshot even where their
   * revisions are lower than the snapshot's: the store found that its history went back (a
   * file restored from an older copy, a table from a backup) and the store is the truth.
   */
  readonly resync?: boolean;
}

/**
 * Where the registry lives. The registry keeps a local snapshot, so `verifyRef` never waits
 * on a store: stores are read at `ready()`, written by changes, and push changes made
 * elsewhere through `subscribe`.
 */
export interface RegistryStore {
  /** Shown in errors. */
  readonly name: string;
  /** Every entry. */
  load(): Promise<readonly RegistryEntry[]>;
  /**
   * Every entry, answered at once: offered by stores that hold their entries in memory, so a
   * registry on them is ready from the start without `ready()`. A store that wraps another and
   * replaces its `load` must replace or drop this too.
   */
  loadSync?(): readonly RegistryEntry[];
  /**
   * Applies one change atomically. `now` is the registry's clock; a store with its own clock
   * (a database) may use that instead. Throws `RegistryConflictError` when
   * `expectedRevision` does not match and `NoEntryError` when a change needs an entry.
   */
  apply(change: RegistryChange, now: Date): Promise<ChangeResult>;
  /**
   * Calls `listener` with entries changed elsewhere. The registry keeps, per name, the entry
   * of the highest revision it has seen, unless `update.resync` says the entries are the
   * whole truth now.
   */
  subscribe?(
    listener: (entries: readonly RegistryEntry[], update?: StoreUpdate) => void,
  ): () => void;
  /** The newest changes first; `limit` defaults to 100. */
  history?(options?: {
    logical?: string;
    limit?: number;
  }): Promise<readonly RegistryHistoryRecord[]>;
  /**
   * Optional: records one delivery of a verified message for replay protection shared by every
   * Baton on this store (`createBaton({ replay: { scope: 'store' } })`). Answers `false` when
   * the same key was recorded with a signed timestamp at least as new and its record has not
   * expired (a replay), otherwise records it and answers `true`. Atomic across its users.
   * The memory and PostgreSQL stores have it.
   */
  claimDelivery?(claim: DeliveryClaim, now: Date): Promise<boolean>;
  /** Releases connections, watchers and timers. */
  close?(): Promise<void>;
}

/**
 * The semantics of every change, for stores that compute changes in JavaScript (memory and
 * file). A SQL store implements the same rules in its statements.
 */
export function applyChange(
  before: RegistryEntry | undefined,
  change: RegistryChange,
  now: Date,
): { result: ChangeResult; record?: RegistryHistoryRecord } {
  const revision = before?.revision ?? 0;
  switch (change.kind) {
    case 'register': {
      if (change.expectedRevision !== undefined && change.expectedRevision !== revision) {
        throw new RegistryConflictError(change.logical, change.expectedRevision, revision);
      }
      if (before !== undefined && (change.ifAbsent || sameRegistration(before, change))) {
        return { result: { entry: before, changed: false } };
      }
      const activatedAt = change.activatedAt ?? now;
      const entry: RegistryEntry = {
        logical: change.logical,
        currentRef: change.currentRef,
        ...(change.previousRef === undefined
          ? {}
          : {
              previousRef: change.previousRef,
              previousActivatedAt: change.previousActivatedAt ?? activatedAt,
            }),
        activatedAt,
        revision: revision + 1,
        ...keptPolicy(before),
      };
      return {
        result: { entry, changed: true },
        record: record(entry, 'register', now, change.actor, before?.currentRef, change.currentRef),
      };
    }
    case 'promote': {
      if (before === undefined) throw new NoEntryError(change.logical);
      if (change.expectedRevision !== undefined && change.expectedRevision !== revision) {
        throw new RegistryConflictError(change.logical, change.expectedRevision, revision);
      }
      if (before.currentRef === change.ref) return { result: { entry: before, changed: false } };
      const entry: RegistryEntry = {
        logical: before.logical,
        currentRef: change.ref,
        previousRef: before.currentRef,
        activatedAt: now,
        previousActivatedAt: before.activatedAt,
        revision: revision + 1,
        ...keptPolicy(before),
      };
      return {
        result: { entry, changed: true },
        record: record(entry, 'promote', now, change.actor, before.currentRef, change.ref),
      };
    }
    case 'retire': {
      if (before === undefined) throw new NoEntryError(change.logical);
      if (before.previousRef !== change.previousRef) {
        return { result: { entry: before, changed: false } };
      }
      const entry: RegistryEntry = {
        logical: before.logical,
        currentRef: before.currentRef,
        activatedAt: before.activatedAt,
        revision: revision + 1,
        ...keptPolicy(before),
      };
      return {
        result: { entry, changed: true },
        record: record(entry, change.reason, now, change.actor, change.previousRef, undefined),
      };
    }
    case 'policy': {
      if (before === undefined) throw new NoEntryError(change.logical);
      if (change.expectedRevision !== undefined && change.expectedRevision !== revision) {
        throw new RegistryConflictError(change.logical, change.expectedRevision, revision);
      }
      if (sameRotationPolicy(before.rotation, change.rotation)) {
        return { result: { entry: before, changed: false } };
      }
      const { rotation: _replaced, ...rest } = before;
      const entry: RegistryEntry = {
        ...rest,
        revision: revision + 1,
        ...(change.rotation === undefined ? {} : { rotation: copyRotationPolicy(change.rotation) }),
      };
      return {
        result: { entry, changed: true },
        record: record(entry, 'policy', now, change.actor, undefined, undefined),
      };
    }
  }
}

/** The rotation policy of an entry, to carry into the entry a change makes. */
function keptPolicy(before: RegistryEntry | undefined): { rotation?: RotationPolicy } {
  return before?.rotation === undefined ? {} : { rotation: before.rotation };
}

function sameRegistration(
  before: RegistryEntry,
  change: Extract<RegistryChange, { kind: 'register' }>,
): boolean {
  return (
    before.currentRef === change.currentRef &&
    before.previousRef === change.previousRef &&
    (change.activatedAt === undefined || sameTime(before.activatedAt, change.activatedAt)) &&
    (change.previousActivatedAt === undefined ||
      sameTime(before.previousActivatedAt, change.previousActivatedAt))
  );
}

function sameTime(a: Date | undefined, b: Date): boolean {
  return a !== undefined && a.getTime() === b.getTime();
}

function record(
  entry: RegistryEntry,
  change: RegistryHistoryRecord['change'],
  at: Date,
  actor: string | undefined,
  fromRef: string | undefined,
  toRef: string | undefined,
): RegistryHistoryRecord {
  return {
    logical: entry.logical,
    change,
    ...(fromRef === undefined ? {} : { fromRef }),
    ...(toRef === undefined ? {} : { toRef }),
    ...(actor === undefined ? {} : { actor }),
    at,
    revision: entry.revision,
  };
}
