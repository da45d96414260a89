import {
  type Baton,
  BatonError,
  ConfigError,
  describeError,
  NoEntryError,
  type ParsedRef,
  parseRef,
  RegistryConflictError,
  type WritableSecretSource,
} from '@baton/core';
import { PendingChangedError, RotationStepError } from './errors.js';
import { recordRun } from './metrics.js';
import type { PendingContext, RotationContext, RotationStep, Rotator } from './rotator.js';

/** How a run ended: the new ref is current, a step failed, or another run got there first. */
export type RotationStatus = 'rotated' | 'failed' | 'skipped';

/** What `rotate` resolves to. It names refs, never values. */
export interface RotationResult {
  readonly status: RotationStatus;
  readonly logical: string;
  /** The ref current when the run started. */
  readonly fromRef: string;
  /** The ref the run made (current now, when `rotated`). */
  readonly toRef: string;
  /**
   * `failed`: the step that failed; `skipped`: the step at which the run stopped; `rotated`:
   * `finish` when the rotator's finish failed after the promotion (which stands).
   */
  readonly step?: RotationStep;
  /** Why it failed or stopped; the message names refs and steps, never values. */
  readonly error?: BatonError;
  /** The registry revision the promotion made. */
  readonly revision?: number;
  /** Whether the run took up a version an earlier run left half-made, instead of creating one. */
  readonly resumed: boolean;
  /** Versions an earlier run left that failed their test here: rolled back, never promoted. */
  readonly abandoned: readonly string[];
  /** The promotion's warning: the previous ref was already outside its grace window. */
  readonly warning?: string;
}

/** Told at the start and the end of each step (a progress display, a test's crash point). */
export interface RotationProgress {
  readonly logical: string;
  readonly step: RotationStep;
  readonly phase: 'start' | 'done';
  readonly pendingRef: string;
}

export interface RotateOptions {
  /** How the secret is made, applied and tested. */
  rotator: Rotator;
  /**
   * Where the new version is written: a cloud secret manager, the secrets API. Its earlier
   * versions stay readable (they are the backup) and it must be one of the Baton's sources,
   * so the run can check that the new ref resolves.
   */
  source: WritableSecretSource;
  /** Recorded with the promotion and the audit events. Default `'rotation'`. */
  actor?: string;
  /** Called at the start and the end of each step, and awaited. */
  onStep?: (progress: RotationProgress) => void | Promise<void>;
}

/** Versions above the current one a run looks at before it gives up on the source. */
const MAX_UNPROMOTED = 10;

const DEFAULT_ACTOR = 'rotation';

/**
 * Rotates `logical` from its current ref `NAME:vN` to `NAME:vN+1`: **create** (the rotator
 * makes the secret, the run writes it to `source`; `NAME:vN` stays there as the backup),
 * **set** (the rotator applies it where it is checked), **test** (it resolves through the
 * Baton's sources, and the rotator proves it works), **promote** (compare-and-set on the
 * registry revision the run started from), **finish**. Each step is audited (`rotate`, or
 * `rotate_failed` with the step as `reason`) and counted (`baton.rotation.runs`).
 *
 * A failure before the promotion leaves the registry as it was. The source and the registry
 * are the whole state: a rerun finds the version an interrupted run wrote (above the current
 * one, never promoted), sets and tests it again, and promotes it only once it has passed its
 * test in that run; one that fails its set or test is rolled back (left unpromoted) and a
 * fresh one made above it. Of two runs at once, the registry's compare-and-set lets one promote; the
 * other reports `skipped`.
 *
 * @example
 * const result = await rotate(baton, 'WEBHOOK_SECRET', {
 *   rotator: randomSecret({ bytes: 32 }),
 *   source: awsSecretsManager({ versions: 'names' }),
 * });
 * // { status: 'rotated', fromRef: 'WEBHOOK_SECRET:v3', toRef: 'WEBHOOK_SECRET:v4', … }
 */
