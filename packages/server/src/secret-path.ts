/**
 * Secret paths: one or more segments of `[A-Za-z0-9_.-]` joined by `/`. `.` and `..` are not
 * segments (they would let a path climb out of a prefix), and no percent-encoding is
 * accepted: the characters allowed never need it, so `%2F` can only be a trick.
 */
const SEGMENT = /^[A-Za-z0-9_.-]+$/;
/** Longest path accepted, in characters. */
export const MAX_PATH_LENGTH = 512;

/** Whether `text` is a valid secret path. */
export function isSecretPath(text: string): boolean {
  if (text.length === 0 || text.length > MAX_PATH_LENGTH) return false;
  for (const segment of text.split('/')) {
    if (!SEGMENT.test(segment) || segment === '.' || segment === '..') return false;
  }
  return true;
}

/** Whether `path` lies under `prefix/` (a prefix covers the paths below it, not itself). */
export function isUnderPrefix(path: string, prefix: string): boolean {
  return path.length > prefix.length + 1 && path.startsWith(`${prefix}/`);
}
