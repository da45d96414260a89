import { strict as assert } from 'node:assert';
import { type BatonError, createBaton, type SecretSource } from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { auditCollector } from './audit-collector.js';

/** A provider under test: a source on the real client, and its emulator's faults and counters. */
export interface ProviderUnderTest {
  /** A fresh source (no retries, so a failure surfaces at once) on the real client. */
  source(): SecretSource;
  /** A ref the emulator holds, and its value. */
  readonly ref: string;
  readonly value: string;
  /** Makes every call fail with the service's 5xx (`true`), or serve again (`false`). */
  failing(on: boolean): void;
  /** Read calls the emulator answered since the last reset (logins not counted). */
  reads(): number;
  resetCounters(): void;
}

/** One rule every provider follows with the cache of @baton/core, runnable against any. */
export interface SourceContractCase {
  name: string;
  run(provider: ProviderUnderTest): Promise<void>;
}

/**
 * What Baton's core promises for every provider, checked through the provider's real client
 * and emulator:
 *
 * @example
 * for (const rule of sourceContract) it(rule.name, () => rule.run(provider));
 */
export const sourceContract: readonly SourceContractCase[] = [
  {
    name: 'makes one provider call for 300 concurrent cold reads of one ref',
    async run(provider) {
      provider.resetCounters();
      const baton = createBaton({ sources: [provider.source()], audit: false });
      const values = await Promise.all(
        Array.from({ length: 300 }, () => baton.getSecret(provider.ref)),
      );
      assert.deepEqual(new Set(values), new Set([provider.value]));
      assert.equal(provider.reads(), 1);
    },
  },
  {
    name: 'serves the last value while the service fails, then surfaces the error after maxStaleMs',
    async run(provider) {
      const clock = manualClock();
      const audit = auditCollector();
      const baton = createBaton({
        sources: [provider.source()],
        cache: { ttlMs: 60_000, maxStaleMs: 600_000, missTtlMs: 5_000 },
        clock,
        audit: audit.sink,
      });
      try {
        assert.equal(await baton.getSecret(provider.ref), provider.value);
        provider.failing(true);
        clock.advance(60_000);
        assert.equal(await baton.getSecret(provider.ref), provider.value);
        clock.advance(600_000);
        const error = await baton.getSecret(provider.ref).then(
          () => assert.fail('expected the read to fail once maxStaleMs passed'),
          (caught: unknown) => caught as BatonError,
        );
        assert.equal(error.code, 'BATON_SOURCE_FAILED');
        await baton.flush();
        assert.deepEqual(
          audit.events.map((event) => event.type),
          ['secret_read', 'source_error', 'secret_stale_served', 'source_error'],
        );
        // Once the service is back, the next read fetches again.
        provider.failing(false);
        assert.equal(await baton.getSecret(provider.ref), provider.value);
      } finally {
        provider.failing(false);
      }
    },
  },
];
