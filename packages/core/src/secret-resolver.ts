import type { AuditLog } from './audit.js';
import { coarseDateNow } from './coarse-clock.js';
import { conceal } from './conceal.js';
import { displayRef } from './display-ref.js';
import {
  BatonError,
  describe,
  SecretBatchError,
  SecretNotFoundError,
  SourceError,
} from './errors.js';
import { type CachedSecret, SecretCache } from './secret-cache.js';
import { type ParsedRef, parseRef } from './secret-ref.js';
import type { SecretSource } from './source.js';
import type { Telemetry } from './telemetry.js';

/** Cache settings after defaults are merged (see `createBaton`). */
export interface ResolvedCacheOptions {
  ttlMs: number;
  maxEntries: number;
  maxStaleMs: number;
  missTtlMs: number;
}

/** Decides whether an error thrown by `withSecret`'s function means "the secret was rejected". */
export type AuthErrorClassifier = (error: unknown) => boolean;

type Outcome =
  | { kind: 'found'; value: string; source: string }
  | { kind: 'absent' }
  | { kind: 'error'; error: unknown; source: string };

const PARSE_MEMO_LIMIT = 10_000;

/**
 * Resolves refs through the source chain, once: the cache, single flight, negative caching,
 * stale-if-error, telemetry and error wrapping live here for every source.
 */
export class SecretResolver {
  private readonly cache: SecretCache | undefined;
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly parsed = new Map<string, ParsedRef>();
  private readonly sourceNames: readonly string[];
  /** The clock for cache freshness. */
  private readonly now: () => number;
  /**
   * Bumped by every invalidation: a load that started before one still answers its callers
   * but does not cache, so a value read before a change never outlives it.
   */
  private generation = 0;
  private readonly unwatch: (() => void)[] = [];

  constructor(
    private readonly sources: readonly SecretSource[],
    private readonly options: ResolvedCacheOptions | false,
    private readonly clock: () => number,
    private readonly audit: AuditLog,
    private readonly telemetry: Telemetry,
  ) {
    this.cache = options === false ? undefined : new SecretCache(options.maxEntries);
    this.sourceNames = sources.map((source) => source.name);
    // With the real clock, freshness checks may share one reading per millisecond; an
    // injected clock (a test's) is read every time, so it stays exact.
    this.now = clock === Date.now ? coarseDateNow() : clock;
    conceal(this, () => `SecretResolver { cached: ${this.cache?.size ?? 0} refs }`);
    for (const source of sources) {
      if (typeof source.watch === 'function') {
        this.unwatch.push(source.watch((name) => this.invalidateName(name)));
      }
    }
  }

  /** Parses a ref given by the app; repeated spellings are parsed once. */
  parse(ref: string | ParsedRef): ParsedRef {
    if (typeof ref !== 'string') return ref;
    let parsed = this.parsed.get(ref);
    if (parsed === undefined) {
      parsed = parseRef(ref);
      if (this.parsed.size >= PARSE_MEMO_LIMIT) this.parsed.clear();
      this.parsed.set(ref, parsed);
    }
    return parsed;
  }

  get(ref: string | ParsedRef): Promise<string> {
    const text = typeof ref === 'string' ? ref : ref.ref;
    // Entries are keyed by canonical ref, so a ref given in canonical form hits without parsing.
    const hit = this.freshHit(text);
    if (hit !== undefined) {
      hit.promise ??= Promise.resolve(hit.value as string);
      return hit.promise;
    }
    return this.getSlow(this.parse(ref));
  }

  /**
   * The value `get` would answer at once from the cache (counted as a hit), or `undefined`
   * when it would have to wait: lets a hot caller skip a promise.
   */
  cachedValue(ref: string): string | undefined {
    return this.freshHit(ref)?.value;
  }

  /** The fresh cached value of a canonical ref, counted as a hit; else `undefined`. */
  private freshHit(ref: string): CachedSecret | undefined {
    const entry = this.cache?.get(ref);
    if (entry === undefined || entry.value === undefined || this.now() >= entry.expiresAt) {
      return undefined;
    }
    this.telemetry.recordCacheLookup('hit');
    return entry;
  }