export async function rotate(
  baton: Baton,
  logical: string,
  options: RotateOptions,
): Promise<RotationResult> {
  checkOptions(logical, options);
  await baton.ready();
  const entry = baton.status(logical);
  if (entry === undefined) throw new NoEntryError(logical);
  const from = parseRef(entry.currentRef);
  if (from.version === undefined) {
    throw new ConfigError(
      `${logical} cannot be rotated: its current ref ${from.ref} has no version. Register ${logical}:v1 (the value as its first version) to rotate it`,
    );
  }
  const run = new RotationRun(baton, from, from.version, entry.revision, options);
  const result = await run.execute();
  recordRun(baton, result);
  return result;
}

interface Pending {
  readonly ref: ParsedRef;
  readonly number: number;
  readonly value: string;
  /** Made by an earlier (or a concurrent) run, not by this one. */
  readonly resumed: boolean;
}

/** A step that failed, with what it threw. */
class StepFailure {
  constructor(
    readonly step: RotationStep,
    readonly error: unknown,
  ) {}
}

class RotationRun {
  private readonly logical: string;
  private readonly actor: string;
  private readonly abandoned: string[] = [];
  private resumed = false;

  constructor(
    private readonly baton: Baton,
    private readonly from: ParsedRef,
    private readonly fromVersion: number,
    private readonly revision: number,
    private readonly options: RotateOptions,
  ) {
    this.logical = from.name;
    this.actor = options.actor ?? DEFAULT_ACTOR;
  }

  async execute(): Promise<RotationResult> {
    let pending: Pending;
    const firstRef = this.refAt(this.fromVersion + 1);
    try {
      pending = await this.step('create', firstRef, () => this.createOrResume());
    } catch (error) {
      return this.failed(error, firstRef);
    }

    try {
      await this.setAndTest(pending);
    } catch (failure) {
      if (cause(failure) instanceof PendingChangedError)
        return this.skipped(failure, pending.ref.ref);
      if (!(pending.resumed && failure instanceof StepFailure && failure.step !== 'create')) {
        return this.failed(failure, pending.ref.ref);
      }
      // A version an earlier run left that cannot be set or does not work: roll it back (it
      // stays unpromoted) and make a fresh one above it. A rotator whose target is not ready
      // refuses in create too, so this writes nothing more until it is.
      this.abandoned.push(pending.ref.ref);
      this.audit('rotate', pending.ref.ref, { reason: 'abandon' });
      const number = pending.number + 1;
      const nextRef = this.refAt(number);
      try {
        pending = await this.step('create', nextRef, () => this.create(number));
      } catch (error) {
        return this.failed(error, nextRef);
      }
      try {
        await this.setAndTest(pending);
      } catch (error) {
        return cause(error) instanceof PendingChangedError
          ? this.skipped(error, nextRef)
          : this.failed(error, nextRef);
      }
    }
    return this.promoteAndFinish(pending);
  }

  /** Takes up the newest version above the current one, or creates the next. */
  private async createOrResume(): Promise<Pending> {
    const found = await this.findUnpromoted();
    if (found === undefined) return this.create(this.fromVersion + 1);
    this.resumed = true;
    this.audit('rotate', found.ref.ref, { reason: 'resume', source: this.options.source.name });
    return found;
  }

  /**
   * The newest version above the current one that the source holds: left by a run that
   * stopped before its promotion (or being made by a concurrent run).
   */
  private async findUnpromoted(): Promise<Pending | undefined> {
    let found: Pending | undefined;
    for (let number = this.fromVersion + 1; ; number++) {
      if (number > this.fromVersion + MAX_UNPROMOTED) {
        throw new ConfigError(
          `source "${this.options.source.name}" holds ${MAX_UNPROMOTED} versions of ${this.logical} above ${this.from.ref} that were never promoted; promote the right one or remove them before rotating again`,
        );
      }
      const ref = parseRef(`${this.logical}:v${number}`);
      const value = await this.options.source.get(ref);
      if (value === undefined) return found;
      found = { ref, number, value, resumed: true };
    }
  }

