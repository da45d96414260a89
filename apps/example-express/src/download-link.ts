import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a download link works: 5 minutes. */
export const LINK_TTL_MS = 300_000;

/** The signature of a link to `file` that expires at `expires` (epoch seconds). */
export function linkSignature(key: string, file: string, expires: number): string {
  return createHmac('sha256', key).update(`${file}:${expires}`).digest('hex');
}

/** Whether a presented link signature is valid and unexpired, compared in constant time. */
export function linkIsValid(
  key: string,
  file: string,
  expires: unknown,
  signature: unknown,
  nowMs: number,
): boolean {
  if (typeof expires !== 'string' || !/^[0-9]{1,12}$/.test(expires)) return false;
  if (typeof signature !== 'string' || !/^[0-9a-f]{64}$/.test(signature)) return false;
  if (Number(expires) * 1000 <= nowMs) return false;
  const expected = Buffer.from(linkSignature(key, file, Number(expires)), 'hex');
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}
