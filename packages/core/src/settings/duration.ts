import { z } from 'zod';

const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;

/**
 * A duration setting in milliseconds, written as `90s`, `15m`, `24h`, `7d` or a number of
 * milliseconds: for grace windows and TTLs that operators tune without a deploy. `fallback`
 * is used when no source has the setting, and is parsed like a given value.
 *
 * @example
 * const settings = await loadSettings({ BATON_GRACE: duration('24h') });
 * createBaton({ registry: { graceMs: settings.BATON_GRACE } });
 */
export function duration(fallback?: string | number) {
  const schema = z.union([z.number(), z.string()]).transform((input, context) => {
    if (typeof input === 'number' && Number.isFinite(input) && input >= 0) return input;
    const match = typeof input === 'string' ? DURATION_PATTERN.exec(input.trim()) : null;
    if (match === null) {
      context.addIssue({
        code: 'custom',
        message: 'expected a duration such as 90s, 15m, 24h, 7d or milliseconds',
      });
      return z.NEVER;
    }
    return Number(match[1]) * (UNITS[match[2] ?? 'ms'] as number);
  });
  return fallback === undefined ? schema : schema.prefault(fallback);
}