  /** Makes a value with the rotator and writes it as version `number`. */
  private async create(number: number): Promise<Pending> {
    const ref = parseRef(`${this.logical}:v${number}`);
    const { source } = this.options;
    const made = await this.options.rotator.create(this.context(ref.ref));
    if (typeof made !== 'string' || made === '') {
      throw new ConfigError(
        `the rotator's create answered ${made === '' ? 'an empty string' : typeof made}, not the new secret`,
      );
    }
    try {
      await source.put(ref, made);
    } catch (error) {
      // A check-and-set source refused: another run wrote this version first. Take it up.
      if ((error as { code?: unknown })?.code !== 'BATON_CONFLICT') throw error;
      const theirs = await source.get(ref);
      if (theirs === undefined) throw error;
      this.resumed = true;
      this.audit('rotate', ref.ref, { reason: 'resume', source: source.name });
      return { ref, number, value: theirs, resumed: true };
    }
    this.baton.invalidate(ref);
    // Read back: a source without check-and-set lets a concurrent writer's value win.
    const stored = await source.get(ref);
    if (stored === undefined) {
      throw new ConfigError(
        `source "${source.name}" accepted ${ref.ref} but answers no value for it: does it read the refs it writes?`,
      );
    }
    this.audit('rotate', ref.ref, { reason: 'create', source: source.name });
    if (stored !== made) this.resumed = true;
    return { ref, number, value: stored, resumed: stored !== made };
  }

  private async setAndTest(pending: Pending): Promise<void> {
    const ctx = this.pendingContext(pending);
    const { rotator } = this.options;
    const ref = pending.ref.ref;
    try {
      const set = rotator.set;
      if (set !== undefined) {
        await this.step('set', ref, async () => set.call(rotator, ctx));
        this.audit('rotate', ref, { reason: 'set' });
      }
      await this.step('test', ref, async () => {
        const resolved = await this.baton.rotateSecret(pending.ref);
        if (resolved !== pending.value) {
          throw new ConfigError(
            `${ref} resolves through the Baton's sources to another value than source "${this.options.source.name}" holds: an earlier source has it (an environment variable or file left over?)`,
          );
        }
        const passed = await rotator.test(ctx);
        if (passed === false) {
          throw new ConfigError(`the rotator's test said ${ref} does not work`);
        }
      });
    } catch (failure) {
      // A concurrent run that replaced the version under this one explains the failure: this
      // run stops without blame.
      const stored = await this.options.source.get(pending.ref).catch(() => pending.value);
      if (stored !== pending.value && failure instanceof StepFailure) {
        throw new StepFailure(failure.step, new PendingChangedError(this.options.source.name, ref));
      }
      throw failure;
    }
    this.audit('rotate', ref, { reason: 'test' });
  }

  private async promoteAndFinish(pending: Pending): Promise<RotationResult> {
    const ref = pending.ref.ref;
    let promoted: Awaited<ReturnType<Baton['promote']>>;
    try {
      promoted = await this.step('promote', ref, async () => {
        const stored = await this.options.source.get(pending.ref);
        if (stored !== pending.value) {
          throw new PendingChangedError(this.options.source.name, ref);
        }
        return this.baton.promote(this.logical, ref, {
          expectedRevision: this.revision,
          actor: this.actor,
        });
      });
    } catch (failure) {
      const error = cause(failure);
      if (error instanceof RegistryConflictError || error instanceof PendingChangedError) {
        return this.skipped(failure, ref);
      }
      return this.failed(failure, ref);
    }
    this.audit('rotate', ref, { reason: 'promote', revision: promoted.revision });
    const outcome = {
      revision: promoted.revision,
      ...(promoted.warning === undefined ? {} : { warning: promoted.warning }),
    };

    const finish = this.options.rotator.finish;
    if (finish !== undefined) {
      try {
        await this.step('finish', ref, async () =>
          finish.call(this.options.rotator, this.pendingContext(pending)),
        );
      } catch (failure) {
        const error = this.stepError(failure, ref);
        this.audit('rotate_failed', ref, {
          reason: 'finish',
          error: describeError(cause(failure)),
        });
        return this.result('rotated', ref, { ...outcome, step: 'finish', error });
      }
      this.audit('rotate', ref, { reason: 'finish' });
    }
    return this.result('rotated', ref, outcome);
  }

