/** How random bytes are written as text. */
export type SecretEncoding = 'base64url' | 'base64' | 'hex';

export const ENCODINGS: readonly SecretEncoding[] = ['base64url', 'base64', 'hex'];

/** `count` random bytes from Web Crypto (so it runs at the edge too). */
export function randomBytes(count: number): Uint8Array<ArrayBuffer> {
  return globalThis.crypto.getRandomValues(new Uint8Array(count));
}

/** Writes bytes as text in `encoding` (base64url without padding). */
export function encodeBytes(bytes: ArrayBuffer | Uint8Array, encoding: SecretEncoding): string {
  const view = new Uint8Array(bytes);
  if (encoding === 'hex') {
    return Array.from(view, (byte) => byte.toString(16).padStart(2, '0')).join('');
  }
  let binary = '';
  for (const byte of view) binary += String.fromCharCode(byte);
  const base64 = btoa(binary);
  return encoding === 'base64'
    ? base64
    : base64.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** How many bytes `text` holds in `encoding`, or `undefined` when it is not that encoding. */
export function decodedLength(text: string, encoding: SecretEncoding): number | undefined {
  if (encoding === 'hex') return /^(?:[0-9a-f]{2})+$/.test(text) ? text.length / 2 : undefined;
  const pattern = encoding === 'base64' ? /^[A-Za-z0-9+/]+={0,2}$/ : /^[A-Za-z0-9_-]+$/;
  if (!pattern.test(text)) return undefined;
  if (encoding === 'base64' && text.length % 4 !== 0) return undefined;
  if (encoding === 'base64url' && text.length % 4 === 1) return undefined;
  return Math.floor((text.replace(/=+$/, '').length * 3) / 4);
}