  private getSlow(parsed: ParsedRef): Promise<string> {
    const entry = this.cache?.get(parsed.ref);
    if (entry !== undefined && this.now() < entry.expiresAt) {
      this.telemetry.recordCacheLookup('hit');
      if (entry.value === undefined) {
        return Promise.reject(this.notFound(parsed));
      }
      entry.promise ??= Promise.resolve(entry.value);
      return entry.promise;
    }
    const inflight = this.inflight.get(parsed.ref);
    return inflight ?? (this.loadMany([parsed])[0] as Promise<string>);
  }

  /**
   * Like `get`, serving a cached answer only if a source gave it at most `maxAgeMs` ago (a
   * negative `maxAgeMs` never serves from the cache). A read already in flight is shared.
   */
  getFresh(ref: string | ParsedRef, maxAgeMs: number): Promise<string> {
    const parsed = this.parse(ref);
    const entry = this.cache?.get(parsed.ref);
    const now = this.now();
    if (entry !== undefined && now < entry.expiresAt && now - entry.readAt <= maxAgeMs) {
      this.telemetry.recordCacheLookup('hit');
      if (entry.value === undefined) return Promise.reject(this.notFound(parsed));
      entry.promise ??= Promise.resolve(entry.value);
      return entry.promise;
    }
    return this.inflight.get(parsed.ref) ?? (this.loadMany([parsed])[0] as Promise<string>);
  }

  /**
   * Resolves many refs; refs missing from the cache go to each source in one batch. Cached
   * answers older than `maxAgeMs` are read again (as with `getFresh`).
   */
  async getMany(
    refs: readonly (string | ParsedRef)[],
    maxAgeMs = Number.POSITIVE_INFINITY,
  ): Promise<Record<string, string>> {
    const parsedRefs = refs.map((ref) => this.parse(ref));
    const now = this.now();
    const pending = new Map<string, Promise<string>>();
    const toLoad: ParsedRef[] = [];
    for (const parsed of parsedRefs) {
      if (pending.has(parsed.ref)) continue;
      const entry = this.cache?.get(parsed.ref);
      if (entry !== undefined && now < entry.expiresAt && now - entry.readAt <= maxAgeMs) {
        this.telemetry.recordCacheLookup('hit');
        pending.set(
          parsed.ref,
          entry.value === undefined
            ? Promise.reject(this.notFound(parsed))
            : Promise.resolve(entry.value),
        );
        continue;
      }
      const inflight = this.inflight.get(parsed.ref);
      if (inflight !== undefined) pending.set(parsed.ref, inflight);
      else toLoad.push(parsed);
    }
    const loads = this.loadMany(toLoad);
    toLoad.forEach((parsed, index) => {
      pending.set(parsed.ref, loads[index] as Promise<string>);
    });

    const settled = await Promise.allSettled(parsedRefs.map((parsed) => pending.get(parsed.ref)));
    const values: Record<string, string> = {};
    const failures: BatonError[] = [];
    settled.forEach((result, index) => {
      const given = refs[index] as string | ParsedRef;
      const key = typeof given === 'string' ? given : given.ref;
      if (result.status === 'fulfilled') values[key] = result.value as string;
      else if (!failures.includes(result.reason)) failures.push(result.reason);
    });
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new SecretBatchError(failures, parsedRefs.length);
    return values;
  }

  /** Drops the cached answer for a ref and resolves it again. */
  async rotate(ref: string | ParsedRef): Promise<string> {
    const parsed = this.parse(ref);
    this.forget(parsed.ref);
    return this.getSlow(parsed);
  }

  /** Drops one cached answer, or all of them. */
  invalidate(ref?: string | ParsedRef): void {
    if (ref !== undefined) {
      this.forget(this.parse(ref).ref);
      return;
    }
    this.generation++;
    this.cache?.clear();
    this.inflight.clear();
  }

