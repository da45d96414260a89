/**
 * Fault injection: what a real service does on a bad day. Rates draw from the emulator's
 * random source; the `next…` counters fail exactly that many requests, for tests. Each
 * emulator answers a fault in its cloud's own words (its throttling error, its 5xx).
 */
export interface Faults {
  /** Added before every answer, in milliseconds. Default 0. */
  latencyMs?: number;
  /** Fraction (0–1) of requests answered with the service's internal error (a 5xx). Default 0. */
  errorRate?: number;
  /** Fraction (0–1) of requests answered with the service's throttling error. Default 0. */
  throttleRate?: number;
  /** The next this many requests are answered with the internal error. Default 0. */
  failNext?: number;
  /** The next this many requests are answered with the throttling error. Default 0. */
  throttleNext?: number;
  /** Only these operations are affected. Default: every operation. */
  operations?: readonly string[];
}

/** The fault that answers a request instead of the service. */
export type FaultKind = 'throttle' | 'error';

/** Decides, per request, whether a fault answers it. */
export class FaultInjector<F extends Faults = Faults> {
  private faults = {} as F;

  constructor(private readonly random: () => number = Math.random) {}

  set(faults: F): void {
    for (const rate of [faults.errorRate, faults.throttleRate]) {
      if (rate !== undefined && !(rate >= 0 && rate <= 1)) {
        throw new RangeError('errorRate and throttleRate are fractions between 0 and 1');
      }
    }
    this.faults = { ...faults };
  }

  /** The faults in force (with the `next…` counters as far as they have counted down). */
  get current(): Readonly<F> {
    return this.faults;
  }

  latency(operation: string): number {
    return this.applies(operation) ? (this.faults.latencyMs ?? 0) : 0;
  }

  /** The fault to answer with, if any; counts down the `next…` counters. */
  draw(operation: string): FaultKind | undefined {
    if (!this.applies(operation)) return undefined;
    const faults = this.faults;
    if ((faults.throttleNext ?? 0) > 0) {
      faults.throttleNext = (faults.throttleNext ?? 0) - 1;
      return 'throttle';
    }
    if ((faults.failNext ?? 0) > 0) {
      faults.failNext = (faults.failNext ?? 0) - 1;
      return 'error';
    }
    if ((faults.throttleRate ?? 0) > 0 && this.random() < (faults.throttleRate ?? 0)) {
      return 'throttle';
    }
    if ((faults.errorRate ?? 0) > 0 && this.random() < (faults.errorRate ?? 0)) return 'error';
    return undefined;
  }

  private applies(operation: string): boolean {
    return this.faults.operations === undefined || this.faults.operations.includes(operation);
  }
}
