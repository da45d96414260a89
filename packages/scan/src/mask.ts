/** How many characters of a secret a masked excerpt keeps: a hint, never the secret. */
const MAX_SHOWN = 6;
const MASK = '********';

/**
 * A secret as findings show it: its first characters (at most a quarter of it, at most six)
 * and a fixed mask, so neither the value nor its length is printed.
 *
 * @example
 * maskSecret('hunter2hunter2'); // 'hun********'
 */
export function maskSecret(secret: string): string {
  return `${secret.slice(0, Math.min(MAX_SHOWN, Math.floor(secret.length / 4)))}${MASK}`;
}

/** A span of text to mask: `start` and `end` are offsets into the same text as the line's. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

const MAX_EXCERPT = 160;

/**
 * The line holding a finding, with every secret span on it masked and the rest trimmed to
 * a readable length around `column` (0-based). A span that continues past the line (a key
 * block) is masked to the line's end.
 */
export function maskedExcerpt(
  text: string,
  lineStart: number,
  lineEnd: number,
  spans: readonly Span[],
  focus: number,
): string {
  let out = '';
  let cursor = lineStart;
  let focusAt = 0;
  const onLine = spans
    .filter((span) => span.start < lineEnd && span.end > lineStart)
    .sort((a, b) => a.start - b.start);
  for (const span of onLine) {
    const from = Math.max(span.start, lineStart);
    if (from < cursor) continue;
    out += text.slice(cursor, from);
    if (span.start <= focus && focus < span.end) focusAt = out.length;
    // Only the span's own start shows a hint; a continuation is masked whole.
    out += span.start >= lineStart ? maskSecret(text.slice(span.start, span.end)) : MASK;
    cursor = Math.min(span.end, lineEnd);
  }
  out += text.slice(cursor, lineEnd);
  out = out.replace(/\r$/, '');
  const trimmed = out.trimStart();
  focusAt = Math.max(0, focusAt - (out.length - trimmed.length));
  if (trimmed.length <= MAX_EXCERPT) return trimmed.trimEnd();
  const from = Math.max(0, Math.min(focusAt - 40, trimmed.length - MAX_EXCERPT));
  const cut = trimmed.slice(from, from + MAX_EXCERPT);
  return `${from > 0 ? '…' : ''}${cut}${from + MAX_EXCERPT < trimmed.length ? '…' : ''}`;
}