  /** Runs one step between its progress calls; a throw becomes a `StepFailure` of it. */
  private async step<T>(
    step: RotationStep,
    pendingRef: string,
    work: () => Promise<T>,
  ): Promise<T> {
    const progress = { logical: this.logical, step, pendingRef };
    try {
      await this.options.onStep?.({ ...progress, phase: 'start' });
      const answer = await work();
      await this.options.onStep?.({ ...progress, phase: 'done' });
      return answer;
    } catch (error) {
      throw error instanceof StepFailure ? error : new StepFailure(step, error);
    }
  }

  private failed(failure: unknown, pendingRef: string): RotationResult {
    const step = failure instanceof StepFailure ? failure.step : 'create';
    this.audit('rotate_failed', pendingRef, { reason: step, error: describeError(cause(failure)) });
    return this.result('failed', pendingRef, { step, error: this.stepError(failure, pendingRef) });
  }

  /** Another run got there first: its promotion (or its version) stands, this run stops. */
  private skipped(failure: unknown, pendingRef: string): RotationResult {
    const step = failure instanceof StepFailure ? failure.step : 'promote';
    const error = cause(failure);
    this.audit('rotate', pendingRef, { reason: 'skipped', error: describeError(error) });
    return this.result('skipped', pendingRef, {
      step,
      ...(error instanceof BatonError ? { error } : {}),
    });
  }

  private stepError(failure: unknown, pendingRef: string): RotationStepError {
    const step = failure instanceof StepFailure ? failure.step : 'create';
    return new RotationStepError(this.logical, step, pendingRef, cause(failure));
  }

  private result(
    status: RotationStatus,
    toRef: string,
    extra: Partial<Pick<RotationResult, 'step' | 'error' | 'revision' | 'warning'>> = {},
  ): RotationResult {
    return {
      status,
      logical: this.logical,
      fromRef: this.from.ref,
      toRef,
      ...extra,
      resumed: this.resumed,
      abandoned: [...this.abandoned],
    };
  }

  private audit(
    type: 'rotate' | 'rotate_failed',
    ref: string,
    fields: { reason: string; source?: string; revision?: number; error?: string },
  ): void {
    this.baton.audit({
      type,
      logical: this.logical,
      ref,
      previousRef: this.from.ref,
      actor: this.actor,
      ...fields,
    });
  }

  private refAt(number: number): string {
    return `${this.logical}:v${number}`;
  }

  private context(pendingRef: string): RotationContext {
    return {
      baton: this.baton,
      logical: this.logical,
      currentRef: this.from.ref,
      pendingRef,
    };
  }

  private pendingContext(pending: Pending): PendingContext {
    const ctx = this.context(pending.ref.ref);
    // Not enumerable: a rotator that logs its context does not print the secret.
    Object.defineProperty(ctx, 'pendingValue', { value: pending.value, enumerable: false });
    return ctx as PendingContext;
  }
}

function cause(failure: unknown): unknown {
  return failure instanceof StepFailure ? failure.error : failure;
}

function checkOptions(logical: string, options: RotateOptions): void {
  const issues: string[] = [];
  const parsed = (() => {
    try {
      return parseRef(logical);
    } catch {
      return undefined;
    }
  })();
  if (parsed === undefined || parsed.version !== undefined) {
    issues.push('rotate: logical must be a secret name such as DB_URL (no version)');
  }
  const rotator = options?.rotator;
  if (typeof rotator?.create !== 'function' || typeof rotator?.test !== 'function') {
    issues.push(
      'rotate: rotator must have create(ctx) and test(ctx) (randomSecret(), postgresRole(), your own)',
    );
  }
  for (const step of ['set', 'finish'] as const) {
    if (rotator?.[step] !== undefined && typeof rotator[step] !== 'function') {
      issues.push(`rotate: rotator.${step} must be a function when given`);
    }
  }
  const source = options?.source;
  if (typeof source?.put !== 'function' || typeof source?.get !== 'function') {
    issues.push(
      'rotate: source must be a writable source (with get and put), such as awsSecretsManager(…)',
    );
  }
  if (options?.onStep !== undefined && typeof options.onStep !== 'function') {
    issues.push('rotate: onStep must be a function');
  }
  if (issues.length > 0) throw new ConfigError(issues);
}
