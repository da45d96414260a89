/** Longest client-side failure message a provider quotes. */
const MAX_CLIENT_FAILURE_LENGTH = 500;

/**
 * The message of a failure a cloud SDK raised before any request reached its service
 * ("Region is missing", no credentials found, an unresolvable host), fit to quote in a
 * provider's error: nothing of the service's answer or of a secret value was in play, and the
 * message says what to fix. On one line, bounded, and `undefined` when it holds `written`
 * (the value a write was sending) or is empty. Call it only for failures without an answer.
 *
 * @example
 * clientFailureMessage(new Error('Region is missing')); // 'Region is missing'
 */
export function clientFailureMessage(error: unknown, written?: string): string | undefined {
  const message = (error as { message?: unknown } | null | undefined)?.message;
  if (typeof message !== 'string') return undefined;
  if (written !== undefined && written !== '' && message.includes(written)) return undefined;
  const line = message.replace(/\s+/g, ' ').trim();
  if (line === '') return undefined;
  return line.length > MAX_CLIENT_FAILURE_LENGTH
    ? `${line.slice(0, MAX_CLIENT_FAILURE_LENGTH - 1)}…`
    : line;
}
