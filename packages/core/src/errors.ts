import { displayRef } from './display-ref.js';

/**
 * Every error Baton throws. Messages name refs, logical names and sources so the reader
 * knows what to fix; they never contain a secret value.
 */

/** Stable error codes; match on `error.code`, not on messages. */
export type BatonErrorCode =
  | 'BATON_INVALID_REF'
  | 'BATON_NOT_FOUND'
  | 'BATON_SOURCE_FAILED'
  | 'BATON_CONFLICT'
  | 'BATON_NO_ENTRY'
  | 'BATON_STORE_FAILED'
  | 'BATON_CONFIG'
  | 'BATON_CLOSED'
  | 'BATON_INVALID_VALUE'
  /** A file, directory or external command (git) could not be read or run. */
  | 'BATON_IO'
  /** A check said no: a refused retire, secrets missing, a read-back that differs. */
  | 'BATON_REFUSED'
  /** A step of a rotation run (create, set, test, promote, finish) failed. */
  | 'BATON_ROTATION_FAILED';

/** Base class of every Baton error: a stable `code`, a message, an optional `cause`. */
export class BatonError extends Error {
  readonly code: BatonErrorCode;

  constructor(code: BatonErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A ref does not follow the grammar `NAME` or `NAME:vN`, or names the wrong logical secret. */
export class SecretRefError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BATON_INVALID_REF', message, options);
  }
}

/**
 * No source in the chain holds a value for the ref. `ref` is as `displayRef` shows it. The
 * message says what to create, from each source's `hint` (a name is shown only when the ref
 * does not look like a credential).
 */
export class SecretNotFoundError extends BatonError {
  readonly ref: string;

  constructor(ref: string, sources: readonly string[], hints: readonly string[] = []) {
    const shown = displayRef(ref);
    const tried = `tried: ${sources.join(', ') || 'none'}`;
    super(
      'BATON_NOT_FOUND',
      hints.length > 0 && shown === ref
        ? `No value for ${shown}: ${hints.join(', or ')} (${tried})`
        : `No value for ${shown} in any source (${tried})`,
    );
    this.ref = shown;
  }
}

/** Several refs of one `getSecrets` call failed; `errors` holds each failure. */
export class SecretBatchError extends BatonError {
  readonly errors: readonly BatonError[];

  constructor(errors: readonly BatonError[], total: number) {
    const code = errors.every((error) => error.code === 'BATON_NOT_FOUND')
      ? 'BATON_NOT_FOUND'
      : 'BATON_SOURCE_FAILED';
    super(
      code,
      `${errors.length} of ${total} refs could not be resolved:\n  - ${errors.map((error) => error.message).join('\n  - ')}`,
    );
    this.errors = errors;
  }
}

/**
 * A source failed while reading or writing a ref. The message names the source, the ref and
 * the kind of failure (a Baton error's own message, which names refs and paths only). A foreign
 * error's text may quote input (an SDK echoing a request, a parser quoting what it failed on),
 * a thrown string or object may be a token, and loggers and `util.inspect` print causes in
 * full, so neither is the `cause`: `cause` is a {@link WithheldError} with its name and code,
 * and the original is kept on `underlying`, which is not enumerable and not printed.
 */
export class SourceError extends BatonError {
  readonly source: string;
  readonly ref: string;
  /** The error the source threw, for debugging: may hold anything the upstream echoed. */
  declare readonly underlying: unknown;

  constructor(source: string, ref: string, cause: unknown, operation = 'read') {
    const shown = displayRef(ref);
    super(
      'BATON_SOURCE_FAILED',
      `Source "${source}" failed to ${operation} ${shown}: ${explainCause(cause)}`,
      cause === undefined
        ? undefined
        : { cause: cause instanceof BatonError ? cause : new WithheldError(cause) },
    );
    this.source = source;
    this.ref = shown;
    Object.defineProperty(this, 'underlying', { value: cause, enumerable: false });
  }
}

/**
 * Stands in for a foreign error as a `cause`: its name and code, without its message or stack
 * (both may quote input).
 */
export class WithheldError extends Error {
  readonly code?: string;

