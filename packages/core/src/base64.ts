const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;
const WHITESPACE = /[\t\n\f\r ]/g;

/**
 * Decodes base64 as secrets are written: the standard alphabet (RFC 4648 §4) or the URL-safe
 * one (§5), padded or not, with line breaks and spaces ignored (the `base64` command wraps
 * its output). `undefined` when the text is not base64, or decodes to no bytes. Uses `atob`,
 * which every runtime has.
 *
 * @example
 * decodeBase64('aGk='); // Uint8Array [104, 105]
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  let normalized = text.replace(WHITESPACE, '');
  if (/[-_]/.test(normalized)) {
    if (/[+/]/.test(normalized)) return undefined;
    normalized = normalized.replace(/-/g, '+').replace(/_/g, '/');
  }
  if (!STANDARD.test(normalized)) return undefined;
  if (normalized.includes('=') && normalized.length % 4 !== 0) return undefined;
  let binary: string;
  try {
    binary = atob(normalized);
  } catch {
    return undefined;
  }
  if (binary.length === 0) return undefined;
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** Encodes bytes as standard, padded base64. */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