  /** Drops every cached answer for a name, whatever its version (a source saw it change). */
  invalidateName(name: string): void {
    this.generation++;
    const versioned = `${name}:`;
    const matches = (ref: string) => ref === name || ref.startsWith(versioned);
    this.cache?.deleteWhere(matches);
    for (const ref of [...this.inflight.keys()]) if (matches(ref)) this.inflight.delete(ref);
  }

  /** Stops following the sources' changes. */
  close(): void {
    for (const stop of this.unwatch.splice(0)) stop();
  }

  /** Drops a ref's cached answer, and its load in flight so the next read asks again. */
  private forget(ref: string): void {
    this.generation++;
    this.cache?.delete(ref);
    this.inflight.delete(ref);
  }

  /**
   * Starts one load for each ref and registers it for single flight. Every promise settles;
   * none is left unhandled when the caller drops it.
   */
  private loadMany(refs: readonly ParsedRef[]): Promise<string>[] {
    if (refs.length === 0) return [];
    this.telemetry.recordCacheLookup('miss');
    const outcomes = this.walkChain(refs);
    const generation = this.generation;
    return refs.map((parsed, index) => {
      const load = outcomes.then((all) =>
        this.settle(parsed, all[index] as Outcome, generation === this.generation),
      );
      const tracked = load.finally(() => {
        if (this.inflight.get(parsed.ref) === tracked) this.inflight.delete(parsed.ref);
      });
      this.inflight.set(parsed.ref, tracked);
      return tracked;
    });
  }