  constructor(original: unknown) {
    const what = original instanceof Error ? 'message' : 'content';
    super(`${describe(original)}; its ${what} is withheld (see the wrapping error's underlying)`);
    this.name = original instanceof Error ? original.name : 'WithheldError';
    const code = (original as { code?: unknown } | null | undefined)?.code;
    if (typeof code === 'string') this.code = code;
  }
}

/**
 * A value was read but could not be turned into what the caller asked for: it is not JSON
 * (`transform: 'json'`), not base64 (`'binary'`), or does not match the schema. The message
 * names the ref and what failed; never the value, and never a parser's or validator's message,
 * which may quote it (a JSON parser's `cause` is a {@link WithheldError}).
 */
export class SecretTransformError extends BatonError {
  readonly ref: string;
  readonly transform: 'json' | 'binary' | 'schema';

  constructor(
    ref: string,
    transform: 'json' | 'binary' | 'schema',
    problem: string,
    options?: { cause?: unknown },
  ) {
    const shown = displayRef(ref);
    super('BATON_INVALID_VALUE', `The value of ${shown} ${problem}`, options);
    this.ref = shown;
    this.transform = transform;
  }
}

/**
 * A write to a source lost a race, or names a version that exists already: another writer got
 * there first (a check-and-set that did not match). Read what is there, then decide.
 */
export class SourceConflictError extends BatonError {
  readonly source: string;
  readonly ref: string;

  constructor(source: string, ref: string, problem: string) {
    const shown = displayRef(ref);
    super('BATON_CONFLICT', `Source "${source}" did not write ${shown}: ${problem}`);
    this.source = source;
    this.ref = shown;
  }
}

/** A compare-and-set write lost: another writer changed the entry first. */
export class RegistryConflictError extends BatonError {
  readonly logical: string;
  readonly expectedRevision: number;
  readonly actualRevision: number;

  constructor(logical: string, expectedRevision: number, actualRevision: number) {
    super(
      'BATON_CONFLICT',
      `Registry entry ${logical} is at revision ${actualRevision}, not ${expectedRevision}: another writer changed it; reload and retry`,
    );
    this.logical = logical;
    this.expectedRevision = expectedRevision;
    this.actualRevision = actualRevision;
  }
}

/** The registry has no entry for a logical name that a change needs. */
export class NoEntryError extends BatonError {
  readonly logical: string;

  constructor(logical: string) {
    super('BATON_NO_ENTRY', `No registry entry for ${logical}; register it first`);
    this.logical = logical;
  }
}

/** A registry store could not be read or written (the local snapshot is unchanged). */
export class StoreError extends BatonError {
  readonly store: string;

  constructor(store: string, message: string, options?: { cause?: unknown }) {
    super('BATON_STORE_FAILED', `Registry store "${store}": ${message}`, options);
    this.store = store;
  }
}

/**
 * Invalid options or settings. `issues` lists every problem found (names only, never values),
 * so one start-up failure reports them all.
 */
export class ConfigError extends BatonError {
  readonly issues: readonly string[];

  constructor(issues: readonly string[] | string, options?: { cause?: unknown }) {
    const list = typeof issues === 'string' ? [issues] : issues;
    super(
      'BATON_CONFIG',
      list.length === 1 ? `${list[0]}` : `Invalid configuration:\n  - ${list.join('\n  - ')}`,
      options,
    );
    this.issues = list;
  }
}

/** The Baton instance was closed. */
export class ClosedError extends BatonError {
  constructor(operation: string) {
    super('BATON_CLOSED', `Cannot ${operation}: this Baton instance is closed`);
  }
}

/**
 * What a source's error says: a Baton error's own message (written to name refs, sources and
 * paths, never values), otherwise only its kind.
 */
function explainCause(cause: unknown): string {
  return cause instanceof BatonError ? cause.message : describe(cause);
}

/**
 * Names the kind of a foreign error without its message, which may echo input (an SDK or a
 * JSON parser can quote the text it failed on).
 */
export function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && code !== error.name ? `${error.name} (${code})` : error.name;
  }
  return typeof error;
}
