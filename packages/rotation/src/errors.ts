import { BatonError, describeError, WithheldError } from '@baton/core';
import type { RotationStep } from './rotator.js';

/**
 * A step of a rotation run failed. The message names the secret, the refs and the step, and
 * what went wrong: a Baton error's own message (written to name refs, never values), or only
 * the kind of any other error (a rotator's or a driver's message may quote what it was given).
 * That other error is kept on `underlying`, which is not enumerable and not printed.
 */
export class RotationStepError extends BatonError {
  readonly logical: string;
  readonly step: RotationStep;
  readonly pendingRef: string;
  /** The error the step threw, for debugging: may hold anything the target echoed. */
  declare readonly underlying: unknown;

  constructor(logical: string, step: RotationStep, pendingRef: string, cause: unknown) {
    super(
      'BATON_ROTATION_FAILED',
      `Rotation of ${logical} to ${pendingRef} failed at ${step}: ${explain(cause)}`,
      { cause: cause instanceof BatonError ? cause : new WithheldError(cause) },
    );
    this.logical = logical;
    this.step = step;
    this.pendingRef = pendingRef;
    Object.defineProperty(this, 'underlying', { value: cause, enumerable: false });
  }
}

/**
 * What a rotator reports when its target refused: the message says what to fix and names
 * users, refs and hosts, never a value.
 */
export class RotatorError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BATON_ROTATION_FAILED', message, options);
  }
}

/**
 * The pending version changed in the source while this run was testing it: another run
 * wrote it again (a source without check-and-set writes lets the last writer win). This run
 * does not promote a value it has not tested.
 */
export class PendingChangedError extends BatonError {
  readonly pendingRef: string;

  constructor(source: string, pendingRef: string) {
    super(
      'BATON_CONFLICT',
      `${pendingRef} changed in source "${source}" while this run tested it: another rotation wrote it; this run leaves the promotion to that one`,
    );
    this.pendingRef = pendingRef;
  }
}

function explain(cause: unknown): string {
  return cause instanceof BatonError ? cause.message : describeError(cause);
}
