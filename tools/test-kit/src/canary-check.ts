import type { AuditEvent } from '@baton/core';
import { expect } from 'vitest';
import type { CapturedOutput } from './capture-output.js';
import { expectNoSecrets } from './expect-no-secrets.js';

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