  /** Asks each source in order for the refs still unresolved; never rejects. */
  private async walkChain(refs: readonly ParsedRef[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = refs.map(() => ({ kind: 'absent' }));
    let open = refs.map((_, index) => index);
    for (const source of this.sources) {
      if (open.length === 0) break;
      const answers = await this.ask(
        source,
        open.map((index) => refs[index] as ParsedRef),
      );
      const stillOpen: number[] = [];
      answers.forEach((answer, position) => {
        const index = open[position] as number;
        if (answer.kind === 'absent') stillOpen.push(index);
        else outcomes[index] = answer;
      });
      open = stillOpen;
    }
    return outcomes;
  }

  /** One source, many refs: its batch read when it has one, otherwise reads in parallel. */
  private async ask(source: SecretSource, refs: readonly ParsedRef[]): Promise<Outcome[]> {
    if (refs.length > 1 && source.getMany !== undefined) {
      const batch = await this.call(source, refs, () =>
        (source.getMany as NonNullable<SecretSource['getMany']>).call(source, refs),
      );
      if (batch.kind === 'error') return refs.map(() => batch);
      const answers = batch.value;
      if (!(answers instanceof Map)) {
        const error = new TypeError(`getMany of source "${source.name}" did not answer a Map`);
        return refs.map(() => ({ kind: 'error', error, source: source.name }));
      }
      return Promise.all(
        refs.map((parsed) =>
          answers.has(parsed.ref)
            ? toOutcome(source.name, answers.get(parsed.ref))
            : this.askOne(source, parsed),
        ),
      );
    }
    return Promise.all(refs.map((parsed) => this.askOne(source, parsed)));
  }

  private async askOne(source: SecretSource, parsed: ParsedRef): Promise<Outcome> {
    const result = await this.call(source, parsed.ref, () => source.get(parsed));
    return result.kind === 'error' ? result : toOutcome(source.name, result.value);
  }

  /** Calls a source inside a `baton.fetch` span, recording the request metrics. */
  private async call<T>(
    source: SecretSource,
    refs: string | readonly ParsedRef[],
    read: () => Promise<T>,
  ): Promise<{ kind: 'ok'; value: T } | { kind: 'error'; error: unknown; source: string }> {
    const span = this.telemetry.startFetchSpan(
      source.name,
      typeof refs === 'string' ? refs : refs.map((parsed) => parsed.ref),
    );
    const started = now();
    try {
      const value = await read();
      const outcome = isFound(value) ? 'found' : 'absent';
      this.telemetry.recordSourceRequest(source.name, outcome, (now() - started) / 1000);
      this.telemetry.endFetchSpan(span, outcome);
      return { kind: 'ok', value };
    } catch (error) {
      this.telemetry.recordSourceRequest(source.name, 'error', (now() - started) / 1000);
      this.telemetry.endFetchSpan(span, 'error', error);
      return { kind: 'error', error, source: source.name };
    }
  }

  /** Turns the chain's answer into a value or an error, updating the cache. */
  private settle(parsed: ParsedRef, outcome: Outcome, cacheable: boolean): string {
    const now = this.clock();
    const options = cacheable ? this.options : false;
    if (outcome.kind === 'found') {
      if (options !== false && this.cache !== undefined) {
        const expiresAt = now + options.ttlMs;
        this.cache.set(parsed.ref, {
          value: outcome.value,
          source: outcome.source,
          readAt: now,
          expiresAt,
          staleUntil: expiresAt + options.maxStaleMs,
          promise: undefined,
          referenced: false,
        });
      }
      this.emit('secret_read', parsed, now, outcome.source);
      return outcome.value;
    }
    if (outcome.kind === 'absent') {
      if (options !== false && this.cache !== undefined) {
        this.cache.set(parsed.ref, {
          value: undefined,
          source: undefined,
          readAt: now,
          expiresAt: now + options.missTtlMs,
          staleUntil: now + options.missTtlMs,
          promise: undefined,
          referenced: false,
        });
      }
      throw this.notFound(parsed);
    }
    const error =
      outcome.error instanceof SourceError
        ? outcome.error
        : new SourceError(outcome.source, parsed.ref, outcome.error);
    this.emit('source_error', parsed, now, outcome.source, describe(outcome.error));
    const last = this.cache?.get(parsed.ref);
    if (options !== false && last?.value !== undefined && now < last.staleUntil) {
      // Serve the last good value, and retry the sources only after a short pause.
      last.expiresAt = Math.min(now + options.missTtlMs, last.staleUntil);
      this.telemetry.recordCacheLookup('stale');
      this.emit('secret_stale_served', parsed, now, last.source, describe(outcome.error));
      return last.value;
    }
    throw error;
  }

  /** The not-found error of a ref, with what each source says to create. */
  private notFound(parsed: ParsedRef): SecretNotFoundError {
    const hints: string[] = [];
    for (const source of this.sources) {
      try {
        const hint = source.hint?.(parsed);
        if (typeof hint === 'string' && hint !== '') hints.push(hint);
      } catch {
        // A hint is advice; a source that fails to give one is left out.
      }
    }
    return new SecretNotFoundError(parsed.ref, this.sourceNames, hints);
  }

  private emit(
    type: 'secret_read' | 'secret_stale_served' | 'source_error',
    parsed: ParsedRef,
    atMs: number,
    source: string | undefined,
    error?: string,
  ): void {
    if (!this.audit.enabled) return;
    this.audit.emit({
      type,
      logical: displayRef(parsed.name),
      atMs,
      ref: displayRef(parsed.ref),
      source,
      error,
    });
  }
}

/** A source's answer as an outcome: an empty string is absent, never a usable credential. */
function toOutcome(source: string, value: unknown): Outcome {
  if (value === undefined || value === '') return { kind: 'absent' };
  if (typeof value === 'string') return { kind: 'found', value, source };
  return {
    kind: 'error',
    source,
    error: new BatonError(
      'BATON_SOURCE_FAILED',
      `Source "${source}" answered ${typeof value}, not a string`,
    ),
  };
}

function isFound(value: unknown): boolean {
  if (value instanceof Map) {
    for (const answer of value.values()) if (answer !== undefined && answer !== '') return true;
    return false;
  }
  return value !== undefined && value !== '';
}

/** A clock for durations only; the injected clock may be fake, metrics want real seconds. */
function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}
