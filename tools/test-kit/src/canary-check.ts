import { type AuditEvent, type AuditSink, jsonLinesSink } from '@baton/core';
import { expect } from 'vitest';
import { type CapturedOutput, captureOutput } from './capture-output.js';
import { expectNoSecrets } from './expect-no-secrets.js';
import { recordingTelemetry } from './recording-telemetry.js';

/**
 * A canary's last step: adds every error (as a logger prints it, cause included, and its
 * message), audit event and telemetry record to the captured output; checks that the markers
 * that prove the run really happened are there, and that no secret is.
 *
 * @example
 * await expectNothingLeaked(output, { errors, events, telemetry }, {
 *   markers: ['PERMISSION_DENIED', 'source_error'],
 *   secrets: [CANARY],
 * });
 */
export async function expectNothingLeaked(
  output: CapturedOutput,
  emitted: {
    errors: readonly unknown[];
    events: readonly AuditEvent[];
    telemetry: { emitted(): Promise<string> };
  },
  expected: { markers: readonly string[]; secrets: readonly string[] },
): Promise<void> {
  for (const error of emitted.errors) {
    expect(error).toBeInstanceOf(Error);
    output.add(error);
    output.add((error as Error).message);
  }
  output.add(emitted.events.map((event) => JSON.stringify(event)));
  output.add(await emitted.telemetry.emitted());
  const everything = output.text();
  for (const marker of expected.markers) expect(everything).toContain(marker);
  expectNoSecrets(everything, expected.secrets);
}

/** What a provider's canary keeps while it runs every feature with known secret values. */
export interface ProviderCanary {
  readonly output: CapturedOutput;
  readonly errors: unknown[];
  readonly events: AuditEvent[];
  readonly telemetry: ReturnType<typeof recordingTelemetry>;
  /** Runs work that is meant to fail and keeps its error for the check. */
  failure(work: () => unknown): Promise<void>;
  /**
   * `createBaton` options every provider canary shares: short cache times (so misses, stale
   * serving and expiry all happen), events kept and also written as JSON lines to the
   * captured stdout, telemetry recorded.
   */
  batonOptions(clock: () => number): {
    clock: () => number;
    cache: { ttlMs: number; missTtlMs: number; maxStaleMs: number };
    audit: [(event: AuditEvent) => void, AuditSink];
    telemetry: ReturnType<typeof recordingTelemetry>['options'];
  };
}

/**
 * Starts a provider's canary: captures output from now on (restore it in a `finally`), and
 * collects errors, audit events and telemetry for `expectNothingLeaked`.
 *
 * @example
 * const canary = providerCanary();
 * const baton = createBaton({ ...canary.batonOptions(manualClock()), sources: [provider] });
 * await canary.failure(() => baton.getSecret('DENIED'));
 */
export function providerCanary(): ProviderCanary {
  const errors: unknown[] = [];
  const events: AuditEvent[] = [];
  const telemetry = recordingTelemetry();
  return {
    output: captureOutput(),
    errors,
    events,
    telemetry,
    async failure(work) {
      try {
        await work();
      } catch (error) {
        errors.push(error);
      }
    },
    batonOptions: (clock) => ({
      clock,
      cache: { ttlMs: 1000, missTtlMs: 10, maxStaleMs: 60_000 },
      audit: [(event: AuditEvent) => void events.push(event), jsonLinesSink()],
      telemetry: telemetry.options,
    }),
  };
}
