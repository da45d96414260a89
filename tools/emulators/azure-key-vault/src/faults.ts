import type { Faults as KitFaults } from '@baton-tools/emulator-kit';

/**
 * Faults of this emulator (the kit's, plus the wait a 429 asks for): a throttled request is
 * answered 429 `Throttled` with `Retry-After`, a failed one 500 `InternalServerError`.
 */
export interface Faults extends KitFaults {
  /**
   * The wait a 429 asks for, in milliseconds: sent as `Retry-After` (whole seconds, rounded
   * up) and `x-ms-retry-after-ms`. Default 1000.
   */
  retryAfterMs?: number;
}
