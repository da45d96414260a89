import { encodeBytes, randomBytes } from './encoding.js';

/** PBKDF2 iterations of the verifier: PostgreSQL's own default (`scram_iterations`). */
const ITERATIONS = 4096;
const SALT_BYTES = 16;

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802, RFC 7677), made on
 * this side as `psql`'s `\password` does: `ALTER ROLE … PASSWORD '<verifier>'` then never
 * carries the password itself, so neither the server's statement log nor its error messages
 * can show it. Web Crypto only.
 *
 * The password must be printable ASCII (SASLprep leaves such text as it is); the rotator's
 * passwords are base64url.
 */
export async function scramVerifier(password: string): Promise<string> {
  const { subtle } = globalThis.crypto;
  const salt = randomBytes(SALT_BYTES);
  const passwordKey = await subtle.importKey(
    'raw',
    new TextEncoder().encode(password),
    'PBKDF2',
    false,
    ['deriveBits'],
  );
  const salted = await subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations: ITERATIONS },
    passwordKey,
    256,
  );
  const hmacKey = await subtle.importKey('raw', salted, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const clientKey = await subtle.sign('HMAC', hmacKey, new TextEncoder().encode('Client Key'));
  const storedKey = await subtle.digest('SHA-256', clientKey);
  const serverKey = await subtle.sign('HMAC', hmacKey, new TextEncoder().encode('Server Key'));
  const base64 = (bytes: ArrayBuffer | Uint8Array) => encodeBytes(bytes, 'base64');
  return `SCRAM-SHA-256$${ITERATIONS}:${base64(salt)}$${base64(storedKey)}:${base64(serverKey)}`;
}
