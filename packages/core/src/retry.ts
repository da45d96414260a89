/**
 * How a provider repeats a call that failed for a passing reason (throttling, a restart, a
 * dropped connection). Providers decide which failures pass; the waits are decided here.
 */
export interface RetryOptions {
  /** Attempts in all, the first included (1: no retries). Default 3. */
  attempts?: number;
  /** The first wait in milliseconds; it doubles after each attempt. Default 200. */
  baseDelayMs?: number;
  /** The longest wait in milliseconds. Default 5000. */
  maxDelayMs?: number;
}

/** Retry options with every default filled in. */
export type RetryPolicy = Readonly<Required<RetryOptions>>;

/** The retries a provider makes unless told otherwise. */
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  attempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 5000,
});

/**
 * Merges a provider's `retry` option with the defaults. Problems are appended to `issues`
 * (named after the provider, for its one ConfigError) rather than thrown.
 *
 * @example
 * const retry = retryPolicy(options.retry, 'vaultKv', issues);
 */
export function retryPolicy(
  options: RetryOptions | undefined,
  owner: string,
  issues: string[],
): RetryPolicy {
  const {
    attempts = DEFAULT_RETRY.attempts,
    baseDelayMs = DEFAULT_RETRY.baseDelayMs,
    maxDelayMs = DEFAULT_RETRY.maxDelayMs,
  } = options ?? {};
  if (!(Number.isInteger(attempts) && attempts >= 1)) {
    issues.push(`${owner}: retry.attempts must be a positive integer (1: no retries)`);
  }
  for (const [key, delay] of [
    ['baseDelayMs', baseDelayMs],
    ['maxDelayMs', maxDelayMs],
  ] as const) {
    if (!(typeof delay === 'number' && Number.isFinite(delay) && delay >= 0)) {
      issues.push(`${owner}: retry.${key} must be a non-negative number of milliseconds`);
    }
  }
  return { attempts, baseDelayMs, maxDelayMs };
}

/**
 * The wait after failed attempt `attempt` (1 for the first): `baseDelayMs` doubled per
 * attempt, capped at `maxDelayMs`, with jitter (between half of it and all of it), so clients
 * throttled together do not come back together.
 *
 * @example
 * await new Promise((resolve) => setTimeout(resolve, retryDelay(policy, attempt)));
 */
export function retryDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return delay * (0.5 + random() / 2);
}
