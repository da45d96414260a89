/**
 * Fault injection: what Key Vault does on a bad day. Rates draw from the emulator's random
 * source; the `next…` counters fail exactly that many requests, for tests.
 */
export interface Faults {
  /** Added before every answer, in milliseconds. Default 0. */
  latencyMs?: number;
  /** Fraction (0–1) of requests answered 500 `InternalServerError`. Default 0. */
  errorRate?: number;
  /** Fraction (0–1) of requests answered 429 `Throttled` with `Retry-After`. Default 0. */
  throttleRate?: number;
  /** The next this many requests are answered 500. Default 0. */
  failNext?: number;
  /** The next this many requests are answered 429. Default 0. */
  throttleNext?: number;
  /**
   * The wait a 429 asks for, in milliseconds: sent as `Retry-After` (whole seconds, rounded
   * up) and `x-ms-retry-after-ms`. Default 1000.
   */
  retryAfterMs?: number;
  /** Only these operations (`GetSecret`, `SetSecret`, `GetSecretVersions`) are affected. Default: all. */
  operations?: readonly string[];
}

/** A fault to answer with instead of the vault. */
export type Fault = { kind: 'throttle'; retryAfterMs: number } | { kind: 'error' };

/** Decides, per request, whether a fault answers it. */
export class FaultInjector {
  private faults: Faults = {};

  constructor(private readonly random: () => number) {}

  set(faults: Faults): void {
    for (const rate of [faults.errorRate, faults.throttleRate]) {
      if (rate !== undefined && !(rate >= 0 && rate <= 1)) {
        throw new RangeError('errorRate and throttleRate are fractions between 0 and 1');
      }
    }
    this.faults = { ...faults };
  }

  latency(operation: string): number {
    return this.applies(operation) ? (this.faults.latencyMs ?? 0) : 0;
  }

  draw(operation: string): Fault | undefined {
    if (!this.applies(operation)) return undefined;
    const faults = this.faults;
    const throttle: Fault = { kind: 'throttle', retryAfterMs: faults.retryAfterMs ?? 1000 };
    if ((faults.throttleNext ?? 0) > 0) {
      faults.throttleNext = (faults.throttleNext ?? 0) - 1;
      return throttle;
    }
    if ((faults.failNext ?? 0) > 0) {
      faults.failNext = (faults.failNext ?? 0) - 1;
      return { kind: 'error' };
    }
    if ((faults.throttleRate ?? 0) > 0 && this.random() < (faults.throttleRate ?? 0))
      return throttle;
    if ((faults.errorRate ?? 0) > 0 && this.random() < (faults.errorRate ?? 0)) {
      return { kind: 'error' };
    }
    return undefined;
  }

  private applies(operation: string): boolean {
    return this.faults.operations === undefined || this.faults.operations.includes(operation);
  }
}
