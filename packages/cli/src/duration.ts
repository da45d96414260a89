const UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1_000],
] as const;

/**
 * A duration in words, its two largest units: `3 h 12 min`, `45 s`, `2 d 4 h`.
 *
 * @example
 * formatDuration(11_520_000); // '3 h 12 min'
 */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return ms <= 0 ? '0 s' : 'less than 1 s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count} ${unit}`);
    // Two adjacent units at most: `2 d 5 min` would read as more precise than it is.
    else if (parts.length > 0) break;
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}
