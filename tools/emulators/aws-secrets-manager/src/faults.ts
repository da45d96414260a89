import { ApiError } from './api-error.js';

/**
 * Fault injection: what a real service does on a bad day. Rates draw from the emulator's
 * random source; the `next…` counters fail exactly that many requests, for tests.
 */
export interface Faults {
  /** Added before every answer, in milliseconds. Default 0. */
  latencyMs?: number;
  /** Fraction (0–1) of requests answered `InternalServiceError` (HTTP 500). Default 0. */
  errorRate?: number;
  /** Fraction (0–1) of requests answered `ThrottlingException` (HTTP 400). Default 0. */
  throttleRate?: number;
  /** The next this many requests are answered `InternalServiceError`. Default 0. */
  failNext?: number;
  /** The next this many requests are answered `ThrottlingException`. Default 0. */
  throttleNext?: number;
  /** Only these operations (`GetSecretValue`, …) are affected. Default: every operation. */
  operations?: readonly string[];
}

/** Decides, per request, whether a fault answers it instead of the store. */
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

  get current(): Readonly<Faults> {
    return this.faults;
  }

  latency(operation: string): number {
    return this.applies(operation) ? (this.faults.latencyMs ?? 0) : 0;
  }

  /** The fault to answer with, if any; counts down the `next…` counters. */
  draw(operation: string): ApiError | undefined {
    if (!this.applies(operation)) return undefined;
    const faults = this.faults;
    if ((faults.throttleNext ?? 0) > 0) {
      faults.throttleNext = (faults.throttleNext ?? 0) - 1;
      return throttled();
    }
    if ((faults.failNext ?? 0) > 0) {
      faults.failNext = (faults.failNext ?? 0) - 1;
      return failed();
    }
    if ((faults.throttleRate ?? 0) > 0 && this.random() < (faults.throttleRate ?? 0)) {
      return throttled();
    }
    if ((faults.errorRate ?? 0) > 0 && this.random() < (faults.errorRate ?? 0)) return failed();
    return undefined;
  }

  private applies(operation: string): boolean {
    return this.faults.operations === undefined || this.faults.operations.includes(operation);
  }
}

function throttled(): ApiError {
  return new ApiError('ThrottlingException', 'Rate exceeded');
}

function failed(): ApiError {
  return new ApiError(
    'InternalServiceError',
    'An error occurred on the server side (injected by the emulator).',
  );
}
