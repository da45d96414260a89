/** The shortest time between two log lines about one recurring problem: 1 minute. */
const REPEAT_MS = 60_000;

/**
 * Log lines about problems an operator must fix (a store that cannot be reached, a missing
 * secret, a misconfigured parser), written with `console.warn` so they reach the platform's
 * log on every runtime. A recurring problem is reported at most once a minute, with the
 * number of times it recurred meanwhile; a mistake in the code, once. Lines name refs,
 * sources and causes, never values.
 */
export class Notices {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly clock: () => number) {}

  /** Reports `message` the first time `key` is seen, never again. */
  once(key: string, message: string): void {
    if (this.last.has(key)) return;
    this.last.set(key, { at: Number.POSITIVE_INFINITY, suppressed: 0 });
    console.warn(`[baton] ${message}`);
  }

  /** Reports `message` unless `key` was reported less than a minute ago. */
  limited(key: string, message: string): void {
    const now = this.clock();
    const seen = this.last.get(key);
    if (seen !== undefined && now - seen.at < REPEAT_MS && now >= seen.at) {
      seen.suppressed++;
      return;
    }
    const again = seen?.suppressed ? ` (${seen.suppressed} more since the last report)` : '';
    this.last.set(key, { at: now, suppressed: 0 });
    console.warn(`[baton] ${message}${again}`);
  }
}
